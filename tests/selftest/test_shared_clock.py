"""A shared clock is safe (suite/clock.py): the run-wide readers-writer lock lets readers
share, keeps everyone out while a writer holds it, lets a waiting writer stop new readers
(no starvation), works across processes; a scenario may move a shared clock only holding
it alone; and a cached Nomos token is fetched again once time moved, here or elsewhere,
or when Nomos refuses it. The whole main job against one shared deployment with `-n 2`
is in test_remote_target.py."""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from sandbox.seed import SECRET_ENV
from steps.clients.nomos import NomosClient
from suite import clock
from suite.clock import ClockLock, Moves, TimeKeeper
from suite.target import ROOT, load

REMOTE = ROOT / "targets" / "sandbox-remote.toml"


def free(path: Path, mode: int) -> bool:
    """Whether a lock of this mode could be taken on the file right now (taken, then let go)."""
    with path.open("a+") as probe:
        try:
            fcntl.flock(probe, mode | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(probe, fcntl.LOCK_UN)
        return True


def wait_until(condition: Any, what: str) -> None:
    """Wait on a condition another thread makes true (bounded: a hang is a failure)."""
    done = threading.Event()
    for _ in range(500):
        if condition():
            return
        done.wait(0.01)
    raise AssertionError(f"gave up waiting for {what}")


# ------------------------------------------------------------------------- the lock


def test_readers_share_the_lock(tmp_path: Path) -> None:
    first, second = ClockLock(tmp_path), ClockLock(tmp_path)
    with first.shared(), second.shared():
        assert not free(tmp_path / "room", fcntl.LOCK_EX), "a writer could enter while two readers are in"
        assert free(tmp_path / "room", fcntl.LOCK_SH), "a third reader could not join"
    assert free(tmp_path / "room", fcntl.LOCK_EX)


def test_a_writer_holds_the_lock_alone(tmp_path: Path) -> None:
    writer = ClockLock(tmp_path)
    with writer.exclusive():
        assert not free(tmp_path / "room", fcntl.LOCK_SH), "a reader could enter while the clock moves"
        assert free(tmp_path / "turnstile", fcntl.LOCK_EX), "the writer kept the turnstile once inside"
    assert free(tmp_path / "room", fcntl.LOCK_SH)


def test_a_waiting_writer_stops_new_readers(tmp_path: Path) -> None:
    """Writer preference: while a writer waits for the readers inside to finish, it holds
    the turnstile, so a new reader waits behind it instead of starving it."""
    reader, writer = ClockLock(tmp_path), ClockLock(tmp_path)
    order: list[str] = []
    inside = reader.shared()
    inside.__enter__()

    def write() -> None:
        with writer.exclusive():
            order.append("writer in")

    thread = threading.Thread(target=write)
    thread.start()
    wait_until(lambda: not free(tmp_path / "turnstile", fcntl.LOCK_EX), "the writer to wait at the turnstile")
    assert not free(tmp_path / "turnstile", fcntl.LOCK_EX), "a new reader could pass a waiting writer"
    assert order == [], "the writer entered while a reader was inside"
    inside.__exit__(None, None, None)
    thread.join(timeout=5)
    assert order == ["writer in"]
    with ClockLock(tmp_path).shared():  # and readers come in again after it
        order.append("reader in")
    assert order == ["writer in", "reader in"]


def test_the_lock_holds_across_processes(tmp_path: Path) -> None:
    """Workers are processes: another process holding the clock alone keeps this one out."""
    code = ("import sys; from pathlib import Path; from suite.clock import ClockLock\n"
            f"lock = ClockLock(Path({str(tmp_path)!r}))\n"
            "with lock.exclusive():\n    print('held', flush=True); sys.stdin.readline()\n")
    child = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True)
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        assert not free(tmp_path / "room", fcntl.LOCK_SH), "this process could read while another moves the clock"
    finally:
        child.communicate("go\n", timeout=10)
    assert child.returncode == 0
    assert free(tmp_path / "room", fcntl.LOCK_SH)


def test_moves_are_counted_for_the_other_holders(tmp_path: Path) -> None:
    lock = ClockLock(tmp_path)
    assert lock.moves() == 0
    lock.count_moves(3)
    lock.count_moves(2)  # never backwards
    assert ClockLock(tmp_path).moves() == 3


# ------------------------------------------------------------------ the time keeper


def keeper(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real_time: bool = False) -> TimeKeeper:
    monkeypatch.setattr(clock, "lock_folder", lambda url: tmp_path)
    config = SimpleNamespace(getoption=lambda name: real_time)
    return TimeKeeper(config, load(str(REMOTE), env=dict.fromkeys(SECRET_ENV, "x")))  # type: ignore[arg-type]


def test_the_remote_profile_shares_its_clock_and_the_embedded_one_does_not(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert keeper(tmp_path, monkeypatch).lock is not None
    embedded = TimeKeeper(SimpleNamespace(getoption=lambda name: False), load("sandbox"))  # type: ignore[arg-type]
    assert embedded.lock is None, "the embedded sandbox has a clock per worker: nothing to share"


def scenario(tagged: bool) -> Any:
    return SimpleNamespace(get_closest_marker=lambda name: name if tagged and name == clock.MARKER else None)


def test_moving_the_clock_needs_the_clock_tag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = keeper(tmp_path, monkeypatch)
    kept.holding = "shared"
    with pytest.raises(AssertionError, match="not tagged @clock"):
        kept.may_move(scenario(tagged=False))
    kept.holding = "exclusive"
    kept.may_move(scenario(tagged=True))
    embedded = TimeKeeper(SimpleNamespace(getoption=lambda name: False), load("sandbox"))  # type: ignore[arg-type]
    embedded.may_move(scenario(tagged=True))
    with pytest.raises(AssertionError, match="not tagged @clock"):  # caught on the sandbox already
        embedded.may_move(scenario(tagged=False))


# ----------------------------------------------------------------- the Nomos token


class FakeNomos:
    """Nomos' token and mint endpoints, counting tokens; it can refuse the next mint."""

    def __init__(self) -> None:
        self.tokens = 0
        self.refuse_next = False

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/oauth/token":
            self.tokens += 1
            return httpx.Response(200, json={"access_token": f"token-{self.tokens}", "token_type": "Bearer",
                                             "expires_in": 3600})
        if self.refuse_next:
            self.refuse_next = False
            return httpx.Response(401, json={"code": "UNAUTHORIZED"})
        bearer = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(200, json={"link": f"https://portal.test/?token_hash=x&type=magiclink&by={bearer}"})


@pytest.fixture
def fake() -> tuple[FakeNomos, NomosClient]:
    nomos = FakeNomos()
    http = httpx.Client(base_url="http://nomos.test", transport=httpx.MockTransport(nomos))
    return nomos, NomosClient(load("sandbox"), http, Moves())


def test_a_cached_token_is_fetched_again_after_the_clock_moved_elsewhere(fake: tuple[FakeNomos, NomosClient]) -> None:
    nomos, client = fake
    first = client.access_token().reveal()
    assert client.access_token().reveal() == first and nomos.tokens == 1, "the token is not cached"
    client.moves.moved_elsewhere(client.moves.count + 1)  # another worker moved the shared clock
    assert client.access_token().reveal() != first and nomos.tokens == 2


def test_a_refused_token_is_fetched_again_once(fake: tuple[FakeNomos, NomosClient]) -> None:
    """Time moved by someone the run does not know of: Nomos says 401, the client fetches anew."""
    nomos, client = fake
    client.access_token()
    nomos.refuse_next = True
    link = client.magic_link("cus_alice")
    assert nomos.tokens == 2 and link.endswith("by=token-2"), json.dumps(vars(nomos))


def test_an_explicit_bearer_is_never_replaced(fake: tuple[FakeNomos, NomosClient]) -> None:
    """Scenarios about refused tokens send their own: a 401 is their answer, not retried."""
    nomos, client = fake
    nomos.refuse_next = True
    assert client.mint(customer_id="cus_alice", bearer="expired").status_code == 401
    assert nomos.tokens == 0
