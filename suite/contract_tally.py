"""The contract tests' counts: cases and requests per operation, from the transport of
suite/contract.py to ``contract-summary.json`` in the reports folder and the terminal.

In a worker (or the only process) :class:`Tally` hands each contract test's counts to
its call report; the controller (or the only process) adds them up, prints them and
writes the summary. A fingerprint of the generated cases, chained in order, shows that
a replayed seed sent the very same cases.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Generator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest

from suite.budget import write_summary
from suite.paths import REPORTS_DIR

SUMMARY = REPORTS_DIR / "contract-summary.json"
PROPERTY = "contract_stats"


class Chosen(Protocol):
    """The contract settings the summary names (suite/contract.py, ContractSettings)."""

    budget: str
    max_examples: int
    seed: int
    note: str

    def describe(self) -> str: ...


class Stats(Protocol):
    """Where the transport keeps its counts: per operation label."""

    stats: dict[str, OperationStats]


@dataclass
class OperationStats:
    cases: int = 0
    requests: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    seconds: float = 0.0
    fingerprint: str = ""  # of the generated cases sent, in order: a replayed seed repeats it

    def add(self, other: OperationStats) -> None:
        if other.fingerprint:
            self.fingerprint = chain(self.fingerprint, other.fingerprint) if self.fingerprint else other.fingerprint
        self.cases += other.cases
        self.requests += other.requests
        self.rate_limited += other.rate_limited
        self.waited_seconds += other.waited_seconds
        self.seconds += other.seconds


def chain(fingerprint: str, data: str) -> str:
    return hashlib.sha256(f"{fingerprint}\n{data}".encode()).hexdigest()[:16]


def case_data(case: Any) -> str:
    """What was generated for a case (not the auth the config adds when sending)."""
    return json.dumps([case.method, case.path, case.path_parameters, case.query, case.body], default=_plain)


def _plain(value: Any) -> str:
    """Non-JSON values by content (bytes) or by kind (Schemathesis' NotSet), never by address."""
    return repr(value) if isinstance(value, bytes | bytearray | str | int | float) else type(value).__name__


class Tally:
    """Counts per operation (see the module's docstring)."""

    def __init__(self, config: pytest.Config, chosen: Chosen, phases: tuple[str, ...]) -> None:
        self.config = config
        self.chosen = chosen
        self.phases = phases
        self.transport: Stats | None = None
        self.operations: dict[str, OperationStats] = {}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        before = {k: asdict(v) for k, v in self.transport.stats.items()} if self.transport else {}
        started = time.perf_counter()
        try:
            return (yield)
        finally:
            if self.transport is not None:
                self._hand_over(item, before, time.perf_counter() - started)

    def _hand_over(self, item: pytest.Item, before: dict[str, dict[str, Any]], seconds: float) -> None:
        assert self.transport is not None
        delta: dict[str, OperationStats] = {}
        for label, now in self.transport.stats.items():
            was = OperationStats(**before.get(label, {}))
            if (now.cases, now.requests) != (was.cases, was.requests):
                delta[label] = OperationStats(now.cases - was.cases, now.requests - was.requests,
                                              now.rate_limited - was.rate_limited,
                                              round(now.waited_seconds - was.waited_seconds, 3),
                                              fingerprint=now.fingerprint)
        for stats in delta.values():
            stats.seconds = round(seconds / len(delta), 3)
        if delta:
            item.user_properties.append((PROPERTY, json.dumps({k: asdict(v) for k, v in delta.items()})))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when != "call" or type(report) is not pytest.TestReport:  # not the subtests' reports
            return
        for key, value in report.user_properties:
            if key == PROPERTY:
                for label, stats in json.loads(str(value)).items():
                    self.operations.setdefault(label, OperationStats()).add(OperationStats(**stats))

    def summary(self) -> dict[str, Any] | None:
        if not self.operations:
            return None
        chosen = self.chosen
        totals = OperationStats()
        for stats in self.operations.values():
            totals.add(stats)
        return {
            "budget": chosen.budget, "max_examples": chosen.max_examples, "seed": chosen.seed, "note": chosen.note,
            "phases": list(self.phases), "cases": totals.cases, "requests": totals.requests,
            "rate_limited": totals.rate_limited, "seconds": round(totals.seconds, 3),
            "operations": {label: asdict(stats) for label, stats in sorted(self.operations.items())},
        }

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        data = self.summary()
        if data is None or hasattr(self.config, "workerinput"):
            return
        write_summary(SUMMARY, data)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        data = self.summary()
        if data is None or hasattr(self.config, "workerinput"):
            return
        terminalreporter.section("contract fuzzing", sep="-")
        terminalreporter.write_line(self.chosen.describe())
        for label, stats in [*data["operations"].items(), ("total", data)]:
            terminalreporter.write_line(
                f"  {label:34} {stats['cases']:5} cases {stats['requests']:5} requests "
                f"{stats['rate_limited']:3} rate-limited {stats['seconds']:7.2f}s")
        terminalreporter.write_line(f"  -> {_shown(SUMMARY)}")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
