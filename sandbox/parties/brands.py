"""The manufacturers' OAuth sign-in pages that NOX's Authenticator UI opens ("brand pages").

One origin serves every brand at ``/{brand}/authorize?session=<NOX link token>&language=``
(sandbox/README.md, supplier-initiated link). The page asks for the brand account's
username and password and, for the brands in ``sandbox.seed.TERMS_BRANDS``, for the
manufacturer's terms of service. On success it issues a one-time authorization code for
that NOX session and sends the browser back to
``{nox}/ui/brand-return?session=<token>&code=<code>``.

Assumptions (the vendor documents no brand page; these are the sandbox's choices):
- Brand pages and NOX share the world's state, so the code exchange is a code table
  (:func:`redeem_code`) rather than an OAuth token call. A code is bound to the session it
  was issued for and works once. It has no lifetime of its own: the brand page does not
  decide about the NOX session's expiry, NOX does.
- The page's language comes from ``language`` (``nl``, ``en``, ``fr``, ``es``; anything
  else is ``nl``, NOX's default). The fields are labelled in that language.
- The page needs a ``session`` to sign in for; without one it shows an error (400).
- Wrong username or password: 401; terms not accepted: 400; both re-render the form
  with a ``role="alert"`` message. Unknown brand slug: 404 page.
- Form bodies are URL-encoded (plain HTML forms); anything else reads as an empty form.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.seed import ALL_BRANDS, LANGUAGES, TERMS_BRANDS
from sandbox.web import esc, page
from sandbox.world import World

PARTY = "Manufacturer sign-in"
MAX_FORM_BYTES = 16_384
MAX_FIELD = 512

FAULTS: list[Fault] = [
    Fault("brand-terms-not-required", ("SUP-10",),
          "a brand that asks for its terms of service signs the user in without them being accepted"),
    Fault("brand-accepts-any-password", ("SUP-10",),
          "a brand account signs in with any password"),
    Fault("brand-ignores-language", ("SUP-08",),
          "the manufacturer's sign-in page is always in English, whatever language the session asked for"),
]

# Display names where the slug's title case would be wrong.
_DISPLAY = {
    "alpha-ess": "AlphaESS", "apsystems": "APsystems", "ctc": "CTC", "dewarmte": "DeWarmte",
    "fox-ess": "FoxESS", "goodwe": "GoodWe", "ivt": "IVT", "ja-solar": "JA Solar",
    "jinkosolar": "JinkoSolar", "lg": "LG", "saj": "SAJ", "sma": "SMA", "solaredge": "SolarEdge",
    "sunpower": "SunPower", "trinasolar": "Trina Solar",
}


def display_name(slug: str) -> str:
    """A brand's name as people write it (``saunier-duval`` -> ``Saunier Duval``)."""
    return _DISPLAY.get(slug) or " ".join(part.capitalize() for part in slug.split("-"))


@dataclass
class Grant:
    """What a brand sign-in grants NOX: the account's device, for one NOX session."""

    code: str
    session: str
    brand: str
    username: str
    device_id: str
    used: bool = False


@dataclass
class BrandState:
    codes: dict[str, Grant] = field(default_factory=dict)


def _state(world: World) -> BrandState:
    found = world.state.get("brands")
    if not isinstance(found, BrandState):
        found = world.state["brands"] = BrandState()
    return found


def redeem_code(world: World, code: str | None, session: str | None) -> Grant | None:
    """The grant behind ``code`` if it was issued for ``session`` (any session when None)
    and is unused; marks it used. NOX calls this on the brand page's return."""
    if not code:
        return None
    grant = _state(world).codes.get(code)
    if grant is None or grant.used or (session is not None and grant.session != session):
        return None
    grant.used = True
    return grant


TEXT: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Sign in to {brand}",
        "intro": "NOX Energy asks for access to your {brand} device. Sign in with your {brand} account.",
        "username": "Username",
        "password": "Password",
        "terms": "I accept the {brand} terms of service",
        "submit": "Authorize",
        "bad_credentials": "Wrong username or password.",
        "terms_required": "Accept the {brand} terms of service to continue.",
        "no_session": "This sign-in page was opened without a NOX Energy session. "
                      "Start again from your energy supplier's app.",
    },
    "nl": {
        "heading": "Aanmelden bij {brand}",
        "intro": "NOX Energy vraagt toegang tot je {brand}-toestel. Meld je aan met je {brand}-account.",
        "username": "Gebruikersnaam",
        "password": "Wachtwoord",
        "terms": "Ik aanvaard de gebruiksvoorwaarden van {brand}",
        "submit": "Toestaan",
        "bad_credentials": "Verkeerde gebruikersnaam of wachtwoord.",
        "terms_required": "Aanvaard de gebruiksvoorwaarden van {brand} om verder te gaan.",
        "no_session": "Deze aanmeldpagina werd geopend zonder NOX Energy-sessie. "
                      "Begin opnieuw vanuit de app van je energieleverancier.",
    },
    "fr": {
        "heading": "Se connecter à {brand}",
        "intro": "NOX Energy demande l'accès à votre appareil {brand}. Connectez-vous avec votre compte {brand}.",
        "username": "Nom d'utilisateur",
        "password": "Mot de passe",
        "terms": "J'accepte les conditions d'utilisation de {brand}",
        "submit": "Autoriser",
        "bad_credentials": "Nom d'utilisateur ou mot de passe incorrect.",
        "terms_required": "Acceptez les conditions d'utilisation de {brand} pour continuer.",
        "no_session": "Cette page de connexion a été ouverte sans session NOX Energy. "
                      "Recommencez depuis l'application de votre fournisseur d'énergie.",
    },
    "es": {
        "heading": "Iniciar sesión en {brand}",
        "intro": "NOX Energy solicita acceso a tu dispositivo {brand}. Inicia sesión con tu cuenta de {brand}.",
        "username": "Nombre de usuario",
        "password": "Contraseña",
        "terms": "Acepto las condiciones de uso de {brand}",
        "submit": "Autorizar",
        "bad_credentials": "Nombre de usuario o contraseña incorrectos.",
        "terms_required": "Acepta las condiciones de uso de {brand} para continuar.",
        "no_session": "Esta página de inicio de sesión se abrió sin una sesión de NOX Energy. "
                      "Vuelve a empezar desde la app de tu proveedor de energía.",
    },
}


async def _read_form(request: Request) -> dict[str, str]:
    """A URL-encoded form body (first value wins); empty when unreadable or too large."""
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
        form.setdefault(key, value[:MAX_FIELD])
    return form


def build_app(world: World) -> Starlette:
    state = world.state["brands"] = BrandState()
    seed = world.seed

    def language(value: str | None) -> str:
        if world.faulty("brand-ignores-language"):
            return "en"
        return value if value in LANGUAGES else "nl"

    def sign_in_page(brand: str, session: str, lang: str, username: str = "", error: str = "",
                     status: int = 200) -> HTMLResponse:
        name = display_name(brand)
        text = {key: value.format(brand=name) for key, value in TEXT[lang].items()}
        alert = f'<p role="alert" data-testid="brand-error">{esc(error)}</p>' if error else ""
        terms = ""
        if brand in TERMS_BRANDS:
            terms = f"""<p><input type="checkbox" id="accept_terms" name="accept_terms" value="yes"
 data-testid="brand-accept-terms"> <label for="accept_terms" style="display:inline">{esc(text["terms"])}</label></p>"""
        body = f"""<h1>{esc(text["heading"])}</h1>
<p>{esc(text["intro"])}</p>
{alert}
<form data-testid="brand-login" data-brand="{esc(brand)}" method="post" action="/{esc(brand)}/authorize">
<input type="hidden" name="session" value="{esc(session)}">
<input type="hidden" name="language" value="{esc(lang)}">
<label for="username">{esc(text["username"])}</label>
<input type="text" id="username" name="username" autocomplete="username" required value="{esc(username)}"
 data-testid="brand-username">
<label for="password">{esc(text["password"])}</label>
<input type="password" id="password" name="password" autocomplete="current-password" required
 data-testid="brand-password">
{terms}
<button type="submit" data-testid="brand-authorize">{esc(text["submit"])}</button>
</form>"""
        return page(text["heading"], body, lang=lang, status_code=status, party=name)

    def no_session_page(brand: str, lang: str) -> HTMLResponse:
        text = TEXT[lang]
        body = f'<h1>{esc(display_name(brand))}</h1>\n<p role="alert" data-testid="brand-error">{esc(text["no_session"])}</p>'
        return page(display_name(brand), body, lang=lang, status_code=400, party=display_name(brand))

    def known_brand(request: Request) -> str:
        brand = request.path_params["brand"]
        if brand not in ALL_BRANDS:
            raise HTTPException(404)
        return brand

    def password_ok(given: str) -> bool:
        if world.faulty("brand-accepts-any-password"):
            return True
        return hmac.compare_digest(given.encode(), seed.secret("BRAND_ACCOUNT_PASSWORD").encode())

    async def authorize(request: Request) -> Response:
        brand = known_brand(request)
        if request.method == "GET":
            lang = language(request.query_params.get("language"))
            session = request.query_params.get("session", "")[:MAX_FIELD]
            if not session:
                return no_session_page(brand, lang)
            return sign_in_page(brand, session, lang)
        form = await _read_form(request)
        lang = language(form.get("language"))
        session = form.get("session", "")
        if not session:
            return no_session_page(brand, lang)
        username = form.get("username", "")
        account = seed.brand_account(username)
        if account is None or account.brand != brand or not password_ok(form.get("password", "")):
            return sign_in_page(brand, session, lang, username, TEXT[lang]["bad_credentials"], 401)
        if brand in TERMS_BRANDS and form.get("accept_terms") != "yes" and not world.faulty("brand-terms-not-required"):
            error = TEXT[lang]["terms_required"].format(brand=display_name(brand))
            return sign_in_page(brand, session, lang, username, error, 400)
        code = secrets.token_urlsafe(24)
        state.codes[code] = Grant(code, session, brand, account.username, account.device_id)
        query = urlencode({"session": session, "code": code})
        return RedirectResponse(f"{world.urls.nox}/ui/brand-return?{query}", status_code=303)

    async def home(request: Request) -> Response:
        body = "<h1>Manufacturer sign-in pages</h1>\n<p>NOX Energy opens these pages while you link a device.</p>"
        return page("Manufacturer sign-in", body, party=PARTY)

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: "There is no such page.", 405: "This page cannot be used that way."}.get(
            status, "Something went wrong.")
        body = f'<h1>Not available</h1>\n<p role="alert" data-testid="page-error">{esc(message)}</p>'
        response = page("Not available", body, status_code=status, party=PARTY)
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        return response

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/{brand}/authorize", authorize, methods=["GET", "POST"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
