"""Fixtures of the sandbox selftests: the partner app's isolated rig and browser-like visitors."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import uvicorn

from sandbox.faults import Faults
from sandbox.parties import partner_app
from sandbox.seed import Seed
from sandbox.server import Sandbox
from sandbox.world import Clock, Urls, World
from tests.selftest.sandbox.browser import TLS, Browser
from tests.selftest.sandbox.partner_rig import Partner, Rig, listen


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[Rig, str]]:
    rig = Rig()
    partner_sock, stub_sock = listen(), listen()
    rig.partner_port = partner_sock.getsockname()[1]
    rig.stub.url = f"http://127.0.0.1:{stub_sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(rig, log_level="warning", access_log=False, lifespan="off"))
    # The sockets already listen: requests queue until the server accepts them.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [partner_sock, stub_sock]}, daemon=True)
    thread.start()
    yield rig, f"http://127.0.0.1:{rig.partner_port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def make_partner(rig: tuple[Rig, str]) -> Iterator[Callable[..., Partner]]:
    made: list[Partner] = []

    def _make(*faults: str) -> Partner:
        the_rig, url = rig
        seed = Seed.from_environment()
        urls = Urls(control="http://127.0.0.1:9", partner_app=url, nomos_api=the_rig.stub.url,
                    nomos_portal="http://127.0.0.1:9", nox=the_rig.stub.url, brands="http://127.0.0.1:9",
                    manufacturer_app="http://127.0.0.1:9")
        world = World(clock=Clock(), faults=Faults(faults), seed=seed, urls=urls)
        the_rig.stub.reset(seed)
        the_rig.partner = partner_app.build_app(world)
        made.append(Partner(world, the_rig.stub, url))
        return made[-1]

    yield _make
    for partner in made:
        for client in partner.clients:
            client.close()


@pytest.fixture
def partner(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner()


@pytest.fixture
def visitor(sbx: Sandbox) -> Iterator[Callable[..., Browser]]:
    """Opens a fresh browser-like client on ``sbx`` (or on the sandbox given)."""
    opened: list[Browser] = []

    def _open(target: Sandbox | None = None) -> Browser:
        opened.append(Browser(target or sbx))
        return opened[-1]

    yield _open
    for b in opened:
        b.close()




@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client that does not follow redirects, so tests see every hop (as in
    tests/selftest/conftest.py), sharing one TLS context: building one per client costs
    ~20 ms of CPU, hundreds of times over."""
    with httpx.Client(timeout=10, follow_redirects=False, verify=TLS) as client:
        yield client
