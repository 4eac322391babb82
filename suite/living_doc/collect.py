"""From pytest's test reports (on the controller, under xdist too) to test records.

What each report brings: the outcome and its reason (skips, pending scenarios and
expected failures each keep theirs), the redacted failure message, the pytest-bdd step
results (carried across xdist by ``suite.reporting``), the outline example and the
pictures (``report.example``, ``report.pictures``), Playwright's kept artifacts, and the
``flaky`` and ``deviation`` user properties other plugins add. A retried test keeps
only its last attempt, and remembers how the first one failed.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from suite.compat import report_context
from suite.keys import plan_facts_of, settings
from suite.living_doc.profile_facts import facts
from suite.living_doc.proof import partial, run_label, run_url
from suite.living_doc.record import SEVERITY, TestRecord, code_version
from suite.redaction import redact
from suite.requirements import TAG

ARTIFACTS = {"playwright_trace": "trace", "playwright_video": "video", "playwright_screenshot": "screenshot"}


def short(longrepr: object, lines: int = 25) -> str:
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    return "\n".join(text.strip().splitlines()[:lines])


def skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple | list) and len(longrepr) == 3:  # a list once xdist carried it
        reason = str(longrepr[2])
    else:
        reason = str(getattr(getattr(longrepr, "reprcrash", None), "message", longrepr or ""))
    return reason.removeprefix("Skipped: ").strip()


class Collector:
    def __init__(self, reports_dir: Path, invocation_dir: Path) -> None:
        self.reports_dir = reports_dir
        self.invocation_dir = invocation_dir
        self.tests: dict[str, TestRecord] = {}

    def absorb(self, report: pytest.TestReport) -> None:
        test = self.tests.setdefault(report.nodeid, TestRecord(report.nodeid))
        if report.outcome == "rerun":  # pytest-rerunfailures: this attempt failed, another follows
            test.first_failure = test.first_failure or redact(short(report.longrepr))
            test.outcome, test.message, test.failed_steps, test.failed_step, test.pictures = "passed", "", [], "", []
            return
        test.duration += report.duration
        test.requirements = sorted(set(test.requirements) | {k for k in report.keywords if TAG.match(str(k))})
        self._properties(test, report)
        if getattr(report, "example", None):
            test.example = {str(k): str(v) for k, v in report.example.items()}
        if not self._subtest(report):  # each report of an attempt has its pictures so far: the last wins
            test.pictures = [dict(p) for p in getattr(report, "pictures", None) or []]
        self._scenario(test, report)
        self._outcome(test, report)

    @staticmethod
    def _subtest(report: pytest.TestReport) -> bool:
        try:
            hash(report)
        except TypeError:  # Schemathesis' subtest reports are not hashable
            return True
        return False

    def _properties(self, test: TestRecord, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == "flaky":
                test.flaky = str(value) or "passed on a retry"
            elif key == "deviation" and str(value) not in test.deviations:
                test.deviations.append(str(value))
            elif key in ARTIFACTS:
                path = Path(str(value))
                path = path if path.is_absolute() else self.invocation_dir / path
                kind = test.artifacts.setdefault(ARTIFACTS[key], [])
                if str(path) not in kind:
                    kind.append(str(path))

    def _scenario(self, test: TestRecord, report: pytest.TestReport) -> None:
        context = report_context(report)  # None for subtest reports (Schemathesis' from_fixture)
        if context is None:
            if not test.flow:
                parts = report.nodeid.split("::")[0].split("/")
                test.flow = "contracts" if "contracts" in parts else Path(parts[-1]).stem
            return
        scenario = context.scenario  # the attempt's steps so far: the last report wins
        test.scenario = scenario["name"]
        test.flow = Path(scenario["feature"]["rel_filename"]).stem
        steps = scenario["steps"]
        # pytest-bdd marks the step that failed *and every step after it* as failed: the
        # first one went wrong, the others never ran.
        first = next((i for i, step in enumerate(steps) if step["failed"]), None)
        ran = steps if first is None else steps[:first + 1]
        test.ran_steps = [step["line_number"] for step in ran]
        test.failed_steps = [] if first is None else [steps[first]["line_number"]]
        test.failed_step = "" if first is None else f"{steps[first]['keyword']} {steps[first]['name']}"

    def _outcome(self, test: TestRecord, report: pytest.TestReport) -> None:
        wasxfail = getattr(report, "wasxfail", None)
        if wasxfail is not None and report.skipped:
            outcome, reason = "xfailed", str(wasxfail) or "expected to fail (no reason given)"
        elif wasxfail is not None and report.passed:
            outcome, reason = "xpassed", str(wasxfail)
        elif report.failed:
            outcome, reason = "failed", ""
            if not test.message:
                test.message = redact(short(report.longrepr))
                if report.when != "call":
                    test.message = f"(while {'preparing' if report.when == 'setup' else 'cleaning up'}) {test.message}"
        elif report.skipped:
            reason = skip_reason(report)
            outcome = "pending" if reason.lower().startswith("pending") else "skipped"
            reason = reason.split(":", 1)[1].strip() if outcome == "pending" and ":" in reason else reason
            reason = reason or "no reason given"
        else:
            return  # a passed phase changes nothing
        rank = {o: i for i, o in enumerate(SEVERITY)}
        if rank[outcome] < rank.get(test.outcome, 99) or test.outcome == "passed":
            test.outcome, test.reason = outcome, reason

    def records(self) -> list[TestRecord]:
        return list(self.tests.values())


def run_facts(config: pytest.Config, target: Any, started: float, finished: float) -> dict[str, Any]:
    """What the record says about the run as a whole."""
    hosts = {}
    if target is not None and not target.embedded:
        hosts = {name: urlsplit(getattr(target.urls, key)).netloc for name, key in (
            ("the partner app", "partner_app"), ("Nomos", "nomos_api"), ("the Nomos portal", "nomos_portal"),
            ("NOX", "nox"))}
    seed = None
    with contextlib.suppress(KeyError, AttributeError):  # the contract tests' plugin is not loaded
        seed = settings(config).seed
    selection = " ".join(filter(None, (
        f"-m {config.option.markexpr!r}" if getattr(config.option, "markexpr", "") else "",
        f"-k {config.option.keyword!r}" if getattr(config.option, "keyword", "") else "",
        " ".join(str(a) for a in config.args if a not in config.getini("testpaths")),
    )))
    return {
        "started": started, "finished": finished, **code_version(),
        "target": {"name": getattr(target, "name", "unknown"), "description": getattr(target, "description", ""),
                   "embedded": bool(getattr(target, "embedded", False)), "hosts": hosts,
                   **(facts(target) if target is not None else {})},
        "seed": seed, "selection": selection, "faults": list(getattr(target, "sandbox_faults", ()) or ()),
        "workers": getattr(config.option, "numprocesses", None) or 1, "shards": 1,
        **nightly_facts(config, target, started),
    }


def nightly_facts(config: pytest.Config, target: Any, started: float) -> dict[str, Any]:
    """The plan the run followed, its label and link, whether it was a partial selection,
    and the target's proof window (suite/living_doc/proof.py)."""
    window = {"proof_window_nights": getattr(target, "proof_window_nights", 7)} if target is not None else {}
    return {"plan": plan_facts_of(config), "run": run_label(started), "url": run_url(), "partial": partial(config), **window}
