"""Waiting in real time is bounded (suite/clock.py): without a test clock a wait longer
than ``[limits] max_real_wait_seconds`` is skipped saying so; under xdist the scenarios
that may wait go first, one per worker; and against the sandbox served with its clock
hidden and short lifetimes, the ``@clock`` scenarios wait at the same time, so the run
takes about its longest wait, not the sum."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sandbox.seed import SECRET_ENV
from suite import clock
from suite.clock import TimeKeeper, WaitersFirst
from suite.target import ROOT, load
from tests.selftest.remote_sandbox import served, summary

NOCLOCK = ROOT / "targets" / "sandbox-remote-noclock.toml"
# Workers for the timing proof: one per waiting scenario, up to this many (two cores).
MAX_WORKERS = 24


def keeper(real_time: bool) -> TimeKeeper:
    config = SimpleNamespace(getoption=lambda name: real_time)
    return TimeKeeper(config, load(str(NOCLOCK), env=dict.fromkeys(SECRET_ENV, "x")))  # type: ignore[arg-type]


def skipped(kept: TimeKeeper, seconds: int) -> str:
    item = SimpleNamespace(user_properties=[])
    with pytest.raises(pytest.skip.Exception) as caught:
        kept.wait(seconds, item)  # type: ignore[arg-type]
    assert item.user_properties == [], "a skipped wait was recorded as waited"
    return str(caught.value)


def test_without_real_time_waits_a_wait_is_skipped_saying_how_to_wait() -> None:
    assert "--real-time-waits" in skipped(keeper(real_time=False), 60)


def test_a_wait_beyond_the_profiles_cap_is_skipped_saying_so() -> None:
    kept = keeper(real_time=True)
    cap = kept.target.limits.max_real_wait_seconds
    reason = skipped(kept, cap + 1)
    assert "max_real_wait_seconds" in reason and "sandbox-remote-noclock.toml" in reason, reason


def test_a_wait_within_the_cap_is_waited_and_recorded() -> None:
    item = SimpleNamespace(user_properties=[])
    keeper(real_time=True).wait(0, item)  # type: ignore[arg-type]
    (key, value), = item.user_properties
    assert key == clock.PROPERTY and json.loads(value)["seconds"] == 0


# -------------------------------------------------------------------- the scheduler


class Node:
    def __init__(self, name: str) -> None:
        self.name, self.got, self.shutting_down = name, [], False
        self.gateway = SimpleNamespace(id=name)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.got.extend(indices)

    def shutdown(self) -> None:
        self.shutting_down = True


def schedule(tmp_path: Path, tests: int, waiting: list[int], workers: int) -> list[Node]:
    collection = [f"t{i}" for i in range(tests)]
    (tmp_path / "waiting-gw0.json").write_text(json.dumps([collection[i] for i in waiting]))
    config = SimpleNamespace(getvalue=lambda name: [f"{workers}*popen"], getoption=lambda name: None)
    said: list[str] = []
    quiet = SimpleNamespace(loadsched=lambda *args: None)
    scheduler = WaitersFirst(config, quiet, tmp_path, said.append)  # type: ignore[arg-type]
    nodes = [Node(f"gw{i}") for i in range(workers)]
    for node in nodes:
        scheduler.add_node(node)  # type: ignore[arg-type]
        scheduler.add_node_collection(node, collection)  # type: ignore[arg-type]
    scheduler.schedule()
    assert said and f"{len(waiting)} scenarios may wait" in said[0], said
    return nodes


def test_each_worker_starts_with_its_own_waiting_test(tmp_path: Path) -> None:
    nodes = schedule(tmp_path, tests=20, waiting=[3, 9, 15], workers=4)
    assert [node.got[0] for node in nodes[:3]] == [3, 9, 15]
    assert all(len(node.got) >= 2 or node.shutting_down for node in nodes), "a worker cannot start on one test"
    assert not any(i in (3, 9, 15) for node in nodes for i in node.got[1:]), "two waits on one worker"


def test_more_waiting_tests_than_workers_are_spread_over_them(tmp_path: Path) -> None:
    nodes = schedule(tmp_path, tests=6, waiting=[0, 1, 2, 3, 4], workers=3)
    assert [node.got for node in nodes] == [[0, 3], [1, 4], [2, 5]]


# ------------------------------------------------------------------ the timing proof


def test_waits_against_a_sandbox_without_clock_overlap(tmp_path: Path) -> None:
    with served(tmp_path, "--hide-clock", "--lifetimes-scale", "0.1", "--max-real-wait", "100") as running:
        collected = running.run_suite(["--collect-only", "-q", "-m", "clock"], tmp_path / "collect", timeout=120)
        waiting = [line for line in collected.stdout.splitlines() if "::" in line]
        assert len(waiting) >= 5, collected.stdout[-2000:]
        workers = min(len(waiting), MAX_WORKERS)
        done = running.run_suite(["-n", str(workers), "-m", "clock", "--real-time-waits", "-rs"], tmp_path / "reports")
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    data: dict[str, Any] = json.loads((tmp_path / "reports" / clock.SUMMARY_NAME).read_text())
    print(f"\nreal-time waits: {summary(done)}; {data['waits']} waits of {data['sum_seconds']} s in all, "
          f"longest {data['longest_seconds']} s, within {data['wall_seconds']} s of wall time on {workers} workers; "
          f"the run took {data['run_seconds']} s")
    assert "max_real_wait_seconds" in done.stdout, "no wait was long enough to be skipped: the cap is untested"
    assert data["waits"] >= 5, data
    assert len({w["worker"] for w in data["each"]}) == min(data["waits"], workers), "two waits shared a worker"
    assert data["wall_seconds"] < data["sum_seconds"] / 2, f"the waits did not overlap: {data}"
