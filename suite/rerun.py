"""Flaky tests are reported as flaky, never as a plain pass.

``--reruns N`` (pytest-rerunfailures, opt-in, meant for shared staging targets) runs a
failed test again up to N times. A test that passed only on a retry is *flaky*; this
module marks it so in every report:

- the report: ``("flaky", "passed on retry N; attempt 1 failed: <first line>")`` in
  ``user_properties`` (the living document reads them; JUnit writes them as a
  ``<property>`` of the test case);
- the terminal: the outcome word ``FLAKY`` (letter ``f``), a ``flaky`` count in the
  summary line and a "flaky tests" section naming each with its first failure;
- Cucumber JSON: the scenario gets the tag ``@flaky`` and a description line. The
  intermediate attempts (outcome ``rerun``) leave pytest-bdd's scenario registry, so the
  Cucumber writer (which knows only passed, failed and skipped) and the living document
  see the last attempt only; its flaky note names the first failure.

``--fail-on-flaky`` (pytest-rerunfailures) turns a flaky run red (exit 7).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from pytest import TestReport

from suite.compat import drop_report_context, junit_xml_of, report_context

FLAKY = "flaky"
FAILED_ATTEMPTS = pytest.StashKey[list[tuple[int, str]]]()


def flaky_note(report: Any) -> str | None:
    """The flaky marker of a report, or None."""
    for key, value in getattr(report, "user_properties", ()):
        if key == FLAKY:
            return str(value)
    return None


def first_line(report: TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(report.longrepr or "")
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0][:200] if lines else report.outcome


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, TestReport, TestReport]:
    report = yield
    attempt = getattr(item, "execution_count", 1)
    failures = item.stash.setdefault(FAILED_ATTEMPTS, [])
    if report.failed:
        where = "" if report.when == "call" else f"in {report.when}: "
        failures.append((attempt, where + first_line(report)))
    elif report.when == "call" and report.passed and failures and flaky_note(report) is None:
        first_attempt, reason = failures[0]
        note = f"passed on retry {attempt - 1}; attempt {first_attempt} failed: {reason}"
        report.user_properties.append((FLAKY, note))
        item.user_properties.append((FLAKY, note))  # the teardown report, which JUnit reads
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_report_teststatus(report: TestReport, config: pytest.Config) -> tuple[str, str, tuple[str, dict[str, bool]]] | None:
    if report.when == "call" and report.passed and flaky_note(report) is not None:
        return FLAKY, "f", ("FLAKY", {"yellow": True})
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logreport(report: TestReport) -> None:
    """An intermediate attempt leaves the scenario reports (the Cucumber writer knows
    only passed, failed and skipped, and the last attempt is the result); a flaky
    scenario is tagged for the Cucumber writer and whoever reads the scenario."""
    context = report_context(report)  # subtest reports carry no scenario
    if context is None:
        return
    if report.outcome == "rerun":
        drop_report_context(report)
        return
    note = flaky_note(report) if report.when == "call" else None
    if note is not None and FLAKY not in context.scenario["tags"]:
        scenario = context.scenario
        scenario["tags"] = [*scenario["tags"], FLAKY]
        scenario["description"] = "\n".join(filter(None, [scenario.get("description", ""), f"Flaky: {note}"]))


def configure(config: pytest.Config) -> None:
    """Called by suite/entry.py, after pytest configured its JUnit writer. JUnit XML
    writes a test case at every teardown: an attempt that was run again
    would stand there as an empty test case, i.e. a pass. Its teardown is kept out."""
    junit = junit_xml_of(config)
    if junit is None:
        return
    original = junit.pytest_runtest_logreport
    rerun: set[tuple[str, int]] = set()  # (node id, attempt) of the attempts that were run again

    def logreport(report: TestReport) -> None:
        attempt = (report.nodeid, getattr(report, "rerun", 0))
        if report.outcome == "rerun":
            rerun.add(attempt)
        if report.when == "teardown" and attempt in rerun:
            return
        original(report)

    config.pluginmanager.unregister(junit)  # pluggy binds hooks at registration
    junit.pytest_runtest_logreport = logreport
    config.pluginmanager.register(junit)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    flaky = terminalreporter.stats.get(FLAKY, [])
    if not flaky:
        return
    terminalreporter.write_sep("=", f"flaky tests: passed only on a retry ({len(flaky)})", yellow=True, bold=True)
    for report in flaky:
        terminalreporter.write_line(f"FLAKY {report.nodeid}: {flaky_note(report)}", yellow=True)
