"""The partner app: the energy supplier's own app, the reference for the company's app.

It signs its users in (a session cookie), opens the Nomos portal through magic links it
mints server-side (vendor-docs/nomos-portal-sso.md, ``requireAuth``), creates NOX supplier
link sessions and receives their callback (vendor-docs/nox-energy-supplier-integration.txt
§1), and hosts the supplier OAuth page of the manufacturer-initiated flow (§2.1 and
interfaces.md §2). It talks to Nomos and NOX only over HTTP, as a real backend would.

Assumptions (where the vendors and interfaces.md are silent):
- The Nomos access token is cached until ``TOKEN_MARGIN`` seconds (at most a tenth of its
  lifetime) before ``expires_in`` runs out on the test clock; a 401 from the mint drops
  it and the mint is tried once more with a fresh token.
- A 429 from Nomos or NOX is retried up to ``MAX_RETRIES`` times after its
  ``Retry-After`` (at most ``MAX_RETRY_WAIT`` seconds each, awaited without blocking the
  loop), as a well-behaved client does; any other failure shows a friendly page (502).
- ``GET /portal?next=`` sets the link's ``next`` only for a path (``/...``, not ``//``,
  no backslash, no control characters); anything else is ignored, so the portal
  applies its default. The same rule keeps the sign-in ``next`` on the partner app.
- The callback accepts extra fields (NOX does not forbid them); ``brand`` must be a
  lowercase slug (``^[a-z0-9]+(-[a-z0-9]+)*$``, as in schemas/nox-callback-payload),
  ``supplier_user_id`` must be the signed-in user's id. A refused callback answers 400;
  a signed-out callback goes to sign-in, carrying the callback address as ``next``.
- A callback stores the payload's devices as the user's devices of that brand,
  replacing earlier ones of the same brand (NOX overwrites the linked device on a
  re-link, SUP-13); devices of other brands stay.
- The supplier OAuth page's visible text follows ``language`` (nl, en, fr, es; ``nl``
  when absent, NOX's default), except the two field labels, which interfaces.md fixes as
  "Email" and "Password". A 4xx from ``POST /post-login-redirect`` shows "expired or no
  longer valid" with 410 when NOX said 410 (expired), else 400; a 401 (our own key
  refused), 5xx or network failure shows a "try again later" page (502).
- Partner sessions do not expire (the suite moves the test clock by hours).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import json
import re
import secrets
import ssl
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.seed import LANGUAGES, PartnerUser
from sandbox.web import esc, page
from sandbox.world import World

PARTY = "Helios Energie"
SESSION_COOKIE = "partner_session"
TOKEN_MARGIN = 60  # seconds before expiry at which a cached Nomos token is renewed
HTTP_TIMEOUT = 10.0
MAX_RETRIES = 3
MAX_RETRY_WAIT = 2.0
MAX_FORM_BYTES = 64 * 1024
MAX_NEXT = 4096
MAX_DATA = 8192
MAX_STATE = 1024
MAX_BRAND_QUERY = 100
ASSET_TYPES = ("hp", "pv")
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
BRAND_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")

# No fault breaks what no interface can show: which supplier_user_id the partner backend
# hands NOX (NOX's mapping is not visible to a supplier, like SUP-14), and the sandbox's
# own ``/connect`` query parameters ``language`` and ``brand`` (interfaces.md names only
# ``GET /connect/{asset_type}``, so the suite may not rely on them on any target).
FAULTS: list[Fault] = [
    Fault("partner-portal-without-signin", ("SSO-16",),
          "a visitor who is not signed in who opens /portal is sent into someone's energy account"),
    Fault("partner-reuses-link", ("SSO-17",),
          "a second click on 'Open energy account' reuses the first, already used, magic link"),
    Fault("partner-leaks-nomos-token", ("SSO-18",),
          "the partner app sets a browser cookie holding its Nomos access token"),
    Fault("partner-leaks-token-in-page", ("SSO-18",),
          "the partner home page carries the Nomos access token in a hidden form field"),
    Fault("partner-mints-with-wrong-customer", ("SSO-01", "SSO-07"),
          "'Open energy account' opens another customer's account"),
    Fault("partner-keeps-expired-token", ("SSO-01", "SSO-15"),
          "an hour after the first portal visit 'Open energy account' shows an error page"),
    Fault("partner-callback-accepts-foreign-user", ("SUP-16",),
          "a forged or replayed NOX callback made for another user is stored for the signed-in user"),
    Fault("partner-callback-accepts-padded-data", ("SUP-16",),
          "a callback whose data carries base64 padding ('=') is accepted"),
    Fault("partner-callback-500-on-malformed", ("SUP-16",),
          "a malformed callback crashes the partner app with a server error"),
    Fault("partner-callback-stores-before-validating", ("SUP-16",),
          "a refused callback still adds its devices to the user's devices"),
    Fault("partner-callback-drops-devices", ("SUP-15",),
          "after linking, the devices page shows no devices"),
    Fault("partner-callback-keeps-old-devices", ("SUP-13",),
          "after re-linking a brand, the old device is still listed next to the new one"),
    Fault("partner-connect-wrong-asset-type", ("SUP-01", "SUP-09"),
          "'Connect heat pump' offers solar inverter brands, and the other way round"),
    Fault("partner-oauth-ignores-terms", ("MAN-03",),
          "the supplier sign-in succeeds without accepting the terms and conditions"),
    Fault("partner-oauth-hides-terms", ("MAN-03",),
          "the supplier sign-in page has no link to the terms and conditions"),
    Fault("partner-skips-post-login-redirect", ("MAN-04", "MAN-05"),
          "after the supplier sign-in NOX never learns the supplier user; the manufacturer app shows an error"),
    Fault("partner-oauth-500-on-refused-state", ("MAN-06",),
          "signing in on an expired linking session crashes the partner page with a server error"),
]


# ---------------------------------------------------------------------------- state


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
    last_user: str | None = None  # only the portal-without-signin fault reads it
    first_links: dict[str, str] = field(default_factory=dict)  # only for partner-reuses-link


class UpstreamError(Exception):
    """Nomos or NOX failed in a way the user cannot fix; shown as a friendly 502."""


class UpstreamRefused(Exception):
    """The vendor refused the request with a 4xx that describes the user's situation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# ---------------------------------------------------------------------------- helpers


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


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    wanted = safe_path(target)
    location = "/login" + (f"?{urlencode({'next': wanted}, safe='/')}" if wanted else "")
    return RedirectResponse(location, status_code=303)


async def read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body as a dict (first value wins); empty when unreadable."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return {}
    try:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=50)
    except ValueError:
        return {}
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value)
    return form


def is_http_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_NEXT or CONTROL.search(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    pairs.extend(params.items())
    return urlunsplit(parts._replace(query=urlencode(pairs, safe="/")))


def retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)


@cache
def tls() -> ssl.SSLContext:
    """One TLS context for every outgoing request: building one per client costs ~20 ms
    of CPU on the shared event loop."""
    return ssl.create_default_context()


async def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One server-to-server request; a 429 is retried after its Retry-After."""
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False, verify=tls()) as client:
            for attempt in range(MAX_RETRIES + 1):
                response = await client.request(method, url, **kwargs)
                if response.status_code != 429 or attempt == MAX_RETRIES:
                    return response
                await asyncio.sleep(retry_after(response))
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{type(exc).__name__} talking to {urlsplit(url).netloc}") from None
    raise UpstreamError("unreachable")  # pragma: no cover - the loop always returns


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None


def alert(testid: str, message: str) -> str:
    return f'<div role="alert" data-testid="{testid}">{esc(message)}</div>'


# ----------------------------------------------------------------- the OAuth page texts

OAUTH_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Sign in to link your device",
        "intro": "NOX Energy asks to link your device to your {supplier} account. "
                 "Sign in with your {supplier} account to continue.",
        "accept": "I accept the terms and conditions of {supplier}",
        "terms": "Read the terms and conditions",
        "submit": "Sign in and link",
        "bad_credentials": "The email address or password is not correct.",
        "terms_required": "Please accept the terms and conditions to link your account.",
        "no_state": "This page was opened without a linking session. "
                    "Please start again from your manufacturer's app.",
        "expired": "This linking session has expired or is no longer valid. "
                   "Please start again from your manufacturer's app.",
        "unavailable": "We could not complete the link right now. Please try again in a few minutes.",
        "terms_title": "Terms and conditions",
        "terms_body": "By linking your device, you allow {supplier} to read its data through "
                      "NOX Energy and to steer it within the comfort limits you set.",
    },
    "nl": {
        "title": "Log in om je toestel te koppelen",
        "intro": "NOX Energy vraagt om je toestel te koppelen aan je {supplier}-account. "
                 "Log in met je {supplier}-account om verder te gaan.",
        "accept": "Ik aanvaard de algemene voorwaarden van {supplier}",
        "terms": "Lees de algemene voorwaarden",
        "submit": "Inloggen en koppelen",
        "bad_credentials": "Het e-mailadres of wachtwoord is niet juist.",
        "terms_required": "Aanvaard de algemene voorwaarden om je account te koppelen.",
        "no_state": "Deze pagina werd geopend zonder koppelsessie. "
                    "Begin opnieuw vanuit de app van je fabrikant.",
        "expired": "Deze koppelsessie is verlopen of niet langer geldig. "
                   "Begin opnieuw vanuit de app van je fabrikant.",
        "unavailable": "We konden de koppeling nu niet voltooien. Probeer het over enkele minuten opnieuw.",
        "terms_title": "Algemene voorwaarden",
        "terms_body": "Door je toestel te koppelen, mag {supplier} de gegevens ervan via NOX Energy "
                      "lezen en het binnen je comfortgrenzen sturen.",
    },
    "fr": {
        "title": "Connectez-vous pour lier votre appareil",
        "intro": "NOX Energy demande à lier votre appareil à votre compte {supplier}. "
                 "Connectez-vous avec votre compte {supplier} pour continuer.",
        "accept": "J'accepte les conditions générales de {supplier}",
        "terms": "Lire les conditions générales",
        "submit": "Se connecter et lier",
        "bad_credentials": "L'adresse e-mail ou le mot de passe est incorrect.",
        "terms_required": "Veuillez accepter les conditions générales pour lier votre compte.",
        "no_state": "Cette page a été ouverte sans session de liaison. "
                    "Recommencez depuis l'application de votre fabricant.",
        "expired": "Cette session de liaison a expiré ou n'est plus valable. "
                   "Recommencez depuis l'application de votre fabricant.",
        "unavailable": "Nous n'avons pas pu terminer la liaison. Réessayez dans quelques minutes.",
        "terms_title": "Conditions générales",
        "terms_body": "En liant votre appareil, vous autorisez {supplier} à lire ses données via "
                      "NOX Energy et à le piloter dans vos limites de confort.",
    },
    "es": {
        "title": "Inicia sesión para vincular tu dispositivo",
        "intro": "NOX Energy solicita vincular tu dispositivo a tu cuenta de {supplier}. "
                 "Inicia sesión con tu cuenta de {supplier} para continuar.",
        "accept": "Acepto los términos y condiciones de {supplier}",
        "terms": "Leer los términos y condiciones",
        "submit": "Iniciar sesión y vincular",
        "bad_credentials": "El correo electrónico o la contraseña no son correctos.",
        "terms_required": "Acepta los términos y condiciones para vincular tu cuenta.",
        "no_state": "Esta página se abrió sin una sesión de vinculación. "
                    "Vuelve a empezar desde la app de tu fabricante.",
        "expired": "Esta sesión de vinculación ha caducado o ya no es válida. "
                   "Vuelve a empezar desde la app de tu fabricante.",
        "unavailable": "No hemos podido completar la vinculación. Inténtalo de nuevo en unos minutos.",
        "terms_title": "Términos y condiciones",
        "terms_body": "Al vincular tu dispositivo, permites que {supplier} lea sus datos a través de "
                      "NOX Energy y lo controle dentro de tus límites de confort.",
    },
}
DEFAULT_OAUTH_LANGUAGE = "nl"


def oauth_language(value: str | None) -> str:
    return value if value in LANGUAGES else DEFAULT_OAUTH_LANGUAGE


# ------------------------------------------------------------------- callback payload


class CallbackRefused(Exception):
    def __init__(self, message: str, *, malformed: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.malformed = malformed


def decode_data(values: list[str], lenient_padding: bool) -> Any:
    """The decoded JSON of the ``data`` parameter, or CallbackRefused naming the problem."""
    if not values:
        raise CallbackRefused("The link back from NOX carries no 'data' parameter, so there is nothing to connect.")
    if len(values) > 1:
        raise CallbackRefused("The link back from NOX carries more than one 'data' parameter.")
    data = values[0]
    if not data:
        raise CallbackRefused("The 'data' parameter of the link back from NOX is empty.")
    if len(data) > MAX_DATA:
        raise CallbackRefused("The 'data' parameter of the link back from NOX is too long.")
    if lenient_padding:
        data = data.rstrip("=")
    if "=" in data:
        raise CallbackRefused("The 'data' parameter is not base64url without padding: it contains '='.")
    if not BASE64URL.fullmatch(data):
        odd = sorted({c for c in data if not BASE64URL.fullmatch(c)})
        shown = " ".join(repr(c) for c in odd[:5])
        raise CallbackRefused(f"The 'data' parameter is not base64url: it contains {shown}.")
    if len(data) % 4 == 1:
        raise CallbackRefused("The 'data' parameter is not valid base64url (its length is impossible).")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise CallbackRefused("The 'data' parameter is not valid base64url.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackRefused("The 'data' parameter does not decode to UTF-8 text.") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise CallbackRefused("The 'data' parameter does not decode to JSON.") from None


def check_payload(payload: Any) -> tuple[str, str, str, list[str]]:
    """``(nox_user_id, supplier_user_id, brand, device_ids)`` or CallbackRefused."""
    if not isinstance(payload, dict):
        raise CallbackRefused("The 'data' parameter decodes to JSON that is not an object.")
    missing = [f for f in ("nox_user_id", "supplier_user_id", "brand", "device_ids", "connected_at") if f not in payload]
    if missing:
        raise CallbackRefused(f"The callback data misses the field(s): {', '.join(missing)}.")
    nox_user_id = payload["nox_user_id"]
    if not isinstance(nox_user_id, str) or not nox_user_id.strip():
        raise CallbackRefused("The callback field 'nox_user_id' must be a non-empty string.")
    supplier_user_id = payload["supplier_user_id"]
    if not isinstance(supplier_user_id, str):
        raise CallbackRefused("The callback field 'supplier_user_id' must be a string.")
    brand = payload["brand"]
    if not isinstance(brand, str) or not BRAND_SLUG.fullmatch(brand):
        raise CallbackRefused("The callback field 'brand' must be a lowercase brand name such as 'daikin'.")
    device_ids = payload["device_ids"]
    if not isinstance(device_ids, list) or not device_ids:
        raise CallbackRefused("The callback field 'device_ids' must be a non-empty list of device ids.")
    if not all(isinstance(d, str) and d.strip() for d in device_ids):
        raise CallbackRefused("Every entry of the callback field 'device_ids' must be a non-empty string.")
    connected_at = payload["connected_at"]
    if isinstance(connected_at, bool) or not isinstance(connected_at, int):
        raise CallbackRefused("The callback field 'connected_at' must be an integer (Unix seconds).")
    return nox_user_id, supplier_user_id, brand, list(dict.fromkeys(device_ids))


# ------------------------------------------------------------------------------- app


def build_app(world: World) -> Starlette:
    state = PartnerState()
    world.state["partner_app"] = state
    seed = world.seed
    supplier_name = seed.supplier.name

    def users_by_id() -> dict[str, PartnerUser]:
        return {u.id: u for u in seed.partner_users}

    def current_user(request: Request) -> PartnerUser | None:
        sid = request.cookies.get(SESSION_COOKIE)
        user_id = state.sessions.get(sid) if sid else None
        return users_by_id().get(user_id) if user_id else None

    def check_password(user: PartnerUser | None, password: str) -> bool:
        expected = seed.secret(user.password_env) if user else secrets.token_urlsafe(18)
        return hmac.compare_digest(expected.encode(), password.encode()) and user is not None

    def authenticate(email: str, password: str) -> PartnerUser | None:
        user = seed.partner_user(email) if email and len(email) <= 320 else None
        return user if check_password(user, password) else None

    # ------------------------------------------------------------------ Nomos

    async def nomos_token(renew: bool = False) -> str:
        now = world.clock.now()
        fresh = now < state.token_expires_at or world.faulty("partner-keeps-expired-token")
        if state.token and fresh and not renew:
            return state.token
        state.token = None
        state.token_fetches += 1
        response = await send(
            "POST", f"{world.urls.nomos_api}/oauth/token",
            auth=(seed.nomos_client_id, seed.secret("NOMOS_CLIENT_SECRET")),
            json={"grant_type": "client_credentials"},
        )
        body = json_object(response)
        if response.status_code != 200 or body is None:
            raise UpstreamError(f"Nomos answered {response.status_code} to the token request")
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not token:
            raise UpstreamError("Nomos answered the token request without an access token")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
            expires_in = 300  # no usable lifetime: keep it briefly
        state.token = token
        state.token_expires_at = now + expires_in - min(TOKEN_MARGIN, expires_in // 10)
        return token

    async def mint(customer_id: str) -> str:
        async def attempt(token: str) -> httpx.Response:
            return await send(
                "POST", f"{world.urls.nomos_api}/admin/magic_link",
                headers={"Authorization": f"Bearer {token}"}, json={"customerId": customer_id},
            )

        response = await attempt(await nomos_token())
        if response.status_code == 401 and not world.faulty("partner-keeps-expired-token"):
            response = await attempt(await nomos_token(renew=True))
        body = json_object(response)
        if response.status_code != 200 or body is None:
            raise UpstreamError(f"Nomos answered {response.status_code} to the magic link request")
        link = body.get("link")
        if not is_http_url(link):
            raise UpstreamError("Nomos answered the magic link request without a usable link")
        state.mints += 1
        return str(link)

    # ------------------------------------------------------------------ NOX

    def nox_headers() -> dict[str, str]:
        return {"x-api-key": seed.secret(seed.supplier.key_env)}

    async def create_link_session(body: dict[str, str]) -> str:
        state.nox_calls += 1
        response = await send("POST", f"{world.urls.nox}/v2/supplier/link-sessions", headers=nox_headers(), json=body)
        answer = json_object(response)
        if response.status_code in (200, 201) and answer is not None and is_http_url(answer.get("link_url")):
            return str(answer["link_url"])
        if response.status_code == 400:
            detail = answer.get("message") if answer else None
            raise UpstreamRefused(400, str(detail)[:300] if detail else "NOX refused the request.")
        raise UpstreamError(f"NOX answered {response.status_code} to the link session request")

    async def post_login_redirect(nox_state: str, supplier_user_id: str) -> str:
        state.nox_calls += 1
        response = await send(
            "POST", f"{world.urls.nox}/post-login-redirect", headers=nox_headers(),
            json={"state": nox_state, "supplier_user_id": supplier_user_id},
        )
        answer = json_object(response)
        if response.status_code == 200 and answer is not None and is_http_url(answer.get("redirect_url")):
            return str(answer["redirect_url"])
        if 400 <= response.status_code < 500 and response.status_code not in (401, 403, 429):
            raise UpstreamRefused(410 if response.status_code == 410 else 400, "refused")
        raise UpstreamError(f"NOX answered {response.status_code} to the post-login redirect")

    # ------------------------------------------------------------------ pages

    def sign_in_page(next_path: str | None, email: str = "", error: str = "", status: int = 200) -> HTMLResponse:
        hidden = f'<input type="hidden" name="next" value="{esc(next_path)}">' if next_path else ""
        body = f"""<h1>Sign in to {esc(supplier_name)}</h1>
{alert("login-error", error) if error else ""}
<form data-testid="partner-login" method="post" action="/login">
{hidden}
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="{esc(email)}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" data-testid="partner-login-submit">Sign in</button>
</form>"""
        return page(f"Sign in – {supplier_name}", body, party=PARTY, status_code=status)

    def error_page(title: str, testid: str, message: str, status: int, lang: str = "en") -> HTMLResponse:
        back = f'<p><a href="/">Back to your {esc(supplier_name)} home page</a></p>' if lang == "en" else ""
        body = f"""<h1>{esc(title)}</h1>
{alert(testid, message)}
{back}"""
        return page(title, body, party=PARTY, status_code=status, lang=lang)

    def devices_page(user: PartnerUser, heading: str, note: str = "") -> HTMLResponse:
        rows = "".join(
            f'<li><span data-testid="device">{esc(device)}</span> · '
            f'<span data-testid="device-brand">{esc(brand)}</span></li>\n'
            for brand, ids in state.devices.get(user.id, {}).items()
            for device in ids
        )
        empty = "" if rows else "<p>No devices connected yet.</p>"
        nox_user = state.nox_user_ids.get(user.id)
        nox_line = f'<p>NOX Energy user: <span data-testid="nox-user-id">{esc(nox_user)}</span></p>' if nox_user else ""
        body = f"""<h1>{esc(heading)}</h1>
{f"<p>{esc(note)}</p>" if note else ""}
{nox_line}
<ul data-testid="devices">
{rows}</ul>
{empty}
<p><a href="/connect/hp">Connect a heat pump</a> · <a href="/connect/pv">Connect solar panels</a>
 · <a href="/">Home</a></p>"""
        return page(f"Your devices – {supplier_name}", body, party=PARTY)

    # ------------------------------------------------------------------ handlers

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return sign_in_page(safe_path(request.query_params.get("next")))
        form = await read_form(request)
        next_path = safe_path(form.get("next"))
        email = form.get("email", "")
        user = authenticate(email, form.get("password", ""))
        if user is None:
            return sign_in_page(next_path, email[:320], "The email address or password is not correct.", 401)
        old = request.cookies.get(SESSION_COOKIE)
        if old:
            state.sessions.pop(old, None)
        sid = secrets.token_urlsafe(32)
        state.sessions[sid] = user.id
        state.last_user = user.id
        response = RedirectResponse(next_path or "/", status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax", path="/")
        return response

    async def logout(request: Request) -> Response:
        sid = request.cookies.get(SESSION_COOKIE)
        if sid:
            state.sessions.pop(sid, None)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def home(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            return RedirectResponse("/login", status_code=303)
        leaked = ""
        if world.faulty("partner-leaks-token-in-page"):
            try:  # "prefetch the token so the portal opens faster"
                leaked = f'<input type="hidden" name="nomos_token" value="{esc(await nomos_token())}">'
            except UpstreamError:
                leaked = ""
        body = f"""<div data-testid="partner-home">
<h1>Welcome, <span data-testid="partner-user-name">{esc(user.name)}</span></h1>
<p>Your energy, your devices, in one place.</p>
<p><a class="button" data-testid="open-energy-account" href="/portal">Open energy account</a></p>
<h2>Your devices</h2>
<p><a class="button" data-testid="connect-hp" href="/connect/hp">Connect a heat pump</a>
<a class="button" data-testid="connect-pv" href="/connect/pv">Connect solar panels</a></p>
<p><a href="/devices">See your connected devices</a></p>
<form method="post" action="/logout">{leaked}
<button type="submit" data-testid="partner-sign-out">Sign out</button>
</form>
</div>"""
        return page(f"Home – {supplier_name}", body, party=PARTY)

    async def portal(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            if not world.faulty("partner-portal-without-signin"):
                return login_redirect(request)
            # Regression: the handler lost requireAuth and falls back to a "current user".
            user = users_by_id().get(state.last_user or "") or seed.partner_users[0]
        customer_id = user.nomos_customer_id
        if world.faulty("partner-mints-with-wrong-customer"):
            others = [u for u in seed.partner_users if u.id != user.id]
            customer_id = others[0].nomos_customer_id if others else customer_id
        if world.faulty("partner-reuses-link") and user.id in state.first_links:
            return RedirectResponse(state.first_links[user.id], status_code=303)
        try:
            link = await mint(customer_id)
        except UpstreamError:
            return error_page(
                "Energy account unavailable", "portal-error",
                "We could not open your energy account right now. Please try again in a few minutes.", 502,
            )
        deep = safe_path(request.query_params.get("next"))
        if deep:
            link = with_query(link, next=deep)
        state.first_links.setdefault(user.id, link)
        response = RedirectResponse(link, status_code=303)
        if world.faulty("partner-leaks-nomos-token") and state.token:
            response.set_cookie("nomos_token", state.token, samesite="lax", path="/")
        return response

    async def connect(request: Request) -> Response:
        asset_type = request.path_params["asset_type"]
        if asset_type not in ASSET_TYPES:
            raise HTTPException(404)
        user = current_user(request)
        if user is None:
            return login_redirect(request)
        if world.faulty("partner-connect-wrong-asset-type"):
            asset_type = "pv" if asset_type == "hp" else "hp"
        body: dict[str, str] = {
            "user_id": user.id,
            "asset_type": asset_type,
            "redirect_url": f"{world.urls.partner_app}/callback",
        }
        language = request.query_params.get("language")
        if language in LANGUAGES:
            body["language"] = language
        brand = request.query_params.get("brand")
        if brand:
            if len(brand) > MAX_BRAND_QUERY:
                return error_page("Cannot connect", "connect-error", "That brand name is not valid.", 400)
            body["brand"] = brand
        try:
            link_url = await create_link_session(body)
        except UpstreamRefused as refused:
            return error_page(
                "Cannot connect", "connect-error",
                f"NOX Energy could not start linking this device: {refused.message}", 400,
            )
        except UpstreamError:
            return error_page(
                "Cannot connect", "connect-error",
                "We could not reach NOX Energy to link your device. Please try again in a few minutes.", 502,
            )
        return RedirectResponse(link_url, status_code=303)

    def store(user: PartnerUser, nox_user_id: str, brand: str, device_ids: list[str]) -> None:
        state.nox_user_ids[user.id] = nox_user_id
        brands = state.devices.setdefault(user.id, {})
        if world.faulty("partner-callback-keeps-old-devices"):
            brands[brand] = list(dict.fromkeys([*brands.get(brand, []), *device_ids]))
        else:
            brands[brand] = device_ids

    def store_unchecked(user: PartnerUser, payload: Any) -> None:
        """The partner-callback-stores-before-validating regression: save first, check later."""
        if not isinstance(payload, dict):
            return
        ids = payload.get("device_ids")
        ids = [str(d) for d in ids] if isinstance(ids, list) else []
        if ids:
            store(user, str(payload.get("nox_user_id")), str(payload.get("brand")), ids)

    async def callback(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            return login_redirect(request)
        try:
            payload = decode_data(request.query_params.getlist("data"),
                                  world.faulty("partner-callback-accepts-padded-data"))
            if world.faulty("partner-callback-stores-before-validating"):
                store_unchecked(user, payload)
            nox_user_id, supplier_user_id, brand, device_ids = check_payload(payload)
            if supplier_user_id != user.id and not world.faulty("partner-callback-accepts-foreign-user"):
                raise CallbackRefused(
                    "This device link was made for another account than the one you are signed in with, "
                    "so it was not saved. Start linking again from your home page.", malformed=False,
                )
        except CallbackRefused as refused:
            if refused.malformed and world.faulty("partner-callback-500-on-malformed"):
                return PlainTextResponse("Internal Server Error", status_code=500)
            return error_page("Device not connected", "callback-error",
                              f"{refused.message} Nothing was saved.", 400)
        if world.faulty("partner-callback-drops-devices"):
            state.nox_user_ids[user.id] = nox_user_id  # reads the wrong field: no devices
        else:
            store(user, nox_user_id, brand, device_ids)
        count = len(device_ids)
        return devices_page(user, "Your devices",
                            f"Connected {count} {brand} device{'s' if count != 1 else ''} through NOX Energy.")

    async def devices(request: Request) -> Response:
        user = current_user(request)
        if user is None:
            return login_redirect(request)
        return devices_page(user, "Your devices")

    # ------------------------------------------------------------------ supplier OAuth

    def oauth_page(nox_state: str, lang: str, email: str = "", error: str = "", status: int = 200) -> HTMLResponse:
        text = {k: v.format(supplier=supplier_name) for k, v in OAUTH_TEXT[lang].items()}
        terms_link = "" if world.faulty("partner-oauth-hides-terms") else (
            f'<p><a data-testid="terms-link" href="/terms?language={esc(lang)}" target="_blank" '
            f'rel="noopener">{esc(text["terms"])}</a></p>'
        )
        body = f"""<h1>{esc(text["title"])}</h1>
<p>{esc(text["intro"])}</p>
{alert("oauth-error", error) if error else ""}
<form data-testid="supplier-oauth" method="post" action="/oauth/nox">
<input type="hidden" name="state" value="{esc(nox_state)}">
<input type="hidden" name="language" value="{esc(lang)}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="{esc(email)}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
{terms_link}
<p><input type="checkbox" id="accept-terms" name="accept_terms" value="yes" data-testid="accept-terms">
<label for="accept-terms" style="display:inline">{esc(text["accept"])}</label></p>
<button type="submit" data-testid="supplier-oauth-submit">{esc(text["submit"])}</button>
</form>"""
        return page(f"{text['title']} – {supplier_name}", body, lang=lang, party=PARTY, status_code=status)

    def oauth_error(lang: str, key: str, status: int) -> HTMLResponse:
        text = OAUTH_TEXT[lang]
        return error_page(text["title"], "oauth-error", text[key].format(supplier=supplier_name), status, lang)

    def valid_state(value: str | None) -> str | None:
        if not value or len(value) > MAX_STATE or CONTROL.search(value):
            return None
        return value

    async def oauth_nox(request: Request) -> Response:
        if request.method == "GET":
            lang = oauth_language(request.query_params.get("language"))
            nox_state = valid_state(request.query_params.get("state"))
            if nox_state is None:
                return oauth_error(lang, "no_state", 400)
            return oauth_page(nox_state, lang)
        form = await read_form(request)
        lang = oauth_language(form.get("language"))
        nox_state = valid_state(form.get("state"))
        if nox_state is None:
            return oauth_error(lang, "no_state", 400)
        email = form.get("email", "")
        user = authenticate(email, form.get("password", ""))
        if user is None:
            return oauth_page(nox_state, lang, email[:320], OAUTH_TEXT[lang]["bad_credentials"], 401)
        if form.get("accept_terms") != "yes" and not world.faulty("partner-oauth-ignores-terms"):
            text = OAUTH_TEXT[lang]["terms_required"].format(supplier=supplier_name)
            return oauth_page(nox_state, lang, email[:320], text, 400)
        if world.faulty("partner-skips-post-login-redirect"):
            # Regression: the browser is sent back to NOX before the backend told it who signed in.
            return RedirectResponse(with_query(f"{world.urls.nox}/ui/supplier-return", state=nox_state), 303)
        try:
            redirect_url = await post_login_redirect(nox_state, user.id)
        except UpstreamRefused as refused:
            if world.faulty("partner-oauth-500-on-refused-state"):
                return PlainTextResponse("Internal Server Error", status_code=500)
            return oauth_error(lang, "expired", refused.status)
        except UpstreamError:
            return oauth_error(lang, "unavailable", 502)
        return RedirectResponse(redirect_url, status_code=303)

    async def terms(request: Request) -> Response:
        lang = oauth_language(request.query_params.get("language"))
        text = {k: v.format(supplier=supplier_name) for k, v in OAUTH_TEXT[lang].items()}
        body = f"""<h1 data-testid="terms">{esc(text["terms_title"])}</h1>
<p>{esc(text["terms_body"])}</p>"""
        return page(text["terms_title"], body, lang=lang, party=PARTY)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "There is no such page.", 405: "This page cannot be used that way."}.get(
            status, "Something went wrong.")
        response = error_page("Not available", "page-error", message, status)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        return response

    return Starlette(
        routes=[
            Route("/login", login, methods=["GET", "POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/", home, methods=["GET"]),
            Route("/portal", portal, methods=["GET"]),
            Route("/connect/{asset_type}", connect, methods=["GET"]),
            Route("/callback", callback, methods=["GET"]),
            Route("/devices", devices, methods=["GET"]),
            Route("/oauth/nox", oauth_nox, methods=["GET", "POST"]),
            Route("/terms", terms, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
