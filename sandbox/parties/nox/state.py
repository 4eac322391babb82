"""What NOX remembers (link sessions, authentication sessions, its users) and what every
NOX module shares: the party's context, the JSON error body, tokens and URLs.

A link session is usable while ``now <= expires_at`` (created_at + 600). An
authentication session of the manufacturer flow lives 15 minutes
(``now <= started_at + 900``).

The other reading (``world.other``, sandbox/README.md "Two readings"): ``link_url`` is
``{nox}/ui/session/{token}?language=…``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.faults import Fault
from sandbox.seed import Seed
from sandbox.web import json_response
from sandbox.world import World

PARTY = "NOX Energy"
SESSION_LIFETIME = 600  # seconds: a link session expires 10 minutes after creation
AUTH_SESSION_LIFETIME = 900  # seconds: an authentication session lasts 15 minutes

FAULTS: list[Fault] = [
    Fault("nox-auth-session-never-expires", ("MAN-06",),
          "an authentication session still completes after its 15 minutes"),
    Fault("nox-auth-session-grace", ("SEC-05",),
          "an authentication session still completes for a minute after its 15 minutes"),
    Fault("nox-auth-session-ends-early", ("SEC-05",),
          "an authentication session ends a minute before its 15 minutes are over"),
]


@dataclass
class LinkSession:
    token: str
    kind: str  # "supplier" or "manufacturer"
    holder: str  # name of the supplier or manufacturer behind the key
    user_id: str  # supplier_user_id or manufacturer_user_id
    redirect_url: str
    language: str
    created_at: int
    expires_at: int
    asset_type: str | None = None  # supplier sessions only
    brand: str | None = None  # supplier: the pre-selected slug; manufacturer: its brand
    completed_at: int | None = None


@dataclass
class AuthSession:
    """An authentication session of the manufacturer-initiated flow (the OAuth ``state``)."""

    state: str
    link_token: str
    supplier: str
    started_at: int
    supplier_user_id: str | None = None  # set by POST /post-login-redirect
    returned: bool = False  # the browser came back through /ui/supplier-return


@dataclass
class NoxUser:
    nox_user_id: str
    brand: str
    device_ids: list[str]


@dataclass
class NoxState:
    sessions: dict[str, LinkSession] = field(default_factory=dict)
    auth_sessions: dict[str, AuthSession] = field(default_factory=dict)
    # supplier name -> supplier_user_id -> NOX user (supplier-initiated links)
    supplier_users: dict[str, dict[str, NoxUser]] = field(default_factory=dict)
    # (manufacturer name, manufacturer_user_id) -> nox_user_id (manufacturer-initiated links)
    manufacturer_users: dict[tuple[str, str], str] = field(default_factory=dict)
    # nox_user_id -> (supplier name, supplier_user_id), shared by post-login-redirect
    supplier_links: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class Nox:
    """NOX of one sandbox: its world and its state (``request.app.state.nox``)."""

    world: World
    state: NoxState

    @property
    def seed(self) -> Seed:
        return self.world.seed

    def link_url(self, token: str, language: str) -> str:
        if self.world.other:  # the other reading: the token in the path (the vendor's link is an example)
            return f"{self.world.urls.nox}/ui/session/{token}?{urlencode({'language': language})}"
        return f"{self.world.urls.nox}/ui?{urlencode({'token': token, 'language': language})}"

    def auth_expired(self, auth: AuthSession) -> bool:
        if self.world.faulty("nox-auth-session-never-expires"):
            return False
        ends = auth.started_at + self.world.lifetime(AUTH_SESSION_LIFETIME)
        ends += (60 if self.world.faulty("nox-auth-session-grace") else 0) - (
            60 if self.world.faulty("nox-auth-session-ends-early") else 0)
        return self.world.clock.now() > ends


def nox(request: Request) -> Nox:
    found = request.app.state.nox
    assert isinstance(found, Nox)
    return found


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """NOX's API error body: ``{"error": code, "message": ...}`` (an assumption: NOX publishes none)."""
    return json_response({"error": code, "message": message}, status_code=status, headers=headers)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` appended to its query (its own query is kept as it is)."""
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"
