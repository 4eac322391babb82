"""The target's time, shared by every worker: moving a shared clock safely, and waiting
in real time where there is no clock.

* **A shared clock stands still for everyone else.** On a remote target with a test
  clock (one deployment shared by every worker, and by other runs on this machine) each
  test holds a readers-writer lock for its whole duration: shared by default, exclusive
  when it is tagged ``@clock`` (it moves the clock). So no scenario is mid-flow while
  another moves time under it, and a scenario that moves time does so alone. The lock
  is two ``flock`` files in a folder named after the clock's URL; a writer goes through
  a turnstile (reader: turnstile ex, room sh, turnstile un; writer: turnstile ex, room ex,
  turnstile un), so a waiting writer stops new readers and is never starved. The
  embedded sandbox has a clock per worker: no lock there.
* **Real waits overlap and are capped.** Without a clock and with ``--real-time-waits``
  a scenario waits for real, unless the wait is longer than ``[limits]
  max_real_wait_seconds``: then it is skipped with that reason. Under xdist the
  ``@clock`` scenarios are handed out first, one per worker, so their waits run at the
  same time: a run takes about its longest wait, not the sum. Every wait is recorded;
  the run ends with the sum against the wall time and writes ``real-waits.json``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import pytest
from xdist.scheduler import LoadScheduling

from suite.keys import KEEPER_KEY
from suite.paths import REPORTS_DIR
from suite.target import Target

MARKER = "clock"
RUN_DIR_KEY = "energy_suite_clock_dir"  # workerinput: where workers list their waiting tests
PROPERTY = "real_wait"
SUMMARY_NAME = "real-waits.json"


def human(seconds: float) -> str:
    """``45 s``, ``16 minutes``, ``8.0 hours``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


# ------------------------------------------------------------------------- the lock


class Moves:
    """How often this process knows the target's clock to have moved: by its own clock
    client, or (on a shared clock) by another process since this test began, as the
    lock's counter says. Cached tokens compare it (steps/clients/nomos.py)."""

    def __init__(self) -> None:
        self.count = 0

    def moved(self) -> None:
        """This process moves the clock (counted even if the move fails: a token fetched
        again costs one request)."""
        self.count += 1

    def moved_elsewhere(self, total: int) -> None:
        """Others moved the shared clock: ``total`` moves so far, as its movers counted."""
        self.count = max(self.count, total)


class ClockLock:
    """A readers-writer lock across processes, with writer preference (see the module)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self._turnstile: IO[str] = open(folder / "turnstile", "a+")  # noqa: SIM115 - held for the process
        self._room: IO[str] = open(folder / "room", "a+")  # noqa: SIM115

    @contextmanager
    def _held(self, mode: int) -> Iterator[None]:
        fcntl.flock(self._turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._room, mode)
        finally:
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(self._room, fcntl.LOCK_UN)

    def shared(self) -> Any:
        """Time stands still while this is held (others may hold it too)."""
        return self._held(fcntl.LOCK_SH)

    def exclusive(self) -> Any:
        """Only this holder runs: it may move the clock."""
        return self._held(fcntl.LOCK_EX)

    def moves(self) -> int:
        """How often the clock moved, as its movers counted (read under the lock)."""
        try:
            return int((self.folder / "moves").read_text(encoding="utf-8") or 0)
        except (FileNotFoundError, ValueError):
            return 0

    def count_moves(self, total: int) -> None:
        """Record how often the clock moved, as this holder knows (called holding it alone)."""
        (self.folder / "moves").write_text(str(max(self.moves(), total)), encoding="utf-8")

    def close(self) -> None:
        self._turnstile.close()
        self._room.close()


def lock_folder(clock_url: str) -> Path:
    """One folder per clock: every run on this machine against that clock shares it."""
    digest = hashlib.sha256(clock_url.encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"energy-suite-clock-{os.getuid() if hasattr(os, 'getuid') else 0}-{digest}"


# ---------------------------------------------------------------- the time keeper


class TimeKeeper:
    """One per process: holds the clock lock around each test and lets time pass."""

    def __init__(self, config: pytest.Config, target: Target) -> None:
        self.config = config
        self.target = target
        self.real_time = bool(config.getoption("--real-time-waits"))
        self.lock = ClockLock(lock_folder(target.urls.clock)) if (not target.embedded and target.urls.clock) else None
        self.holding: str | None = None
        self.moves = Moves()  # the clock client counts its moves here; the lock shares them
        worker = getattr(config, "workerinput", None)
        self.is_worker = worker is not None
        self.spreads = self.real_time and not target.has_clock
        self.run_dir: Path | None = None
        if self.spreads:
            self.run_dir = Path(worker[RUN_DIR_KEY]) if worker and RUN_DIR_KEY in worker else \
                Path(tempfile.mkdtemp(prefix="suite-clock-"))
        self.waits: list[dict[str, Any]] = []
        self.started = time.time()

    # ---------------------------------------------------------------- the lock

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, Any, Any]:
        if self.lock is None:
            return (yield)
        moves = item.get_closest_marker(MARKER) is not None
        with self.lock.exclusive() if moves else self.lock.shared():
            self.holding = "exclusive" if moves else "shared"
            self.moves.moved_elsewhere(self.lock.moves())  # cached tokens notice what others moved since
            try:
                return (yield)
            finally:
                if moves:
                    self.lock.count_moves(self.moves.count)
                self.holding = None

    # ----------------------------------------------------------- letting time pass

    def may_move(self, item: pytest.Item) -> None:
        """Only a scenario tagged ``@clock`` moves the clock: on a shared one it is the
        scenario that holds it alone. Checked on every target, so a missing tag shows in
        the main job on the embedded sandbox, not first as a flake on staging."""
        if item.get_closest_marker(MARKER) is None or (self.lock is not None and self.holding != "exclusive"):
            raise AssertionError(
                "this scenario moves the target's test clock but is not tagged @clock: tag it, so that on a shared "
                "clock no other scenario is mid-flow while time moves")

    def wait(self, seconds: int, item: pytest.Item) -> None:
        """Wait in real time (the target has no clock), or skip saying why not."""
        if not self.real_time:
            pytest.skip(f"needs {human(seconds)} to pass: this target has no test clock "
                        "(run with --real-time-waits to wait in real time)")
        cap = self.target.limits.max_real_wait_seconds
        if seconds > cap:
            pytest.skip(f"needs {human(seconds)} to pass, longer than the {human(cap)} this run waits in real time "
                        f"([limits] max_real_wait_seconds in {self.target.source.name})")
        start = time.time()
        time.sleep(seconds)  # --real-time-waits: the run asked to wait for real
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        item.user_properties.append((PROPERTY, json.dumps({"seconds": seconds, "start": start, "end": time.time(),
                                                           "worker": worker})))

    # ------------------------------------------------- spreading the waiting tests

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        if self.run_dir is not None:
            node.workerinput[RUN_DIR_KEY] = str(self.run_dir)

    @pytest.hookimpl(tryfirst=True)  # before pytest-xdist's worker reports its collection
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if not self.spreads:
            return
        waiting = [item.nodeid for item in session.items if item.get_closest_marker(MARKER)]
        if self.is_worker and self.run_dir is not None:
            path = self.run_dir / f"waiting-{self.config.workerinput['workerid']}.json"  # type: ignore[attr-defined]
            path.write_text(json.dumps(waiting), encoding="utf-8")
        elif len(waiting) > 1 and not self.config.option.collectonly:
            self.say(f"real-time waits: {len(waiting)} scenarios may wait, one after another; "
                     f"run with -n {len(waiting)} to let them wait at the same time")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        if not self.spreads or self.run_dir is None:
            return None
        return WaitersFirst(config, log, self.run_dir, self.say)

    def say(self, line: str) -> None:
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(line)

    # ---------------------------------------------------------------- accounting

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.is_worker or report.when != "teardown":
            return
        for key, value in report.user_properties:
            if key == PROPERTY:
                self.waits.append({"test": report.nodeid, **json.loads(str(value))})

    def summary(self) -> dict[str, Any]:
        waits = sorted(self.waits, key=lambda w: w["start"])
        total = sum(w["seconds"] for w in waits)
        wall = max(w["end"] for w in waits) - min(w["start"] for w in waits)
        return {"target": self.target.name, "waits": len(waits), "sum_seconds": total,
                "longest_seconds": max(w["seconds"] for w in waits), "wall_seconds": round(wall, 1),
                "run_seconds": round(time.time() - self.started, 1),
                "max_real_wait_seconds": self.target.limits.max_real_wait_seconds, "each": waits}

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.is_worker or not self.waits:
            return
        data = self.summary()
        terminalreporter.write_line(
            f"real-time waits: {data['waits']} scenarios waited {human(data['sum_seconds'])} in all "
            f"(longest {human(data['longest_seconds'])}) within {human(data['wall_seconds'])} of wall time; "
            f"the run took {human(data['run_seconds'])}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.is_worker or not self.waits:
            return
        path = REPORTS_DIR / SUMMARY_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(self.summary(), indent=1) + "\n", encoding="utf-8")
        tmp.replace(path)

    def close(self) -> None:
        if self.lock is not None:
            self.lock.close()
        if self.run_dir is not None and not self.is_worker:
            shutil.rmtree(self.run_dir, ignore_errors=True)


# ----------------------------------------------------------------- the scheduler


class WaitersFirst(LoadScheduling):
    """xdist's load scheduling, except that the tests that may wait in real time go
    first, one per worker. A worker starts a test only once it knows the next, so each
    gets one more: a waiting test beyond one per worker, else any other. Whenever a
    worker runs short while waiting tests are left, it gets the next of them."""

    def __init__(self, config: pytest.Config, log: Any, run_dir: Path, say: Any) -> None:
        super().__init__(config, log)
        self.run_dir, self.say = run_dir, say
        self.waiting: set[int] = set()

    def schedule(self) -> None:
        if self.collection is not None or not self._check_nodes_have_same_collection():
            return super().schedule()
        collection = next(iter(self.node2collection.values()))
        listed = next((json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.run_dir.glob("waiting-*.json"))), [])
        self.waiting = {i for i, nodeid in enumerate(collection) if nodeid in set(listed)}
        if not self.waiting:
            return super().schedule()
        self.collection = collection
        self.maxschedchunk = self.maxschedchunk or len(collection)
        nodes, waiting = self.nodes, sorted(self.waiting)
        rest = waiting[len(nodes):] + [i for i in range(len(collection)) if i not in self.waiting]
        count, at_once = len(waiting), min(len(waiting), len(nodes))
        advice = "" if at_once == count else f"; -n {count} lets them all wait at once"
        self.say(f"real-time waits: {count} scenarios may wait, {at_once} at a time ({len(nodes)} workers{advice})")
        for node, index in zip(nodes, waiting, strict=False):  # the waiting tests may be fewer
            self._give(node, [index, *rest[:1]])
            del rest[:1]
        self.pending[:] = rest
        for node in nodes:
            if not self.node2pending[node]:
                super().check_schedule(node)  # workers beyond the waiting tests take the others
        self._end_if_done()

    def check_schedule(self, node: Any, duration: float = 0) -> None:
        left = [i for i in self.pending if i in self.waiting]
        queued = self.node2pending[node]
        if node.shutting_down or not left or len(queued) >= 2:
            return super().check_schedule(node, duration)
        others = [i for i in self.pending if i not in self.waiting]
        self._give(node, [left[0], *((others[:1] or left[1:2]) if not queued else [])])
        self._end_if_done()

    def _give(self, node: Any, batch: list[int]) -> None:
        for index in batch:
            if index in self.pending:
                self.pending.remove(index)
        self.node2pending[node].extend(batch)
        node.send_runtest_some(batch)

    def _end_if_done(self) -> None:
        if not self.pending:  # nothing more to come: every worker runs what it has
            for node in self.nodes:
                if not node.shutting_down:
                    node.shutdown()


# ------------------------------------------------------------------------ the plugin


def configure(config: pytest.Config, target: Target) -> None:
    """Called by suite/entry.py once the target profile is read."""
    keeper = config.stash[KEEPER_KEY] = TimeKeeper(config, target)
    config.pluginmanager.register(keeper, "energy-suite-clock")


def pytest_unconfigure(config: pytest.Config) -> None:
    keeper = config.stash.get(KEEPER_KEY, None)
    if keeper is not None:
        keeper.close()
