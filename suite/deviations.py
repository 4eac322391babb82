"""Known vendor deviations: what a target profile accepts for now, and until when.

A profile may list deviations of the vendor from its own contract that the team has
reported and accepts for a while::

    [[deviations]]
    id = "unsupported_method"          # a Schemathesis check, or a test id
    reason = "NOX answers 405 without the Allow header RFC 9110 requires (ticket 4711)"
    until = 2027-01-31

* **a test id** (``test_nomos_token_contract[POST /oauth/token]``, a scenario's test
  name, or a node id): the test is a strict expected failure. While the vendor deviates
  (the test, or one of Schemathesis' subtests, fails) it is reported as a known
  deviation; the day it passes, it fails and says the deviation no longer occurs.
* **a check** (the name of a Schemathesis check: a built-in such as
  ``unsupported_method``, or a promise of tests/contracts/promises.py): in the contract
  tests that check's failures are tolerated and noted; a test whose only failures are
  known ones is reported as a known deviation (xfailed). When the contract tests of every
  operation ran and the check never failed, the run fails and says the vendor seems to
  have fixed it.
* **expired** (``until`` in the past): the run does not start; one line says which.

Every test a deviation touches carries ``("deviation", "<id>: <reason> (until
YYYY-MM-DD)")`` in its report's ``user_properties``, for the living document.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pytest

from suite.operations import vendored_operations

PROPERTY = "deviation"
CHECK_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_SEEN: list[str] = []  # ids of the check deviations that occurred in this process, in order


@dataclass(frozen=True)
class Deviation:
    id: str
    reason: str
    until: datetime.date

    @property
    def is_check(self) -> bool:
        return bool(CHECK_NAME.match(self.id)) and not self.id.startswith("test_")

    @property
    def line(self) -> str:
        return f"{self.id}: {self.reason} (until {self.until.isoformat()})"

    def matches(self, item: pytest.Item) -> bool:
        return self.id in (item.name, item.nodeid) or item.nodeid.endswith(f"::{self.id}")


def read(raw: object, profile: str, today: datetime.date | None = None) -> tuple[Deviation, ...]:
    """The ``deviations`` of a profile; ValueError (one line) for a malformed or expired one."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ValueError(f"target profile {profile}: `deviations` must be a list of {{ id, reason, until }} tables")
    today = today or datetime.date.today()
    found = []
    for n, entry in enumerate(raw):
        if not isinstance(entry, Mapping) or not isinstance(entry.get("id"), str) or not entry["id"] \
                or not isinstance(entry.get("reason"), str) or not entry["reason"].strip() \
                or type(entry.get("until")) is not datetime.date:
            raise ValueError(f"target profile {profile}: deviations[{n}] needs id, reason and until "
                             "(a date: until = 2027-01-31)")
        deviation = Deviation(entry["id"], entry["reason"].strip(), entry["until"])
        if deviation.until < today:
            raise ValueError(f"known deviation {deviation.id!r} in {profile} expired on {deviation.until}: "
                             "check whether the vendor has fixed it, then remove the entry or move `until` on")
        found.append(deviation)
    return tuple(found)


def occurred(deviation: Deviation) -> None:
    _SEEN.append(deviation.id)


def tolerated(check: Callable[..., Any], deviation: Deviation) -> Callable[..., Any]:
    """``check`` whose failures are noted as the known ``deviation`` instead of failing."""
    # not at import: Schemathesis is slow to load, and reading a profile needs none of it
    from schemathesis.core.failures import Failure, FailureGroup

    def known(ctx: Any, response: Any, case: Any) -> Any:
        try:
            return check(ctx, response, case)
        except (AssertionError, Failure, FailureGroup):
            occurred(deviation)
            return None

    known.__name__ = f"known_{check.__name__}"
    return known


def known(report: pytest.TestReport, line: str) -> None:
    """Report as an expected failure: a known deviation of the vendor."""
    report.outcome = "skipped"
    report.wasxfail = f"known deviation {line}"
    report.longrepr = None


def known_checks(deviations: Iterable[Deviation]) -> dict[Callable[..., Any], Deviation]:
    """The registered Schemathesis checks the deviations name, by function."""
    # not at import: Schemathesis is slow to load, and reading a profile needs none of it
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return {CHECKS.get_one(d.id): d for d in deviations if d.is_check and d.id in CHECKS.get_all_names()}


class KnownDeviations:
    """The plugin of one run's deviations (registered by suite/plugin.py)."""

    def __init__(self, config: pytest.Config, deviations: tuple[Deviation, ...], profile: str) -> None:
        self.config = config
        self.profile = profile
        self.tests = [d for d in deviations if not d.is_check]
        self.checks = [d for d in deviations if d.is_check]
        self.seen: set[str] = set()  # check deviations that occurred anywhere in the run
        self.contract_operations: set[str] = set()  # operations whose contract test ran
        self.verdicts: list[str] = []
        self._before = 0
        self._in_call = False
        self._failed_inside = False

    @pytest.hookimpl(trylast=True)  # after suite/contract.py named the contract tests
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from schemathesis.checks import CHECKS  # not at import: Schemathesis is slow to load

        unknown = [d.id for d in self.checks if d.id not in CHECKS.get_all_names()]
        if unknown and any(hasattr(getattr(i, "function", None), "contract_operation") for i in items):
            raise pytest.UsageError(f"known deviation(s) {', '.join(unknown)} in {self.profile} name no Schemathesis check "
                                    "and no test; fix the id")
        for item in items:
            for deviation in self.tests:
                if deviation.matches(item):
                    item.user_properties.append((PROPERTY, deviation.line))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._before = len(_SEEN)
        self._failed_inside = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        self._in_call = True
        try:
            return (yield)
        finally:
            self._in_call = False

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        """A test deviation is a strict expected failure (a Schemathesis test fails in its
        subtests, one per phase); a test whose only failures are known check deviations
        is an expected failure too."""
        report = yield
        if report.when != "call":
            return report
        listed = next((d for d in self.tests if d.matches(item)), None)
        if self._in_call:  # a subtest's report, made while the test runs
            if listed and report.failed:
                self._failed_inside = True
                known(report, listed.line)
            return report
        label = getattr(getattr(item, "function", None), "contract_operation", None)
        if label:
            report.user_properties.append(("contract_operation", label))
        new = set(_SEEN[self._before:])
        lines = [d.line for d in self.checks if d.id in new]
        for line in lines:
            if (PROPERTY, line) not in item.user_properties:
                item.user_properties.append((PROPERTY, line))  # the teardown report's, for JUnit
            report.user_properties.append((PROPERTY, line))
        if listed and (report.failed or self._failed_inside):
            known(report, listed.line)
        elif listed and report.passed:
            report.outcome = "failed"
            report.longrepr = (f"[XPASS(strict)] known deviation {listed.id} no longer occurs: the vendor seems to have "
                               f"fixed it; remove it from {self.profile}")
        elif lines and report.passed:  # only known deviations kept it from passing
            known(report, "; ".join(lines))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or hasattr(self.config, "workerinput"):
            return
        lines = {d.line: d.id for d in self.checks}
        for key, value in report.user_properties:
            if key == PROPERTY and value in lines:
                self.seen.add(lines[value])
            if key == "contract_operation":
                self.contract_operations.add(str(value))

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or not self.checks:
            return
        if not set(vendored_operations()) <= self.contract_operations:
            return  # not every operation was fuzzed: a deviation that did not occur proves nothing
        for deviation in self.checks:
            if deviation.id not in self.seen:
                self.verdicts.append(f"known deviation {deviation.id} did not occur: the vendor seems to have fixed it; "
                                     f"remove it from {self.profile}")
        if self.verdicts and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for line in self.verdicts:
            terminalreporter.write_line(line, red=True)
