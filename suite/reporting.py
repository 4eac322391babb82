"""What leaves a test run: redacted at the source, and complete under xdist.

- Every test report is redacted where it is made (``pytest_runtest_makereport``), so the
  terminal, JUnit XML, Cucumber JSON and the living documentation only ever see
  redacted text.
- pytest-bdd keeps a scenario's step results beside the report object, which xdist does
  not carry from workers to the controller; under ``-n`` ``--cucumberjson`` would
  write ``[]``. The serialization hooks below carry that context across.
- pytest-playwright deletes its ``--output`` folder at start in every worker; each
  worker gets its own folder below the reports directory, and the trace archives it
  leaves are redacted when the worker finishes.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
from pytest import TestReport

from suite.compat import cucumber_writer_of, junit_xml_of, report_context, set_report_context
from suite.keys import settings, target_or_none
from suite.paths import REPORTS_DIR
from suite.redaction import known, redact, redact_bytes
from suite.requirements import TAG

BDD_KEY = "energy_suite_bdd_context"
PLAYWRIGHT_DIR = REPORTS_DIR / "playwright"
IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png", ".webp", ".gif")
TEXT_SUFFIXES = (".trace", ".network", ".stacks", ".json", ".txt", ".html", ".js", ".css", ".xml", ".md", ".log")


# ------------------------------------------------------------------ redaction at source


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, TestReport, TestReport]:
    report = yield
    if report.longrepr is not None:
        text = redact(str(report.longrepr))
        if text != str(report.longrepr):
            report.longrepr = text
    report.sections = [(title, redact(content)) for title, content in report.sections]
    report.user_properties = [(k, redact(str(v))) for k, v in report.user_properties]
    example = getattr(getattr(item, "callspec", None), "params", {}).get("_pytest_bdd_example")
    if example:  # the outline's example, for the living document (xdist carries report attributes)
        report.example = {str(k): redact(str(v)) for k, v in example.items()}
    return report


@pytest.hookimpl(trylast=True)
def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    """Schemathesis rewrites a failed report's text here, after it was logged (and
    redacted); the terminal prints that text at the end, so it is redacted again."""
    if isinstance(report, TestReport) and isinstance(report.longrepr, str):
        report.longrepr = redact(report.longrepr)


# ------------------------------------------------------------ JUnit properties


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test case in JUnit names the requirements it proves (``requirements``)."""
    for item in items:
        tags = sorted({m.name for m in item.iter_markers() if TAG.match(m.name)})
        if tags and not any(key == "requirements" for key, _ in item.user_properties):
            item.user_properties.append(("requirements", " ".join(tags)))


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """The JUnit test suite names the target, the commit and the contract seed."""
    config = session.config
    xml = junit_xml_of(config)
    if xml is None or hasattr(config, "workerinput"):
        return
    # not at import: suite.living_doc is a plugin registered after this one, and pytest rewrites it as it imports it
    from suite.living_doc.record import code_version

    target = target_or_none(config)
    version = code_version()
    properties = {
        "target": getattr(target, "name", "unknown"),
        "target_kind": "embedded sandbox" if getattr(target, "embedded", False) else "remote deployment",
        "commit": version["commit"] + (" with local changes" if version["dirty"] else ""),
        "code": version["code"],
    }
    with contextlib.suppress(KeyError):  # the contract tests' plugin is not loaded
        properties["contract_seed"] = str(settings(config).seed)
    for name, value in properties.items():
        xml.add_global_property(name, value)


# ------------------------------------------------- pytest-bdd context across xdist


@pytest.hookimpl(wrapper=True)
def pytest_report_to_serializable(config: pytest.Config, report: Any) -> Generator[None, Any, Any]:
    data = yield
    context = report_context(report) if isinstance(report, TestReport) else None  # subtest reports carry none
    if data is not None and context is not None:
        data[BDD_KEY] = {"scenario": context.scenario, "name": context.name}
    return data


@pytest.hookimpl(wrapper=True)
def pytest_report_from_serializable(config: pytest.Config, data: dict[str, Any]) -> Generator[None, Any, Any]:
    carried = data.pop(BDD_KEY, None) if isinstance(data, dict) else None
    report = yield
    if carried is not None and isinstance(report, TestReport):
        set_report_context(report, carried["scenario"], carried["name"])
    return report


# ---------------------------------------------------------- Playwright artifacts


def configure(config: pytest.Config) -> None:
    """Mend pytest-bdd's Cucumber writer (called by suite/entry.py, after pytest-bdd configured it)."""
    cucumber = cucumber_writer_of(config)
    if cucumber is not None:
        # pytest-bdd's Cucumber writer keys reports in a WeakKeyDictionary; Schemathesis'
        # subtest reports are unhashable and would crash it. They carry no scenario anyway.
        original = cucumber.pytest_runtest_logreport

        def logreport(report: TestReport) -> None:
            try:
                hash(report)
            except TypeError:
                return
            original(report)

        config.pluginmanager.unregister(cucumber)  # pluggy binds hooks at registration
        cucumber.pytest_runtest_logreport = logreport
        config.pluginmanager.register(cucumber)
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    if hasattr(config.option, "output") and config.option.output in (None, "test-results"):
        config.option.output = str(PLAYWRIGHT_DIR / worker)


def redact_archive(path: Path) -> bool:
    """Rewrite a trace archive with every text entry redacted; True when it changed."""
    with zipfile.ZipFile(path) as archive:
        entries = [(info, archive.read(info)) for info in archive.infolist()]
    changed = False
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in entries:
            # Every entry but pictures: request bodies (.dat) carry typed passwords too, and
            # redaction leaves bytes that match no secret exactly as they were.
            if not info.filename.lower().endswith(IMAGE_SUFFIXES):
                cleaned = redact_bytes(data)
                changed |= cleaned != data
                data = cleaned
            out.writestr(info, data)
    if changed:
        path.write_bytes(buffer.getvalue())
    return changed


def redact_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".zip":
            redact_archive(path)
        elif path.suffix in TEXT_SUFFIXES:
            text = path.read_bytes()
            cleaned = redact_bytes(text)
            if cleaned != text:
                path.write_bytes(cleaned)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config.option, "output", None)
    if output and Path(output).is_dir() and known():
        redact_tree(Path(output))
