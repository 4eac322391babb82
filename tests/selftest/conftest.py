"""Fixtures for the project's own tests of the sandbox: a running sandbox and HTTP clients."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest

import sandbox
from sandbox.server import Sandbox


@pytest.fixture(scope="session", autouse=True)
def no_cache_in_child_runs() -> Iterator[None]:
    """The pytest runs that selftests start never read or write the developer's
    .pytest_cache, so `--lf`, `--ff` and `--sw` keep meaning "my last run". A selftest
    that needs the cache gives its run a cache of its own (``-o cache_dir=...``)."""
    before = os.environ.get("PYTEST_ADDOPTS")
    os.environ["PYTEST_ADDOPTS"] = f"{before or ''} -p no:cacheprovider".strip()
    yield
    if before is None:
        os.environ.pop("PYTEST_ADDOPTS", None)
    else:
        os.environ["PYTEST_ADDOPTS"] = before


@pytest.fixture(scope="session")
def sbx() -> Iterator[Sandbox]:
    """One fault-free sandbox for the whole selftest session."""
    with sandbox.start() as running:
        yield running


@pytest.fixture
def faulty_sandbox() -> Iterator[object]:
    """Start a sandbox with the given faults: ``faulty_sandbox("name", ...)``."""
    started: list[Sandbox] = []

    def _start(*faults: str) -> Sandbox:
        running = sandbox.start(faults)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client that does not follow redirects, so tests see every hop."""
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client


# Selftest modules whose tests start whole pytest runs (the main job, the fault matrix,
# shards, a remote or other-reading sandbox, the secret scan) in subprocesses: minutes,
# not seconds. Everything else is the fast set, `scripts/selftest -m "not slow"`.
SLOW_MODULES = frozenset({
    "test_browser_choice", "test_contracts", "test_deviations", "test_fault_matrix", "test_guards",
    "test_living_doc", "test_living_doc_evidence", "test_living_doc_render", "test_readme",
    "test_real_time_waits", "test_remote_target", "test_request_budget", "test_rerun",
    "test_secret_scan", "test_shards", "test_target_profiles", "test_variant", "test_sweep_deviation",
    "test_selection", "test_short_failures", "test_nightly_week",
})


# Modules whose tests share nothing costly, so that under `--dist loadgroup` (.ci/run)
# each test may go to any worker; every other module stays on one worker, its module
# fixtures (the fault matrix's run, a served sandbox, shard runs) made once.
SPREAD_MODULES = frozenset({"test_readme"})
# The order modules start in under `--dist loadgroup --no-loadscope-reorder` (.ci/run):
# the four longest (seconds alone on the 2-core VM, 2026-11-29: 140, 110, 55, 55), one
# per worker; then the README's commands, small units each, which xdist hands out as
# every worker's second unit (so no long module waits behind the matrix); then the
# week of nights (75-125 s, issue 22) and the middling modules (20-50 s); then everything else.
START_ORDER = ["test_fault_matrix", "test_real_time_waits", "test_remote_target", "test_secret_scan",
               "test_readme",
               "test_nightly_week", "test_shards", "test_request_budget", "test_living_doc", "test_deviations", "test_contracts"]


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        module = getattr(item, "module", None)
        if module is None:
            continue
        name = module.__name__.rpartition(".")[2]
        if name in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if name not in SPREAD_MODULES:
            item.add_marker(pytest.mark.xdist_group(module.__name__))
    position = {id(item): n for n, item in enumerate(items)}

    def rank(item: pytest.Item) -> int:
        module = getattr(item, "module", None)
        name = module.__name__.rpartition(".")[2] if module is not None else ""
        return START_ORDER.index(name) if name in START_ORDER else len(START_ORDER)

    items.sort(key=lambda item: (rank(item), position[id(item)]))
