"""Serve every sandbox party in-process, each on its own loopback address.

Cookies are scoped by host, not port, so each party gets its own 127.0.0.x address
and a free port the kernel picks. All parties share one asyncio loop in one daemon
thread; start-up takes a few tens of milliseconds.
"""

from __future__ import annotations

import asyncio
import importlib
import socket
import threading
from collections.abc import Iterable
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from sandbox.faults import Faults
from sandbox.markup import OtherMarkup
from sandbox.seed import Seed
from sandbox.world import VARIANTS, Clock, Urls, World

# party name -> (module, loopback address)
PARTIES: dict[str, tuple[str, str]] = {
    "control": ("sandbox.parties.control", "127.0.0.1"),
    "partner_app": ("sandbox.parties.partner_app", "127.0.0.2"),
    "nomos_api": ("sandbox.parties.nomos_api", "127.0.0.3"),
    "nomos_portal": ("sandbox.parties.nomos_portal", "127.0.0.4"),
    "nox": ("sandbox.parties.nox", "127.0.0.5"),
    "brands": ("sandbox.parties.brands", "127.0.0.6"),
    "manufacturer_app": ("sandbox.parties.manufacturer_app", "127.0.0.7"),
}


# Parties whose API answers are rate-limited by the rate-limit switch.
RATE_LIMITED = {"nomos_api": ("/",), "nox": ("/v2/", "/post-login-redirect")}


class SandboxStartError(RuntimeError):
    pass


class RateLimit:
    """The rate-limit switch: every ``every``-th API request is answered 429 with
    ``Retry-After: 1``, as a busy vendor would. Not a fault: a well-behaved client
    waits and retries, and the suite stays green."""

    def __init__(self, app: ASGIApp, every: int, prefixes: tuple[str, ...], error_body: bytes) -> None:
        self.app, self.every, self.prefixes, self.body = app, every, prefixes, error_body
        self.count = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefixes):
            self.count += 1
            if self.count % self.every == 0:
                self.refused += 1
                await send({"type": "http.response.start", "status": 429, "headers": [
                    (b"content-type", b"application/json"), (b"retry-after", b"1"),
                    (b"content-length", str(len(self.body)).encode())]})
                await send({"type": "http.response.body", "body": self.body})
                return
        await self.app(scope, receive, send)


def _bind(host: str, port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it: a page answered in two writes (head, then body)
    # would otherwise wait 40 ms for the client's delayed ACK (Nagle), on every request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise SandboxStartError(
            f"cannot bind the sandbox to {host}:{port} ({exc.strerror}); "
            + ("choose another --port, or stop what listens there" if port else
               f"on macOS add loopback aliases with `sudo ifconfig lo0 alias {host}`")
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@dataclass
class Sandbox:
    world: World
    _servers: list[uvicorn.Server]
    _thread: threading.Thread
    rate_limits: dict[str, RateLimit]

    @property
    def urls(self) -> Urls:
        return self.world.urls

    @property
    def secrets(self) -> dict[str, str]:
        return dict(self.world.seed.secrets)

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start(faults: Iterable[str] = (), seed: Seed | None = None, rate_limit_every: int = 0,
          variant: str = "default", port: int = 0, lifetime_scale: float = 1.0) -> Sandbox:
    """Start all parties and return once every one of them accepts connections.

    ``rate_limit_every=N`` answers every N-th API request with 429 and Retry-After;
    ``variant="other"`` takes the other reading of the docs wherever they leave room;
    ``port`` serves every party on that port of its own address (0: free ports);
    ``lifetime_scale`` shortens every lifetime (a link's, a session's, a token's)."""
    active = Faults(faults)  # unknown names fail here, before anything listens
    if variant not in VARIANTS:
        raise SandboxStartError(f"unknown sandbox variant {variant!r}; choose one of {', '.join(VARIANTS)}")
    sockets = {name: _bind(host, port) for name, (_, host) in PARTIES.items()}
    origins = {name: "http://{}:{}".format(*sock.getsockname()) for name, sock in sockets.items()}
    world = World(clock=Clock(), faults=active, seed=seed or Seed.from_environment(), urls=Urls(**origins),
                  variant=variant, lifetime_scale=lifetime_scale)

    servers: list[tuple[uvicorn.Server, socket.socket]] = []
    rate_limits: dict[str, RateLimit] = {}
    for name, (module_name, _) in PARTIES.items():
        app = importlib.import_module(module_name).build_app(world)
        if world.other:  # the other reading's markup (sandbox/markup.py)
            app = OtherMarkup(app, name)
        if rate_limit_every and name in RATE_LIMITED:
            body = (b'{"code": "TOO_MANY_REQUESTS", "message": "Wait 1 second before retrying.", '
                    b'"requestId": "rate-limit", "docs": "https://docs.nomos.energy/api-references/errors/TOO_MANY_REQUESTS"}'
                    if name == "nomos_api" else b'{"error": "rate_limited", "message": "Wait 1 second before retrying."}')
            app = rate_limits[name] = RateLimit(app, rate_limit_every, RATE_LIMITED[name], body)
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30
        )
        servers.append((uvicorn.Server(config), sockets[name]))

    ready = threading.Event()
    failure: list[BaseException] = []

    async def serve_all() -> None:
        tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
        while not all(server.started for server, _ in servers):
            if any(task.done() for task in tasks):
                break
            await asyncio.sleep(0.005)
        ready.set()
        await asyncio.gather(*tasks)

    def run() -> None:
        try:
            asyncio.run(serve_all())
        except BaseException as exc:  # surfaced to the starting thread below
            failure.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="sandbox", daemon=True)
    thread.start()
    if not ready.wait(timeout=15) or failure or not all(s.started for s, _ in servers):
        for server, _ in servers:
            server.should_exit = True
        reason = f": {failure[0]}" if failure else ""
        raise SandboxStartError(f"the sandbox did not start{reason}")
    return Sandbox(world=world, _servers=[s for s, _ in servers], _thread=thread, rate_limits=rate_limits)
