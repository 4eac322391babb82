"""The manufacturers' OAuth sign-in pages that NOX's Authenticator UI opens ("brand pages").

One origin serves every brand at ``/{brand}/authorize?session=<NOX link token>&language=``
(sandbox/README.md, supplier-initiated link). The page asks for the brand account's
username and password and, for the brands in ``sandbox.seed.terms_brands``, for the
manufacturer's terms of service. On success it issues a one-time authorization code for
that NOX session and sends the browser back to
``{nox}/ui/brand-return?session=<token>&code=<code>``. NOX exchanges the code over
HTTP: ``POST /oauth/token`` (form: ``grant_type=authorization_code``, ``code``,
``session``) answers ``{"brand", "username", "device_id", "session"}`` or 400
``{"error": "invalid_grant"}``.

Assumptions (the vendor documents no brand page; these are the sandbox's choices):
- A code is bound to the session it was issued for and works once: an exchange naming
  another session is refused (and leaves the code unused); one naming no session is
  not checked, as an OAuth token endpoint skips a ``redirect_uri`` check the client
  leaves out. A code has no lifetime of its own: the brand page does not decide about
  the NOX session's expiry, NOX does. The exchange needs no client credentials (the
  sandbox's brands trust their one client, NOX).
- The page's language comes from ``language`` (``nl``, ``en``, ``fr``, ``es``; anything
  else is ``nl``, NOX's default). The fields are labelled in that language.
- The page needs a ``session`` to sign in for; without one it shows an error (400).
- Wrong username or password: 401; terms not accepted: 400; both re-render the form
  with a ``role="alert"`` message. Unknown brand slug: 404 page.
- Form bodies are URL-encoded (plain HTML forms); anything else reads as an empty form.
- The other reading (``world.other``): more brands ask for their terms, and the form
  posts to its absolute address, because NOX serves the page at its own link.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.seed import ALL_BRANDS, LANGUAGES, display_name, terms_brands
from sandbox.web import esc, html_errors, json_response, page, read_form
from sandbox.world import World

PARTY = "Manufacturer sign-in"
MAX_FORM_BYTES = 16_384
MAX_FIELD = 512

FAULTS: list[Fault] = [
    Fault("brand-terms-not-required", ("SUP-10",),
          "a brand that asks for its terms of service signs the user in without them being accepted"),
    Fault("brand-accepts-any-password", ("SUP-10",),
          "a brand account signs in with any password"),
    Fault("brand-terms-only-in-browser", ("SEC-11",),
          "a brand's terms box is required in the page, and its server no longer checks it was accepted"),
    Fault("brand-ignores-language", ("SUP-08",),
          "the manufacturer's sign-in page is always in English, whatever language the session asked for"),
]

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


def build_app(world: World) -> Starlette:
    state = world.state["brands"] = BrandState()
    seed = world.seed
    asks_terms = terms_brands(world.variant)
    form_origin = world.urls.brands if world.other else ""

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
        if brand in asks_terms:
            required = " required" if world.faulty("brand-terms-only-in-browser") else ""
            terms = f"""<p><input type="checkbox" id="accept_terms" name="accept_terms" value="yes"{required}
 data-testid="brand-accept-terms"> <label for="accept_terms" style="display:inline">{esc(text["terms"])}</label></p>"""
        body = f"""<h1>{esc(text["heading"])}</h1>
<p>{esc(text["intro"])}</p>
{alert}
<form data-testid="brand-login" data-brand="{esc(brand)}" method="post" action="{esc(form_origin)}/{esc(brand)}/authorize">
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
        form = await read_form(request, MAX_FORM_BYTES, MAX_FIELD)
        lang = language(form.get("language"))
        session = form.get("session", "")
        if not session:
            return no_session_page(brand, lang)
        username = form.get("username", "")
        account = seed.brand_account(username)
        if account is None or account.brand != brand or not password_ok(form.get("password", "")):
            return sign_in_page(brand, session, lang, username, TEXT[lang]["bad_credentials"], 401)
        trusts_browser = world.faulty("brand-terms-not-required") or world.faulty("brand-terms-only-in-browser")
        if brand in asks_terms and form.get("accept_terms") != "yes" and not trusts_browser:
            error = TEXT[lang]["terms_required"].format(brand=display_name(brand))
            return sign_in_page(brand, session, lang, username, error, 400)
        code = secrets.token_urlsafe(24)
        state.codes[code] = Grant(code, session, brand, account.username, account.device_id)
        query = urlencode({"session": session, "code": code})
        return RedirectResponse(f"{world.urls.nox}/ui/brand-return?{query}", status_code=303)

    async def token(request: Request) -> JSONResponse:
        """NOX redeems a sign-in code for the account's device (once, for its session)."""
        form = await read_form(request, MAX_FORM_BYTES, MAX_FIELD)
        grant = state.codes.get(form.get("code", ""))
        bound = form.get("session")
        if form.get("grant_type") != "authorization_code" or grant is None or grant.used or (
                bound is not None and grant.session != bound):
            return json_response({"error": "invalid_grant", "message": "The code is unknown, used or of "
                                  "another session."}, 400)
        grant.used = True
        return json_response({"brand": grant.brand, "username": grant.username, "device_id": grant.device_id,
                              "session": grant.session})

    async def home(request: Request) -> Response:
        body = "<h1>Manufacturer sign-in pages</h1>\n<p>NOX Energy opens these pages while you link a device.</p>"
        return page("Manufacturer sign-in", body, party=PARTY)

    def error(request: Request, status: int, message: str) -> Response:
        body = f'<h1>Not available</h1>\n<p role="alert" data-testid="page-error">{esc(message)}</p>'
        return page("Not available", body, status_code=status, party=PARTY)

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/oauth/token", token, methods=["POST"]),
            Route("/{brand}/authorize", authorize, methods=["GET", "POST"]),
        ],
        exception_handlers={HTTPException: html_errors(error)},
    )
