"""Short failures: a failed scenario says what went wrong, in which step, and where to look.

pytest-bdd runs each step through pytest's fixture machinery, so a failed scenario's
traceback is mostly pytest's and pytest-bdd's frames (about 45 lines) around one clear
sentence. With pytest's default ``--tb=auto`` a failed scenario's report starts with:

    expected the portal to refuse the link, ..., but the browser shows ...
      step:    Then the portal refuses the link (features/portal_sso.feature:101)
      picture: reports/screenshots/run-.../03-when-it-went-wrong.jpg
      trace:   reports/playwright/main/<test>/trace.zip (.venv/bin/playwright show-trace <it>)

then the project's own frames only (steps, page objects, clients), short. ``--tb=long``
(or any other ``--tb``, or ``--full-trace``) shows pytest's traceback unchanged. The
report stays pytest's own kind (its crash line, its serialization under xdist), so the
fault matrix, retries and the living document read it as before.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

from suite.compat import fixtures_asked, is_traceback_repr, playwright_test_folder, short_traceback
from suite.evidence import EVIDENCE_KEY
from suite.paths import REPORTS_DIR, ROOT

STEP_KEY = pytest.StashKey[str]()
TRACE_OPTIONS = ("on", "retain-on-failure")


def ours(path: object) -> bool:
    """A frame of the project (steps, page objects, clients, the harness), not of a library."""
    text = str(path)
    return text.startswith(str(ROOT)) and f"{os.sep}.venv{os.sep}" not in text and "site-packages" not in text


def shown(path: str | Path, start: Path) -> str:
    try:
        return os.path.relpath(path, start)
    except ValueError:
        return str(path)


def pytest_bdd_step_error(request: pytest.FixtureRequest, feature: Any, scenario: Any, step: Any,
                          exception: Exception) -> None:
    where = f"{feature.rel_filename}:{step.line_number}" if getattr(feature, "rel_filename", "") else ""
    where = where if where.startswith("features") else f"features/{where}"
    request.node.stash[STEP_KEY] = f"{step.keyword} {step.name}" + (f" ({where})" if where else "")


def used_a_browser(item: pytest.Item) -> bool:
    """Whether the scenario opened a page (steps ask for it when they need it)."""
    return "page" in getattr(item, "fixturenames", ()) or "page" in fixtures_asked(item)


def trace_path(item: pytest.Item) -> str | None:
    """Where pytest-playwright keeps this attempt's trace (written at teardown), if it keeps one."""
    config = item.config
    if config.getoption("--tracing", "off") not in TRACE_OPTIONS or not used_a_browser(item):
        return None
    folder = playwright_test_folder(item)
    return str(folder / "trace.zip") if folder is not None else None


def where_to_look(item: pytest.Item, sentence: str) -> list[str]:
    start = Path(item.config.invocation_params.dir)
    lines = [sentence]
    lines.append(f"  step:    {item.stash.get(STEP_KEY, 'while preparing the scenario')}")
    evidence = item.stash.get(EVIDENCE_KEY, None)
    pictures = [p for p in getattr(evidence, "taken", []) if p.get("path")]
    failing = [p for p in pictures if p.get("at_failure")] or pictures[-1:]
    for picture in failing:
        lines.append(f"  picture: {shown(REPORTS_DIR / picture['path'], start)}")
    if not failing and used_a_browser(item):
        lines.append("  picture: none was taken (the browser had no page open)")
    trace = trace_path(item)
    if trace:
        lines.append(f"  trace:   {shown(trace, start)} (open it with .venv/bin/playwright show-trace)")
    elif used_a_browser(item):
        lines.append("  trace:   none kept; add --tracing retain-on-failure")
    lines.append("  (the whole traceback, pytest-bdd's fixtures included: --tb=long)")
    return lines


@pytest.hookimpl(wrapper=True, trylast=True)  # inside suite.reporting's wrapper: it redacts what this writes
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    config = item.config
    excinfo = call.excinfo
    if (not report.failed or excinfo is None or STEP_KEY not in item.stash or config.getoption("tbstyle", "auto") != "auto"
            or config.getoption("fulltrace", False) or not is_traceback_repr(report.longrepr)):
        return report
    frames = excinfo.traceback.filter(lambda entry: ours(entry.path) and not entry.name.startswith("pytest_"))
    if frames:
        excinfo.traceback = frames
    sentence = str(excinfo.value).strip() or excinfo.typename
    short = short_traceback(excinfo, where_to_look(item, sentence))
    if short is not None:
        report.longrepr = short
    return report
