"""NOX Energy: the device-linking API and the Authenticator UI, on one origin.

API (JSON always; vendor-docs/nox-create-supplier-link-session.txt, NOTES.md,
interfaces.md §2):

- ``POST /v2/supplier/link-sessions``: a supplier's link session (201).
- ``POST /v2/manufacturer/link-sessions``: a manufacturer's link session (201).
- ``POST /post-login-redirect``: the supplier shares ``supplier_user_id`` after its OAuth
  sign-in (manufacturer-initiated flow, *assumed* shape).

Authenticator UI (HTML, in the session's language; sandbox/README.md):

- ``GET /ui?token=&language=``: brand picker (supplier session), straight to the
  pre-selected brand, or energy-supplier selector (manufacturer session).
- ``GET /ui/brands/{slug}?token=``: opens the brand's sign-in page (brands.py).
- ``GET /ui/brand-return?session=&code=``: the brand page's return; completes the
  supplier session and redirects to ``redirect_url?data=<base64url JSON, no padding>``.
- ``GET /ui/suppliers/{slug}?token=``: starts an authentication session (``state``, 15
  minutes) and opens the supplier's OAuth page ``{partner_app}/oauth/nox``.
- ``GET /ui/supplier-return?state=``: back from the supplier; redirects to the
  manufacturer's ``redirect_url`` with ``status=success`` or
  ``status=error&reason=expired|invalid|denied``.

Assumptions (the vendor is silent; each is the sandbox's choice):
- Error bodies: NOX publishes no error schema. Every API error is JSON
  ``{"error": "<code>", "message": "<human readable, naming the field>"}`` with codes
  ``unauthorized`` (401), ``invalid_body`` (400: empty, not JSON, not an object),
  ``validation_error`` (400: a field missing, mistyped, outside its enum, a brand not of
  the asset type, a redirect_url not allowed), ``not_found`` (404), ``already_used``
  (409), ``expired`` (410), ``method_not_allowed`` (405).
- The API key is checked before the body: a request without a valid key gets 401 whatever
  its body, and creates nothing. A manufacturer key is not a supplier key and vice versa.
- ``user_id`` is a non-empty string of at most 512 characters; ``redirect_url`` an
  absolute http(s) URL of at most 2048 characters. ``language: null`` is refused (the
  enum has no null); ``brand: null`` means no pre-selected brand. Unknown fields are
  ignored.
- Allowed redirect URLs: the holder's origin plus each of its ``allowed_redirect_paths``
  (seed). A ``redirect_url`` is allowed when scheme, host, port and path match exactly
  and it has no fragment; its query is ignored (and kept: the callback appends ``&data=``).
- Which brand belongs to which asset type: ``sandbox.seed.BRANDS_BY_ASSET``.
- A link session is usable while ``now <= expires_at`` (created_at + 600). Refusals in the
  UI show ``session-error`` with ``data-reason`` ``invalid`` (404), ``expired`` (410) or
  ``completed`` (409); completed is checked before expired.
- Linking (SUP-13/14): NOX keeps, per supplier, one NOX user per ``supplier_user_id``.
  Re-linking keeps its ``nox_user_id`` and replaces its devices with the new account's
  device; a device moves to the last supplier user that linked it, and a supplier user
  left without devices is dropped ("only the last user will exist on our side").
- Manufacturer flow: choosing the partner creates an authentication session that lives 15
  minutes (``now <= started_at + 900``). ``POST /post-login-redirect`` checks, in order:
  key (401), body (400), state unknown or of another supplier (404), already confirmed
  (409), expired (410). It then maps the NOX user of the manufacturer user to
  ``(supplier, supplier_user_id)``. ``/ui/supplier-return`` sends ``reason=invalid`` for an
  unknown state (to the manufacturer's registered redirect URL: an unknown state names no
  session; the sandbox has one manufacturer) or a state already returned, ``expired`` past
  15 minutes, ``denied`` when the supplier never confirmed the user; on success the
  manufacturer link session is completed.
- Other suppliers in the selector have no OAuth page in the sandbox: choosing one shows a
  page saying so (``supplier-unavailable``).
- Unknown paths and wrong methods: JSON 404/405 outside ``/ui``, HTML pages under ``/ui``.
"""

from __future__ import annotations

import base64
import hmac
import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.parties.brands import display_name, redeem_code
from sandbox.seed import ALL_BRANDS, BRANDS_BY_ASSET, LANGUAGES, ApiClient
from sandbox.web import esc, json_response, page, read_json
from sandbox.world import World

PARTY = "NOX Energy"
SESSION_LIFETIME = 600  # seconds: a link session expires 10 minutes after creation
AUTH_SESSION_LIFETIME = 900  # seconds: an authentication session lasts 15 minutes
MAX_TEXT = 512
MAX_URL = 2048

FAULTS: list[Fault] = [
    # --- supplier link sessions (API)
    Fault("nox-auth-not-enforced", ("SUP-02", "CON-01"),
          "link sessions are created without an x-api-key or with a wrong one"),
    Fault("nox-500-on-malformed-body", ("SUP-03", "CON-01"),
          "a body that is not JSON, not an object or has a mistyped field gets a 500 instead of a 400"),
    Fault("nox-accepts-unknown-language", ("SUP-03",),
          "a language outside nl, en, fr, es is accepted and echoed"),
    Fault("nox-brand-asset-mismatch-accepted", ("SUP-04",),
          "a brand of the other asset type (a PV brand for a heat pump) is accepted"),
    Fault("nox-redirect-not-allowlisted", ("SUP-05",),
          "any redirect_url is accepted, so NOX would send the user's link data to any site"),
    Fault("nox-language-default-wrong", ("SUP-06",),
          "a session created without a language is in English instead of Dutch"),
    Fault("nox-supplier-user-id-not-echoed", ("SUP-06",),
          "the answer's supplier_user_id is a NOX-internal id, not the user_id sent"),
    Fault("nox-expires-at-off", ("SUP-07", "SUP-12", "CON-01"),
          "link sessions last 15 minutes (expires_at = created_at + 900) instead of 10"),
    Fault("nox-completed-at-set", ("SUP-07",),
          "a freshly created session already has a completed_at"),
    Fault("nox-response-field-missing", ("SUP-01", "CON-01"),
          "the 201 answer lacks asset_type"),
    Fault("nox-wrong-status-on-create", ("SUP-01", "CON-01"),
          "a created link session is answered 200 instead of 201"),
    # --- Authenticator UI, supplier flow
    Fault("nox-ui-ignores-language", ("SUP-08",),
          "the Authenticator UI is always in English, whatever language the session asked for"),
    Fault("nox-ui-shows-all-brands", ("SUP-09",),
          "the brand picker lists the brands of both asset types"),
    Fault("nox-ui-ignores-preselected-brand", ("SUP-09",),
          "a session with a pre-selected brand still shows the brand picker"),
    Fault("nox-no-data-on-callback", ("SUP-10",),
          "after the brand sign-in the user lands on redirect_url without a data parameter"),
    Fault("nox-callback-padded-base64", ("SUP-11",),
          "the callback's data is standard base64 with padding instead of base64url without padding"),
    Fault("nox-callback-wrong-supplier-user", ("SUP-11",),
          "the callback's supplier_user_id is not the session's user_id"),
    Fault("nox-session-never-expires", ("SUP-12",),
          "a link session completes (with a callback) long after its 10 minutes"),
    Fault("nox-relink-new-user", ("SUP-13",),
          "re-linking with the same supplier_user_id gets a new nox_user_id"),
    Fault("nox-completed-session-reusable", ("SUP-12",),
          "a completed link session can be opened and completed again, sending a second callback"),
    Fault("nox-brand-code-any-session", ("SUP-10", "SUP-11"),
          "a brand sign-in code issued for one link session completes another one (a grafted device)"),
    # --- manufacturer flow
    Fault("nox-manufacturer-session-broken", ("MAN-01",),
          "the manufacturer's valid API key is refused (401) when it creates a link session"),
    Fault("nox-manufacturer-redirect-not-allowlisted", ("MAN-01",),
          "a manufacturer link session accepts any redirect_url"),
    Fault("nox-supplier-missing-from-selector", ("MAN-02",),
          "the energy-supplier selector does not list this partner"),
    Fault("nox-post-login-redirect-ignored", ("MAN-04", "MAN-05"),
          "NOX answers the post-login redirect but stores no mapping; the manufacturer app shows an error"),
    Fault("nox-supplier-return-skips-confirmation", ("MAN-04",),
          "the manufacturer is told the link succeeded although the supplier never shared its user"),
    Fault("nox-manufacturer-not-told", ("MAN-05",),
          "after a successful supplier sign-in the manufacturer app is sent status=error"),
    Fault("nox-auth-session-never-expires", ("MAN-06",),
          "an authentication session still completes after its 15 minutes"),
    Fault("nox-post-login-redirect-no-auth", ("MAN-07",),
          "POST /post-login-redirect works without an x-api-key or with a wrong one"),
    Fault("nox-post-login-state-reusable", ("MAN-07",),
          "POST /post-login-redirect accepts the same state twice and remaps the user"),
]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "brand_heading_hp": "Which brand is your heat pump?",
        "brand_heading_pv": "Which brand is your solar inverter?",
        "brand_intro": "Choose the manufacturer, then sign in with your account there to link your device to {supplier}.",
        "supplier_heading": "Choose your energy supplier",
        "supplier_intro": "Link your {brand} account to your energy supplier, so that it can steer your device.",
        "unavailable_heading": "{supplier} cannot be linked here",
        "unavailable_text": "{supplier} has no sign-in page in the sandbox. Go back and choose another energy supplier.",
        "back": "Back to the energy suppliers",
        "error_heading": "This link cannot be used",
        "invalid": "This link is not valid. Start again from your app.",
        "expired": "This link has expired. Start again from your app to get a new one.",
        "completed": "This link has already been used. Start again from your app to link another device.",
        "not_found": "There is no such page.",
        "method": "This page cannot be used that way.",
    },
    "nl": {
        "brand_heading_hp": "Welk merk is je warmtepomp?",
        "brand_heading_pv": "Welk merk is je omvormer?",
        "brand_intro": "Kies de fabrikant en meld je daar aan met je account om je toestel aan {supplier} te koppelen.",
        "supplier_heading": "Kies je energieleverancier",
        "supplier_intro": "Koppel je {brand}-account aan je energieleverancier, zodat die je toestel kan sturen.",
        "unavailable_heading": "{supplier} kan hier niet gekoppeld worden",
        "unavailable_text": "{supplier} heeft geen aanmeldpagina in de sandbox. Ga terug en kies een andere energieleverancier.",
        "back": "Terug naar de energieleveranciers",
        "error_heading": "Deze link kan niet gebruikt worden",
        "invalid": "Deze link is niet geldig. Begin opnieuw vanuit je app.",
        "expired": "Deze link is verlopen. Begin opnieuw vanuit je app voor een nieuwe link.",
        "completed": "Deze link is al gebruikt. Begin opnieuw vanuit je app om een ander toestel te koppelen.",
        "not_found": "Deze pagina bestaat niet.",
        "method": "Deze pagina kan zo niet gebruikt worden.",
    },
    "fr": {
        "brand_heading_hp": "De quelle marque est votre pompe à chaleur ?",
        "brand_heading_pv": "De quelle marque est votre onduleur solaire ?",
        "brand_intro": "Choisissez le fabricant, puis connectez-vous avec votre compte pour lier votre appareil à {supplier}.",
        "supplier_heading": "Choisissez votre fournisseur d'énergie",
        "supplier_intro": "Liez votre compte {brand} à votre fournisseur d'énergie pour qu'il pilote votre appareil.",
        "unavailable_heading": "{supplier} ne peut pas être lié ici",
        "unavailable_text": "{supplier} n'a pas de page de connexion dans le bac à sable. "
                            "Revenez en arrière et choisissez un autre fournisseur d'énergie.",
        "back": "Retour aux fournisseurs d'énergie",
        "error_heading": "Ce lien ne peut pas être utilisé",
        "invalid": "Ce lien n'est pas valide. Recommencez depuis votre application.",
        "expired": "Ce lien a expiré. Recommencez depuis votre application pour en obtenir un nouveau.",
        "completed": "Ce lien a déjà été utilisé. Recommencez depuis votre application pour lier un autre appareil.",
        "not_found": "Cette page n'existe pas.",
        "method": "Cette page ne peut pas être utilisée ainsi.",
    },
    "es": {
        "brand_heading_hp": "¿De qué marca es tu bomba de calor?",
        "brand_heading_pv": "¿De qué marca es tu inversor solar?",
        "brand_intro": "Elige el fabricante e inicia sesión con tu cuenta para vincular tu dispositivo a {supplier}.",
        "supplier_heading": "Elige tu proveedor de energía",
        "supplier_intro": "Vincula tu cuenta de {brand} a tu proveedor de energía para que pueda controlar tu dispositivo.",
        "unavailable_heading": "{supplier} no se puede vincular aquí",
        "unavailable_text": "{supplier} no tiene página de inicio de sesión en el sandbox. "
                            "Vuelve atrás y elige otro proveedor de energía.",
        "back": "Volver a los proveedores de energía",
        "error_heading": "Este enlace no se puede usar",
        "invalid": "Este enlace no es válido. Vuelve a empezar desde tu app.",
        "expired": "Este enlace ha caducado. Vuelve a empezar desde tu app para obtener uno nuevo.",
        "completed": "Este enlace ya se ha usado. Vuelve a empezar desde tu app para vincular otro dispositivo.",
        "not_found": "Esta página no existe.",
        "method": "Esta página no se puede usar así.",
    },
}
ERROR_STATUS = {"invalid": 404, "expired": 410, "completed": 409}


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


class Invalid(Exception):
    """A request body NOX refuses (400). ``structural``: not an object or a mistyped field."""

    def __init__(self, message: str, *, structural: bool = False) -> None:
        super().__init__(message)
        self.structural = structural


def error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return json_response({"error": code, "message": message}, status_code=status, headers=headers)


def encode_data(payload: dict[str, Any], *, padded: bool = False) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    if padded:
        # The regression: standard base64 with padding (a newline keeps padding visible).
        return base64.b64encode(raw if len(raw) % 3 else raw + b"\n").decode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def with_query(url: str, **params: str) -> str:
    return f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(params)}"


def text_field(body: dict[str, Any], name: str) -> str:
    if name not in body or body[name] is None:
        raise Invalid(f"'{name}' is required.")
    value = body[name]
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string.", structural=True)
    if not value:
        raise Invalid(f"'{name}' must not be empty.")
    if len(value) > MAX_TEXT:
        raise Invalid(f"'{name}' must be at most {MAX_TEXT} characters.")
    return value


def url_field(body: dict[str, Any], name: str) -> str:
    if name not in body or body[name] is None:
        raise Invalid(f"'{name}' is required.")
    value = body[name]
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be a string (a URI).", structural=True)
    if len(value) > MAX_URL:
        raise Invalid(f"'{name}' must be at most {MAX_URL} characters.")
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        ok = False
    if not ok or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise Invalid(f"'{name}' must be an absolute http(s) URI.")
    return value


def allowed(url: str, origin: str, paths: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    if parts.fragment or "#" in url:
        return False
    without_query = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return without_query in {f"{origin}{path}" for path in paths}


def build_app(world: World) -> Starlette:
    state = world.state["nox"] = NoxState()
    seed = world.seed

    # ------------------------------------------------------------------ helpers

    def holder_of(request: Request, holder: ApiClient) -> ApiClient | None:
        given = request.headers.get("x-api-key")
        if given is None:
            return None
        expected = seed.secret(holder.key_env)
        return holder if hmac.compare_digest(given.encode(), expected.encode()) else None

    def unauthorized(kind: str) -> JSONResponse:
        return error(401, "unauthorized", f"The x-api-key header is missing or not a valid {kind} API key.")

    def language_field(body: dict[str, Any]) -> str:
        if "language" not in body:
            return "en" if world.faulty("nox-language-default-wrong") else "nl"
        value = body["language"]
        if world.faulty("nox-accepts-unknown-language") and isinstance(value, str) and len(value) <= MAX_TEXT:
            return value
        if value not in LANGUAGES:
            raise Invalid(f"'language' must be one of {', '.join(LANGUAGES)}.", structural=not isinstance(value, str))
        return str(value)

    async def object_body(request: Request) -> dict[str, Any]:
        try:
            body, problem = await read_json(request)
        except (ValueError, RecursionError):  # e.g. a 5000-digit number, or nesting 100000 deep
            body, problem = None, "the request body is not JSON NOX can read"
        if problem:
            raise Invalid(problem[0].upper() + problem[1:] + ".", structural=True)
        if not isinstance(body, dict):
            raise Invalid("The request body must be a JSON object.", structural=True)
        return body

    def refused_body(exc: Invalid, body_level: bool) -> Response:
        if exc.structural and world.faulty("nox-500-on-malformed-body"):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return error(400, "invalid_body" if body_level else "validation_error", str(exc))

    def new_token() -> str:
        return secrets.token_urlsafe(32)

    def link_url(token: str, language: str) -> str:
        return f"{world.urls.nox}/ui?{urlencode({'token': token, 'language': language})}"

    # ------------------------------------------------------------------ API

    async def create_supplier_session(request: Request) -> Response:
        supplier = holder_of(request, seed.supplier)
        if supplier is None:
            if not world.faulty("nox-auth-not-enforced"):
                return unauthorized("supplier")
            supplier = seed.supplier
        try:
            body = await object_body(request)
        except Invalid as exc:
            return refused_body(exc, True)
        try:
            user_id = text_field(body, "user_id")
            asset_type = body.get("asset_type")
            if asset_type is None:
                raise Invalid("'asset_type' is required.")
            if not isinstance(asset_type, str) or asset_type not in BRANDS_BY_ASSET:
                raise Invalid("'asset_type' must be one of hp, pv.", structural=not isinstance(asset_type, str))
            redirect_url = url_field(body, "redirect_url")
            brand = body.get("brand")
            if brand is not None:
                if brand not in ALL_BRANDS:
                    raise Invalid("'brand' must be one of the documented brands or null.",
                                  structural=not isinstance(brand, str))
                if brand not in BRANDS_BY_ASSET[asset_type] and not world.faulty("nox-brand-asset-mismatch-accepted"):
                    raise Invalid(f"'brand' {brand} is not a valid brand for asset_type {asset_type}.")
            language = language_field(body)
            if not allowed(redirect_url, world.urls.partner_app, supplier.allowed_redirect_paths) and not world.faulty(
                    "nox-redirect-not-allowlisted"):
                raise Invalid("'redirect_url' is not one of the supplier's allowed redirect URLs.")
        except Invalid as exc:
            return refused_body(exc, False)

        now = world.clock.now()
        lifetime = 900 if world.faulty("nox-expires-at-off") else SESSION_LIFETIME
        token = new_token()
        session = LinkSession(token, "supplier", supplier.name, user_id, redirect_url, language, now, now + lifetime,
                              asset_type=asset_type, brand=brand)
        state.sessions[token] = session
        answer: dict[str, Any] = {
            "link_url": link_url(token, language),
            "link_token": token,
            "language": language,
            "asset_type": asset_type,
            "redirect_url": redirect_url,
            "supplier": supplier.name,
            "supplier_user_id": user_id,
            "created_at": now,
            "expires_at": session.expires_at,
            "brand": brand,
            "completed_at": None,
        }
        if world.faulty("nox-supplier-user-id-not-echoed"):
            answer["supplier_user_id"] = f"sup_{token[:12]}"
        if world.faulty("nox-completed-at-set"):
            answer["completed_at"] = now
        if world.faulty("nox-response-field-missing"):
            del answer["asset_type"]
        return json_response(answer, 200 if world.faulty("nox-wrong-status-on-create") else 201)

    async def create_manufacturer_session(request: Request) -> Response:
        manufacturer = holder_of(request, seed.manufacturer)
        if manufacturer is None or world.faulty("nox-manufacturer-session-broken"):
            return unauthorized("manufacturer")
        try:
            body = await object_body(request)
        except Invalid as exc:
            return refused_body(exc, True)
        try:
            user_id = text_field(body, "user_id")
            redirect_url = url_field(body, "redirect_url")
            language = language_field(body)
            if not allowed(redirect_url, world.urls.manufacturer_app, manufacturer.allowed_redirect_paths) and not (
                    world.faulty("nox-manufacturer-redirect-not-allowlisted")):
                raise Invalid("'redirect_url' is not one of the manufacturer's allowed redirect URLs.")
        except Invalid as exc:
            return refused_body(exc, False)
        now = world.clock.now()
        token = new_token()
        brand = manufacturer.slug.title()
        session = LinkSession(token, "manufacturer", manufacturer.name, user_id, redirect_url, language, now,
                              now + SESSION_LIFETIME, brand=brand)
        state.sessions[token] = session
        return json_response({
            "link_url": link_url(token, language),
            "link_token": token,
            "language": language,
            "redirect_url": redirect_url,
            "manufacturer": manufacturer.name,
            "manufacturer_user_id": user_id,
            "created_at": now,
            "expires_at": session.expires_at,
            "brand": brand,
            "completed_at": None,
        }, 201)

    def auth_expired(auth: AuthSession) -> bool:
        if world.faulty("nox-auth-session-never-expires"):
            return False
        return world.clock.now() > auth.started_at + AUTH_SESSION_LIFETIME

    async def post_login_redirect(request: Request) -> Response:
        supplier = holder_of(request, seed.supplier)
        if supplier is None:
            if not world.faulty("nox-post-login-redirect-no-auth"):
                return unauthorized("supplier")
            supplier = seed.supplier
        try:
            body = await object_body(request)
        except Invalid as exc:
            return error(400, "invalid_body", str(exc))
        try:
            nox_state = text_field(body, "state")
            supplier_user_id = text_field(body, "supplier_user_id")
        except Invalid as exc:
            return error(400, "validation_error", str(exc))
        auth = state.auth_sessions.get(nox_state)
        if auth is None or auth.supplier != supplier.name:
            return error(404, "not_found", "No authentication session has this state.")
        if auth.supplier_user_id is not None and not world.faulty("nox-post-login-state-reusable"):
            return error(409, "already_used", "This authentication session was already completed.")
        if auth_expired(auth):
            return error(410, "expired", "This authentication session expired (15 minutes after it started).")
        redirect_url = f"{world.urls.nox}/ui/supplier-return?{urlencode({'state': nox_state})}"
        if world.faulty("nox-post-login-redirect-ignored"):
            return json_response({"redirect_url": redirect_url})
        auth.supplier_user_id = supplier_user_id
        link = state.sessions[auth.link_token]
        nox_user_id = state.manufacturer_users.setdefault((link.holder, link.user_id), f"nox_{secrets.token_hex(8)}")
        state.supplier_links[nox_user_id] = (auth.supplier, supplier_user_id)
        return json_response({"redirect_url": redirect_url})

    # ------------------------------------------------------------------ UI

    def ui_language(session: LinkSession | None, request: Request) -> str:
        if world.faulty("nox-ui-ignores-language"):
            return "en"
        if session is not None:
            return session.language
        asked = request.query_params.get("language")
        return asked if asked in LANGUAGES else "nl"

    def texts(lang: str) -> dict[str, str]:
        return TEXT[lang] if lang in TEXT else TEXT["en"]

    def session_error(reason: str, lang: str) -> HTMLResponse:
        text = texts(lang)
        body = f"""<h1>{esc(text["error_heading"])}</h1>
<p role="alert" data-testid="session-error" data-reason="{esc(reason)}">{esc(text[reason])}</p>"""
        return page(text["error_heading"], body, lang=lang, status_code=ERROR_STATUS[reason], party=PARTY)

    def refusal(session: LinkSession) -> str | None:
        if session.completed_at is not None and not world.faulty("nox-completed-session-reusable"):
            return "completed"
        if world.clock.now() > session.expires_at and not world.faulty("nox-session-never-expires"):
            return "expired"
        return None

    def open_session(request: Request, param: str, kind: str) -> tuple[LinkSession | None, str, Response | None]:
        session = state.sessions.get(request.query_params.get(param, ""))
        lang = ui_language(session, request)
        if session is None or session.kind != kind:
            return None, lang, session_error("invalid", lang)
        reason = refusal(session)
        if reason:
            return None, lang, session_error(reason, lang)
        return session, lang, None

    def brand_page_url(session: LinkSession, brand: str, lang: str) -> str:
        return f"{world.urls.brands}/{brand}/authorize?{urlencode({'session': session.token, 'language': lang})}"

    def brand_picker(session: LinkSession, lang: str) -> HTMLResponse:
        text = texts(lang)
        asset_type = session.asset_type or "hp"
        brands = ALL_BRANDS if world.faulty("nox-ui-shows-all-brands") else BRANDS_BY_ASSET[asset_type]
        token = urlencode({"token": session.token})
        options = "\n".join(
            f'<li><a data-testid="brand-option-{esc(slug)}" href="/ui/brands/{esc(slug)}?{esc(token)}">'
            f"{esc(display_name(slug))}</a></li>"
            for slug in brands
        )
        heading = text[f"brand_heading_{asset_type}"]
        body = f"""<section data-testid="brand-picker" data-asset-type="{esc(asset_type)}">
<h1>{esc(heading)}</h1>
<p>{esc(text["brand_intro"].format(supplier=session.holder))}</p>
<ul class="options">
{options}
</ul>
</section>"""
        return page(heading, body, lang=lang, party=PARTY)

    def suppliers() -> list[tuple[str, str]]:
        listed = [(seed.supplier.slug, seed.supplier.name), *seed.other_suppliers]
        if world.faulty("nox-supplier-missing-from-selector"):
            listed = [(slug, name) for slug, name in listed if slug != seed.supplier.slug]
        return listed

    def supplier_picker(session: LinkSession, lang: str) -> HTMLResponse:
        text = texts(lang)
        token = urlencode({"token": session.token})
        options = "\n".join(
            f'<li><a data-testid="supplier-option-{esc(slug)}" href="/ui/suppliers/{esc(slug)}?{esc(token)}">'
            f"{esc(name)}</a></li>"
            for slug, name in suppliers()
        )
        body = f"""<section data-testid="supplier-picker">
<h1>{esc(text["supplier_heading"])}</h1>
<p>{esc(text["supplier_intro"].format(brand=session.brand or ""))}</p>
<ul class="options">
{options}
</ul>
</section>"""
        return page(text["supplier_heading"], body, lang=lang, party=PARTY)

    async def ui(request: Request) -> Response:
        token = request.query_params.get("token", "")
        session = state.sessions.get(token)
        lang = ui_language(session, request)
        if session is None:
            return session_error("invalid", lang)
        reason = refusal(session)
        if reason:
            return session_error(reason, lang)
        if session.kind == "manufacturer":
            return supplier_picker(session, lang)
        if session.brand and not world.faulty("nox-ui-ignores-preselected-brand"):
            return RedirectResponse(brand_page_url(session, session.brand, lang), status_code=303)
        return brand_picker(session, lang)

    async def choose_brand(request: Request) -> Response:
        session, lang, refused = open_session(request, "token", "supplier")
        if refused or session is None:
            return refused or session_error("invalid", lang)
        slug = request.path_params["slug"]
        if slug not in BRANDS_BY_ASSET[session.asset_type or "hp"]:
            return session_error("invalid", lang)
        return RedirectResponse(brand_page_url(session, slug, lang), status_code=303)

    def link_devices(session: LinkSession, brand: str, device_id: str) -> str:
        """Record the link (SUP-13, SUP-14) and return the supplier user's nox_user_id."""
        users = state.supplier_users.setdefault(session.holder, {})
        existing = users.get(session.user_id)
        if existing is not None and not world.faulty("nox-relink-new-user"):
            nox_user_id = existing.nox_user_id
        else:
            nox_user_id = f"nox_{secrets.token_hex(8)}"
        # No fault here: no documented endpoint shows this to a supplier (SUP-14 is pending),
        # so no suite could notice a regression.
        for other_id, other in list(users.items()):
            if other_id != session.user_id and device_id in other.device_ids:
                other.device_ids.remove(device_id)
                if not other.device_ids:
                    del users[other_id]
        users[session.user_id] = NoxUser(nox_user_id, brand, [device_id])
        return nox_user_id

    async def brand_return(request: Request) -> Response:
        session, lang, refused = open_session(request, "session", "supplier")
        if refused or session is None:
            return refused or session_error("invalid", lang)
        bound = None if world.faulty("nox-brand-code-any-session") else session.token
        grant = redeem_code(world, request.query_params.get("code"), bound)
        if grant is None or grant.brand not in BRANDS_BY_ASSET[session.asset_type or "hp"]:
            return session_error("invalid", lang)
        now = world.clock.now()
        nox_user_id = link_devices(session, grant.brand, grant.device_id)
        session.completed_at = now
        payload = {
            "nox_user_id": nox_user_id,
            "supplier_user_id": nox_user_id if world.faulty("nox-callback-wrong-supplier-user") else session.user_id,
            "brand": grant.brand,
            "device_ids": [grant.device_id],
            "connected_at": now,
        }
        if world.faulty("nox-no-data-on-callback"):
            return RedirectResponse(session.redirect_url, status_code=303)
        data = encode_data(payload, padded=world.faulty("nox-callback-padded-base64"))
        return RedirectResponse(with_query(session.redirect_url, data=data), status_code=303)

    async def choose_supplier(request: Request) -> Response:
        session, lang, refused = open_session(request, "token", "manufacturer")
        if refused or session is None:
            return refused or session_error("invalid", lang)
        slug = request.path_params["slug"]
        listed = dict(suppliers())
        if slug not in listed:
            return session_error("invalid", lang)
        if slug != seed.supplier.slug:
            text = texts(lang)
            name = listed[slug]
            back = f"/ui?{urlencode({'token': session.token, 'language': lang})}"
            body = f"""<section data-testid="supplier-unavailable" data-supplier="{esc(slug)}">
<h1>{esc(text["unavailable_heading"].format(supplier=name))}</h1>
<p>{esc(text["unavailable_text"].format(supplier=name))}</p>
<p><a class="button" href="{esc(back)}">{esc(text["back"])}</a></p>
</section>"""
            return page(text["unavailable_heading"].format(supplier=name), body, lang=lang, party=PARTY)
        auth = AuthSession(new_token(), session.token, seed.supplier.name, world.clock.now())
        state.auth_sessions[auth.state] = auth
        query = urlencode({"state": auth.state, "language": lang})
        return RedirectResponse(f"{world.urls.partner_app}/oauth/nox?{query}", status_code=303)

    async def supplier_return(request: Request) -> Response:
        auth = state.auth_sessions.get(request.query_params.get("state", ""))
        if auth is None:
            fallback = f"{world.urls.manufacturer_app}{seed.manufacturer.allowed_redirect_paths[0]}"
            return RedirectResponse(with_query(fallback, status="error", reason="invalid"), status_code=303)
        link = state.sessions[auth.link_token]

        def back(**params: str) -> Response:
            return RedirectResponse(with_query(link.redirect_url, **params), status_code=303)

        if auth.returned:
            return back(status="error", reason="invalid")
        if auth_expired(auth):
            return back(status="error", reason="expired")
        if auth.supplier_user_id is None and not world.faulty("nox-supplier-return-skips-confirmation"):
            return back(status="error", reason="denied")
        auth.returned = True
        link.completed_at = world.clock.now()
        if world.faulty("nox-manufacturer-not-told"):
            return back(status="error", reason="denied")
        return back(status="success")

    # ------------------------------------------------------------------ errors

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
        if request.url.path == "/ui" or request.url.path.startswith("/ui/"):
            lang = ui_language(None, request)
            text = texts(lang)
            message = text["method"] if status == 405 else text["not_found"]
            body = f'<h1>NOX Energy</h1>\n<p role="alert" data-testid="page-error">{esc(message)}</p>'
            response = page("NOX Energy", body, lang=lang, status_code=status, party=PARTY)
            response.headers.update(headers)
            return response
        if status == 405:
            return error(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}.", headers)
        return error(404, "not_found", "There is no such endpoint.", headers)

    return Starlette(
        routes=[
            Route("/v2/supplier/link-sessions", create_supplier_session, methods=["POST"]),
            Route("/v2/manufacturer/link-sessions", create_manufacturer_session, methods=["POST"]),
            Route("/post-login-redirect", post_login_redirect, methods=["POST"]),
            Route("/ui", ui, methods=["GET"]),
            Route("/ui/brands/{slug}", choose_brand, methods=["GET"]),
            Route("/ui/brand-return", brand_return, methods=["GET"]),
            Route("/ui/suppliers/{slug}", choose_supplier, methods=["GET"]),
            Route("/ui/supplier-return", supplier_return, methods=["GET"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
