"""The run's request budget: one ledger for the whole run, checked before anything is sent.

* **One ledger per run.** The controller (or the only process) creates a run folder with
  the ledger file of :class:`suite.http.RequestLedger` and hands it to every xdist worker
  (``workerinput``): ``[limits] request_budget`` and ``requests_per_second`` hold for the
  run, whatever the number of workers. The API clients, Schemathesis' transport and the
  browser (suite/browser_watch.py) all book on it.
* **Said before sending.** Once the selection is known, the run estimates what it will
  send, per kind of test, from the costs measured on the sandbox
  (``suite/request_costs.toml``) and says whether the budget covers it; when it does not,
  the run ends there, in one line, before any request.
* **Running out ends the run.** A test that finds the budget spent is not a failure of
  the system under test: it is reported as skipped with the budget's line, and the run
  stops at once (every worker), saying which budget and how to raise it.
* **Accounted.** Every test's report carries what it sent (``requests`` in its
  ``user_properties``); the end of the run prints the totals per source and per kind and
  writes ``request-summary.json`` to the reports folder: that is how the costs are measured.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import tomllib
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from suite.http import RequestLedger
from suite.keys import BUDGET_KEY, LEDGER_KEY, settings
from suite.paths import REPORTS_DIR, ROOT
from suite.target import Target

# The measured costs; SUITE_REQUEST_COSTS names another file (a team that measured its
# own deployment, or a selftest that needs an estimate the run will overrun).
COSTS_FILE = Path(os.environ.get("SUITE_REQUEST_COSTS") or Path(__file__).with_name("request_costs.toml"))
SUMMARY_NAME = "request-summary.json"  # in the reports folder
RUN_DIR_KEY = "energy_suite_run_dir"
PROPERTY = "requests"
FLOWS = ("sso", "supplier", "manufacturer")
CHANNELS = ("browser", "api")


# ----------------------------------------------------------------------- the costs


@dataclass(frozen=True)
class Costs:
    """Requests per test, measured on the sandbox: per kind of scenario, and per contract
    operation as ``fixed + per_case * cases`` (the examples and coverage phases send a
    fixed number, the fuzzing phase one set per generated case)."""

    scenarios: dict[str, float]
    operations: dict[str, tuple[float, float]]
    unmeasured: float  # a kind without a measurement: the dearest measured scenario

    @classmethod
    def load(cls, path: Path = COSTS_FILE) -> Costs:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        scenarios = {k: float(v) for k, v in data.get("scenarios", {}).items()}
        operations = {k: (float(v["fixed"]), float(v["per_case"])) for k, v in data.get("operations", {}).items()}
        return cls(scenarios, operations, max(scenarios.values(), default=50.0))

    def line(self, label: str) -> tuple[float, float]:
        """(fixed, per_case) of an operation; an unmeasured one: two requests per case."""
        return self.operations.get(label, (0.0, 2.0))

    def operation(self, label: str, cases: int) -> float:
        fixed, per_case = self.line(label)
        return fixed + per_case * cases

    def of(self, kind: str, cases: int) -> float:
        if kind == "offline":
            return 0.0
        if kind.startswith("contract "):
            return self.operation(kind.removeprefix("contract "), cases)
        return self.scenarios.get(kind, self.unmeasured)


def kind_of(item: pytest.Item) -> str:
    """``contract POST /oauth/token``, ``sso browser``, ``supplier api`` (a scenario of
    no flow: ``other api``), the test's module for any other test that uses the run's
    ledger, or ``offline`` for one that cannot reach the target. (A scenario's steps ask
    for their fixtures while it runs: scenarios are known by pytest-bdd's example
    fixture, not by the ledger.)"""
    label = getattr(getattr(item, "function", None), "contract_operation", None)
    if label:
        return f"contract {label}"
    marks = {mark.name for mark in item.iter_markers()}
    flow = next((f for f in FLOWS if f in marks), None)
    fixtures = getattr(item, "fixturenames", ())
    if flow or "_pytest_bdd_example" in fixtures:  # a scenario of the features
        return f"{flow or 'other'} {next((c for c in CHANNELS if c in marks), 'api')}"
    if "ledger" not in fixtures:
        return "offline"
    module = getattr(item, "module", None)
    return getattr(module, "__name__", "other").rpartition(".")[2]


@dataclass
class Estimate:
    """What a selection will send, by kind: {kind: (tests, requests)}."""

    kinds: dict[str, tuple[int, float]] = field(default_factory=dict)

    @classmethod
    def of(cls, items: Iterable[pytest.Item], costs: Costs, cases: int) -> Estimate:
        estimate = cls()
        for item in items:
            kind = kind_of(item)
            tests, requests = estimate.kinds.get(kind, (0, 0))
            estimate.kinds[kind] = (tests + 1, requests + costs.of(kind, cases))
        return estimate

    @property
    def total(self) -> int:
        return math.ceil(sum(requests for _, requests in self.kinds.values()))

    def outline(self) -> str:
        """``148 scenarios ~ 2100, 5 contract operations ~ 330``."""
        scenarios = [(t, r) for k, (t, r) in self.kinds.items() if not k.startswith("contract ") and r]
        contracts = [(t, r) for k, (t, r) in self.kinds.items() if k.startswith("contract ")]
        parts = []
        if scenarios:
            parts.append(f"{sum(t for t, _ in scenarios)} scenarios ~ {math.ceil(sum(r for _, r in scenarios))}")
        if contracts:
            parts.append(f"{sum(t for t, _ in contracts)} contract operations ~ {math.ceil(sum(r for _, r in contracts))}")
        return ", ".join(parts) or "nothing that talks to the target"


def verdict(estimate: Estimate, target: Target, profile: str) -> tuple[bool, str]:
    """Whether the budget covers the estimate, in one line."""
    limits = target.limits
    need = estimate.total
    seconds = need / limits.requests_per_second if limits.requests_per_second > 0 else 0
    pace = (f"; at {limits.requests_per_second:g} requests/s that takes at least "
            f"{f'{seconds / 60:.0f} min' if seconds >= 120 else f'{seconds:.0f} s'}" if seconds else "")
    head = f"request budget: this selection sends about {need} requests ({estimate.outline()})"
    if need <= limits.request_budget:
        return True, f"{head}, within the budget of {limits.request_budget}{pace}"
    return False, (f"{head}, more than the budget of {limits.request_budget} ([limits] request_budget in {profile}); "
                   "raise it, or select fewer tests (-m, -k), or lower --contract-budget")


# ------------------------------------------------------------------------ the run


def shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


class RunBudget:
    """The plugin object of one process: the ledger, the estimate, the accounting."""

    def __init__(self, config: pytest.Config, target: Target) -> None:
        self.config = config
        self.target = target
        self.profile = shown(target.source)
        worker = getattr(config, "workerinput", None)
        self.is_worker = worker is not None
        self.owns_run_dir = worker is None or RUN_DIR_KEY not in worker
        self.run_dir = Path(worker[RUN_DIR_KEY]) if not self.owns_run_dir else Path(tempfile.mkdtemp(prefix="suite-run-"))
        self.ledger = RequestLedger(target.limits.request_budget, target.limits.requests_per_second,
                                    self.run_dir / "ledger", raise_hint=f"[limits] request_budget in {self.profile}")
        self.estimate: Estimate | None = None
        self.judged = False
        self.by_kind: dict[str, list[int]] = {}
        self._before: dict[str, int] = {}

    # ------------------------------------------------------------- before sending

    def estimate_of(self, items: list[pytest.Item]) -> Estimate:
        return Estimate.of(items, Costs.load(), settings(self.config).max_examples)

    def judge(self, estimate: Estimate) -> None:
        """Say whether the budget covers the selection; end the run when it does not."""
        if self.judged:
            return
        self.judged = True
        self.estimate = estimate
        covered, line = verdict(estimate, self.target, self.profile)
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None and covered and estimate.total:
            reporter.write_line(line)
        if not covered:
            raise pytest.UsageError(line)
        if not self.target.embedded:
            check_reachable(self.target, self.ledger)

    @pytest.hookimpl(tryfirst=True)  # before pytest-xdist's worker reports its collection
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.config.option.collectonly:
            return
        estimate = self.estimate_of(session.items)
        if self.is_worker:
            name = f"estimate-{self.config.workerinput['workerid']}.json"  # type: ignore[attr-defined]
            (self.run_dir / name).write_text(json.dumps(estimate.kinds), encoding="utf-8")
        else:
            self.judge(estimate)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """The controller: the first worker's collection is the selection (every worker
        collects the same); judged before any test is handed out."""
        path = self.run_dir / f"estimate-{node.gateway.id}.json"
        if self.judged or not path.is_file():
            return
        kinds = {k: (t, r) for k, (t, r) in json.loads(path.read_text(encoding="utf-8")).items()}
        self.judge(Estimate(kinds))

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_DIR_KEY] = str(self.run_dir)

    # --------------------------------------------------------- running out, accounting

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        self._before = dict(self.ledger.by_source)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
        """Once this process found the budget spent, what the test did is not a verdict on
        the system under test: its outcome (a Schemathesis subtest's too) becomes a skip
        with the budget's line, and the run stops after it."""
        report = yield
        if self.ledger.refused and not report.skipped and (report.when == "call" or report.failed):
            message = self.ledger.message()
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"Skipped: {message}")
            item.session.shouldstop = message
        if report.when == "teardown":
            sent = {k: n - self._before.get(k, 0) for k, n in self.ledger.by_source.items() if n > self._before.get(k, 0)}
            report.user_properties.append((PROPERTY, json.dumps({"kind": kind_of(item), "sent": sent})))
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker or report.when != "teardown":
            return
        for key, value in report.user_properties:
            if key == PROPERTY:
                data = json.loads(str(value))
                self.by_kind.setdefault(data["kind"], []).append(sum(data["sent"].values()))

    # ------------------------------------------------------------------- the end

    def summary(self) -> dict[str, Any]:
        kinds = {kind: {"tests": len(sent), "requests": sum(sent), "mean": round(sum(sent) / len(sent), 1),
                        "max": max(sent)} for kind, sent in sorted(self.by_kind.items())}
        return {"target": self.target.name, "budget": self.target.limits.request_budget,
                "requests_per_second": self.target.limits.requests_per_second, "sent": self.ledger.sent,
                "estimate": self.estimate.total if self.estimate else None, "kinds": kinds}

    @property
    def summary_path(self) -> Path:
        return REPORTS_DIR / SUMMARY_NAME

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker or not self.ledger.sent:
            return
        data = self.summary()
        estimate = f" (estimated {data['estimate']})" if data["estimate"] is not None else ""
        terminalreporter.write_line(
            f"requests to the target: {data['sent']} of a budget of {data['budget']}{estimate} -> {shown(self.summary_path)}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker or not self.ledger.sent:
            return
        write_summary(self.summary_path, self.summary())

    def close(self) -> None:
        self.ledger.close()
        if self.owns_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)


# ------------------------------------------------------------------------ the plugin


def configure(config: pytest.Config, target: Target) -> None:
    """Open the run's ledger for ``target``: the profile's limits, or this shard's share
    of them (suite/entry.py hands it in)."""
    state = config.stash[BUDGET_KEY] = RunBudget(config, target)
    config.stash[LEDGER_KEY] = state.ledger
    config.pluginmanager.register(state, "energy-suite-budget")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(BUDGET_KEY, None)
    if state is not None:
        state.close()


def write_summary(path: Path, data: dict[str, Any]) -> None:
    """Write a run's JSON summary whole (parallel runs may share the reports folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def check_reachable(target: Target, ledger: RequestLedger) -> None:
    """Fail fast, in one line, when a remote target does not answer at all (called
    once the budget is known to cover the selection)."""
    for name in ("partner_app", "nomos_api", "nomos_portal", "nox"):
        url = getattr(target.urls, name)
        try:
            ledger.spend("preflight")
            httpx.head(url, timeout=5)
        except httpx.HTTPError as exc:
            raise pytest.UsageError(
                f"target {target.name!r} is unreachable: {name} at {url} ({type(exc).__name__}); "
                "check the VPN or the URL in the profile, or run against the sandbox with --target sandbox"
            ) from None
