"""The fault matrix: does the suite catch every fault the sandbox can inject?

``pytest tests/flows --fault-matrix -n 2`` runs every scenario that carries a
requirement tag once per sandbox fault naming that requirement, plus once with no
fault. Faults are switched per test inside the worker's own sandbox, so the browser
and the sandbox start once per worker, not once per fault. Once a test carrying one of
a fault's requirements has failed on an assertion under that fault, the fault is
caught: its remaining tests are skipped saying by which test (every worker sees it, a
file per fault), unless ``--matrix-every-test`` asks for the whole table. The
controller writes ``reports/fault-matrix/results.json``;
``tests/selftest/test_fault_matrix.py`` judges it.
"""

from __future__ import annotations

import functools
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from suite.keys import DEPLOYMENT_KEY
from suite.paths import REPORTS_DIR
from suite.requirements import TAG

NO_FAULT = "no-fault"
RESULTS = REPORTS_DIR / "fault-matrix" / "results.json"
CAUGHT = RESULTS.parent / "caught"  # a file per caught fault, naming the test that caught it


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite")
    group.addoption("--fault-matrix", action="store_true",
                    help="run each tagged test once per sandbox fault that names its requirements, and once without")
    group.addoption("--matrix-faults", default="", metavar="A,B",
                    help="with --fault-matrix: only these faults")
    group.addoption("--matrix-every-test", action="store_true",
                    help="with --fault-matrix: run every test under each fault, not only until one catches it")
    group.addoption("--matrix-first", default=None, metavar="JSON",
                    help="with --fault-matrix: under each fault named in this file ({fault: test}), run only that "
                         "test (a fault not named, or naming a test it does not have, runs all of its tests)")
    group.addoption("--matrix-no-baseline", action="store_true",
                    help="with --fault-matrix: leave out the fault-free runs")


def _faults_by_tag(config: pytest.Config) -> dict[str, list[str]]:
    from sandbox.faults import catalog  # not at import: it loads the whole sandbox, which a remote run never needs

    only = {f for f in config.getoption("--matrix-faults").split(",") if f}
    by_tag: dict[str, list[str]] = {}
    for fault in catalog().values():
        if only and fault.name not in only:
            continue
        for requirement in fault.requirements:
            by_tag.setdefault(f"REQ-{requirement}", []).append(fault.name)
    return by_tag


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not metafunc.config.getoption("--fault-matrix") or "matrix_fault" not in metafunc.fixturenames:
        return
    tags = {m.name for m in metafunc.definition.iter_markers() if TAG.match(m.name)}
    if any(m.name == "pending" for m in metafunc.definition.iter_markers()):
        tags = set()
    by_tag = _faults_by_tag(metafunc.config)
    faults = sorted({f for tag in tags for f in by_tag.get(tag, [])})
    params = [NO_FAULT, *faults] if faults else []
    metafunc.parametrize("matrix_fault", params or [pytest.param(None, marks=pytest.mark.skip("no fault names it"))],
                         indirect=True, ids=lambda v: v or "unmatched")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--fault-matrix"):
        return
    keep = [i for i in items if getattr(i, "callspec", None) and i.callspec.params.get("matrix_fault")]
    if config.getoption("--matrix-no-baseline"):
        keep = [i for i in keep if i.callspec.params["matrix_fault"] != NO_FAULT]
    first = config.getoption("--matrix-first")
    if first:
        keep = _named_first(keep, json.loads(Path(first).read_text(encoding="utf-8")))
    kept = {id(i) for i in keep}
    dropped = [i for i in items if id(i) not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def _named_first(items: list[pytest.Item], named: dict[str, str]) -> list[pytest.Item]:
    """The fault-free runs, and under each fault only the test the file names for it,
    where the fault has that test (else all of the fault's tests)."""
    def test_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[-1]

    def fault_of(item: pytest.Item) -> str:
        return str(item.callspec.params["matrix_fault"])  # type: ignore[attr-defined]

    has = {(fault_of(i), test_of(i)) for i in items}
    return [i for i in items if fault_of(i) == NO_FAULT or (fault_of(i), named.get(fault_of(i), "")) not in has
            or named[fault_of(i)] == test_of(i)]


@pytest.fixture(autouse=True)
def matrix_fault(request: pytest.FixtureRequest) -> Iterator[str | None]:
    fault = getattr(request, "param", None)
    if not request.config.getoption("--fault-matrix") or fault is None:
        yield None
        return
    caught = CAUGHT / fault
    if fault != NO_FAULT and not request.config.getoption("--matrix-every-test") and caught.exists():
        pytest.skip(f"{fault} is caught already, by {caught.read_text(encoding='utf-8')}")
    request.getfixturevalue("target")  # starts this worker's sandbox
    deployment = request.config.stash[DEPLOYMENT_KEY]
    deployment.switch_faults([] if fault == NO_FAULT else [fault])
    request.node.user_properties.append(("matrix_fault", fault))
    try:
        yield fault
    finally:
        deployment.switch_faults([])


@functools.cache
def fault_tags(fault: str) -> frozenset[str]:
    """The requirement tags a fault breaks: a test carrying one of them may catch it."""
    from sandbox.faults import catalog  # not at import: it loads the whole sandbox, which a remote run never needs

    return frozenset(f"REQ-{r}" for r in catalog()[fault].requirements)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    fault = getattr(item, "callspec", None) and item.callspec.params.get("matrix_fault")
    if (call.when == "call" and report.failed and fault and fault != NO_FAULT and call.excinfo is not None
            and call.excinfo.errisinstance(AssertionError) and fault_tags(fault) & set(item.keywords)):
        CAUGHT.mkdir(parents=True, exist_ok=True)
        try:
            with open(CAUGHT / fault, "x", encoding="utf-8") as mark:  # the first catch names itself
                mark.write(item.nodeid.split("::")[-1])
        except FileExistsError:
            pass
    return report


class MatrixRecorder:
    def __init__(self) -> None:
        self.rows: list[dict[str, object]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        fault = next((v for k, v in report.user_properties if k == "matrix_fault"), None)
        if fault is None or (report.when != "call" and not report.failed):
            return
        crash = getattr(report.longrepr, "reprcrash", None)
        message = crash.message if crash is not None else str(report.longrepr or "")
        self.rows.append({
            "fault": fault,
            "test": report.nodeid.split("::")[-1],
            "when": report.when,
            "outcome": report.outcome,
            "assertion": report.failed and report.when == "call" and message.startswith("AssertionError"),
            "message": message.splitlines()[0][:300] if report.failed else "",
            "seconds": round(report.duration, 3),
            "tags": sorted(k for k in report.keywords if TAG.match(k)),
        })

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        tmp = RESULTS.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.rows, indent=1), encoding="utf-8")
        tmp.replace(RESULTS)


def configure(config: pytest.Config) -> None:
    """Called by suite/entry.py."""
    if config.getoption("--fault-matrix") and not hasattr(config, "workerinput"):
        if not config.option.collectonly:
            shutil.rmtree(CAUGHT, ignore_errors=True)  # before any worker starts: this run's catches only
        config.pluginmanager.register(MatrixRecorder(), "energy-suite-matrix")


def load_results(path: Path = RESULTS) -> list[dict[str, object]]:
    return json.loads(path.read_text(encoding="utf-8"))
