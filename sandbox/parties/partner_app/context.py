"""What every page of the partner app shares: its state, the signed-in user, the
sign-in guard, safe paths and the error page."""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.seed import PartnerUser, Seed
from sandbox.web import alert, esc, page, requires
from sandbox.world import World

PARTY = "Helios Energie"
SESSION_COOKIE = "partner_session"
MAX_FORM_BYTES = 64 * 1024
MAX_NEXT = 4096
MAX_EMAIL = 320
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class PartnerState:
    """Everything the partner app remembers; fresh per sandbox start."""

    sessions: dict[str, str] = field(default_factory=dict)  # session id -> user id
    devices: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # user -> brand -> ids
    nox_user_ids: dict[str, str] = field(default_factory=dict)  # user id -> NOX user id
    token: str | None = None
    token_expires_at: int = 0
    token_fetches: int = 0
    mints: int = 0
    nox_calls: int = 0  # calls to NOX's API, any endpoint
    last_user: str | None = None  # only faults read it (portal-without-signin, *-for-last-sign-in)
    first_links: dict[str, str] = field(default_factory=dict)  # only for partner-reuses-link


@dataclass
class Partner:
    """The partner app of one sandbox: its world and its state (``request.app.state.partner``)."""

    world: World
    state: PartnerState

    @property
    def seed(self) -> Seed:
        return self.world.seed

    @property
    def supplier_name(self) -> str:
        return self.world.seed.supplier.name

    def users_by_id(self) -> dict[str, PartnerUser]:
        return {u.id: u for u in self.seed.partner_users}

    def current_user(self, request: Request) -> PartnerUser | None:
        sid = request.cookies.get(SESSION_COOKIE)
        user_id = self.state.sessions.get(sid) if sid else None
        return self.users_by_id().get(user_id) if user_id else None

    def last_signed_in(self, user: PartnerUser) -> PartnerUser:
        """The regression of the *-for-last-sign-in faults: a "current user" kept for the
        whole server, the last one who signed in, instead of the request's own."""
        return self.users_by_id().get(self.state.last_user or "") or user

    def authenticate(self, email: str, password: str) -> PartnerUser | None:
        user = self.seed.partner_user(email) if email and len(email) <= MAX_EMAIL else None
        # Compare against something even for an unknown email: same work, same time.
        expected = self.seed.secret(user.password_env) if user else secrets.token_urlsafe(18)
        return user if hmac.compare_digest(expected.encode(), password.encode()) and user is not None else None

    def error_page(self, title: str, testid: str, message: str, status: int, lang: str = "en") -> HTMLResponse:
        back = f'<p><a href="/">Back to your {esc(self.supplier_name)} home page</a></p>' if lang == "en" else ""
        body = f"""<h1>{esc(title)}</h1>
{alert(testid, message, "div")}
{back}"""
        return page(title, body, party=PARTY, status_code=status, lang=lang)


def partner(request: Request) -> Partner:
    found = request.app.state.partner
    assert isinstance(found, Partner)
    return found


def safe_path(value: str | None) -> str | None:
    """``value`` when it is a path on this origin (or the portal's), else None."""
    if not value or len(value) > MAX_NEXT or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or CONTROL.search(value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return None
    return value


def with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` set in its query (replacing the same keys)."""
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    pairs.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="/")))


def login_redirect(request: Request) -> Response:
    """To the sign-in page, carrying where the visitor wanted to go as ``next``."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wanted = safe_path(target)
    location = "/login" + (f"?{urlencode({'next': wanted}, safe='/')}" if wanted else "")
    return RedirectResponse(location, status_code=303)


def _signed_in_user(request: Request) -> PartnerUser | None:
    return partner(request).current_user(request)


# The signed-in guard: the page runs with the user; a visitor goes to sign-in and back.
signed_in = requires(_signed_in_user, login_redirect)
# The home page sends a visitor to plain sign-in (home is where sign-in leads anyway).
signed_in_home = requires(_signed_in_user, lambda request: RedirectResponse("/login", status_code=303))
