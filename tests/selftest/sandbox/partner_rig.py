"""The isolated rig of the partner app's selftests: the partner app served over loopback
HTTP beside a recording stand-in for the Nomos and NOX APIs (:class:`Stub`), so every
request it sends is checked field by field and every vendor failure can be provoked."""

from __future__ import annotations

import base64
import json
import socket
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from sandbox.parties import partner_app
from sandbox.seed import Seed
from sandbox.world import World
from tests.selftest.sandbox.browser import ALICE, TLS


def encode(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "nox_user_id": "nox_abc123",
        "supplier_user_id": "usr_alice",
        "brand": "daikin",
        "device_ids": ["daikin-hp-0001"],
        "connected_at": 1703123456,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()

# ================================================================== the isolated rig


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Stub:
    """A recording stand-in for the Nomos API and the NOX API on one origin."""

    def __init__(self) -> None:
        self.url = ""
        self.reset(Seed.from_environment())

    def reset(self, seed: Seed) -> None:
        self.seed = seed
        self.calls: list[Call] = []
        self.queued: dict[str, list[Response]] = {}
        self.valid_tokens: set[str] = set()
        self.issued: list[str] = []
        self.links: list[str] = []
        self.expires_in = 3600

    def queue(self, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None,
              raw: bytes | None = None) -> None:
        response = (Response(raw, status_code=status, headers=headers, media_type="application/json")
                    if raw is not None else JSONResponse(body, status_code=status, headers=headers))
        self.queued.setdefault(path, []).append(response)

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        self.calls.append(Call(request.method, request.url.path, dict(request.headers), body))
        queue = self.queued.get(request.url.path)
        response = queue.pop(0) if queue else self.answer(request.url.path, request.headers, body)
        await response(scope, receive, send)

    def answer(self, path: str, headers: Any, body: bytes) -> Response:
        unauthorised = JSONResponse({"code": "UNAUTHORIZED", "message": "no", "requestId": "r", "docs": "d"}, 401)
        if path == "/oauth/token":
            expected = base64.b64encode(
                f"{self.seed.nomos_client_id}:{self.seed.secret('NOMOS_CLIENT_SECRET')}".encode()).decode()
            if headers.get("authorization") != f"Basic {expected}":
                return unauthorised
            token = f"eyJhbGciOiJIUzI1NiJ9.{encode({'n': len(self.issued)})}.c2lnbmF0dXJl"
            self.issued.append(token)
            self.valid_tokens.add(token)
            return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in,
                                 "refresh_token": "r", "scope": "read:* write:*"})
        if path == "/admin/magic_link":
            if headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
                return unauthorised
            link = f"http://127.0.0.1:9/?token_hash=th{len(self.links)}x&type=magiclink&next=/overview"
            self.links.append(link)
            return JSONResponse({"object": "magic_link", "link": link})
        nox_key = self.seed.secret(self.seed.supplier.key_env)
        if headers.get("x-api-key") != nox_key:
            return JSONResponse({"error": "unauthorized", "message": "bad key"}, 401)
        if path == "/v2/supplier/link-sessions":
            request = json.loads(body)
            language = request.get("language", "nl")
            return JSONResponse({"link_url": f"http://127.0.0.1:9/ui?token=tok{len(self.calls)}&language={language}",
                                 "link_token": f"tok{len(self.calls)}"}, 201)
        if path == "/post-login-redirect":
            state = json.loads(body).get("state")
            if state in ("unknown", "used", "expired"):
                status = {"unknown": 404, "used": 409, "expired": 410}[state]
                return JSONResponse({"error": state, "message": state}, status)
            return JSONResponse({"redirect_url": f"http://127.0.0.1:9/ui/supplier-return?state={state}"})
        return JSONResponse({"error": "not_found"}, 404)


class Rig:
    """One loopback server with two origins: the partner app under test and the stub."""

    def __init__(self) -> None:
        self.stub = Stub()
        self.partner: Any = None
        self.partner_port = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or ("", 0)
        app = self.partner if server[1] == self.partner_port else self.stub
        await app(scope, receive, send)


def listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@dataclass
class Partner:
    world: World
    stub: Stub
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def state(self) -> partner_app.PartnerState:
        return self.world.state["partner_app"]  # type: ignore[return-value]

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10, follow_redirects=False, verify=TLS)
        self.clients.append(client)
        return client

    def password(self, email: str) -> str:
        user = self.world.seed.partner_user(email)
        assert user is not None
        return self.world.seed.secret(user.password_env)

    def signed_in(self, email: str = ALICE) -> httpx.Client:
        client = self.client()
        response = client.post("/login", data={"email": email, "password": self.password(email)})
        assert response.status_code == 303, response.text
        return client


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def oauth_form(partner: Partner, email: str = ALICE, password: str | None = None, terms: bool = True,
               state: str = "st_123", language: str = "en") -> dict[str, str]:
    form = {"state": state, "language": language, "email": email,
            "password": partner.password(email) if password is None else password}
    return form | ({"accept_terms": "yes"} if terms else {})
