"""The supplier OAuth page of the manufacturer-initiated flow (§2.1, interfaces.md §2):
``/oauth/nox?state=&language=`` and its terms page ``/terms``.

After sign-in with the terms accepted, the backend tells NOX the supplier user
(``POST /post-login-redirect``) and follows NOX's ``redirect_url``. A 4xx from NOX
shows "expired or no longer valid" with 410 when NOX said 410 (expired), else 400; a 401
(our own key refused), 5xx or network failure shows a "try again later" page (502).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import CONTROL, MAX_EMAIL, MAX_FORM_BYTES, PARTY, Partner, partner, with_query
from sandbox.parties.partner_app.texts import oauth_language, oauth_texts
from sandbox.parties.partner_app.vendors import UpstreamRefused, post_login_redirect
from sandbox.web import UpstreamError, alert, esc, page, read_form

MAX_STATE = 1024

FAULTS: list[Fault] = [
    Fault("partner-oauth-ignores-terms", ("MAN-03",),
          "the supplier sign-in succeeds without accepting the terms and conditions"),
    Fault("partner-oauth-hides-terms", ("MAN-03",),
          "the supplier sign-in page has no link to the terms and conditions"),
    Fault("partner-skips-post-login-redirect", ("MAN-04", "MAN-05"),
          "after the supplier sign-in NOX never learns the supplier user; the manufacturer app shows an error"),
    Fault("partner-oauth-500-on-refused-state", ("MAN-06",),
          "signing in on an expired linking session crashes the partner page with a server error"),
    Fault("partner-oauth-terms-only-in-browser", ("SEC-11",),
          "the terms box is required in the page, and the server no longer checks it was accepted"),
    Fault("partner-oauth-reflects-state", ("SEC-15",),
          "the supplier OAuth page writes the state of its link into its HTML unescaped: a crafted link runs script"),
    Fault("partner-oauth-refusal-in-english", ("SEC-18",),
          "the supplier OAuth page's refusals are in English whatever language NOX asked for"),
]


def oauth_page(p: Partner, nox_state: str, lang: str, email: str = "", error: str = "",
               status: int = 200) -> HTMLResponse:
    text = oauth_texts(lang, p.supplier_name)
    required = " required" if p.world.faulty("partner-oauth-terms-only-in-browser") else ""
    raw_state = nox_state if p.world.faulty("partner-oauth-reflects-state") else esc(nox_state)
    terms_link = "" if p.world.faulty("partner-oauth-hides-terms") else (
        f'<p><a data-testid="terms-link" href="/terms?language={esc(lang)}" target="_blank" '
        f'rel="noopener">{esc(text["terms"])}</a></p>'
    )
    body = f"""<h1>{esc(text["title"])}</h1>
<p>{esc(text["intro"])}</p>
{alert("oauth-error", error, "div") if error else ""}
<form data-testid="supplier-oauth" method="post" action="/oauth/nox">
<input type="hidden" name="state" value="{raw_state}">
<input type="hidden" name="language" value="{esc(lang)}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="{esc(email)}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
{terms_link}
<p><input type="checkbox" id="accept-terms" name="accept_terms" value="yes" data-testid="accept-terms"{required}>
<label for="accept-terms" style="display:inline">{esc(text["accept"])}</label></p>
<button type="submit" data-testid="supplier-oauth-submit">{esc(text["submit"])}</button>
</form>"""
    return page(f"{text['title']} – {p.supplier_name}", body, lang=lang, party=PARTY, status_code=status)


def oauth_error(p: Partner, lang: str, key: str, status: int) -> HTMLResponse:
    if p.world.faulty("partner-oauth-refusal-in-english"):
        lang = "en"
    text = oauth_texts(lang, p.supplier_name)
    return p.error_page(text["title"], "oauth-error", text[key], status, lang)


def valid_state(value: str | None) -> str | None:
    if not value or len(value) > MAX_STATE or CONTROL.search(value):
        return None
    return value


async def oauth_nox(request: Request) -> Response:
    p = partner(request)
    if request.method == "GET":
        lang = oauth_language(request.query_params.get("language"))
        nox_state = valid_state(request.query_params.get("state"))
        if nox_state is None:
            return oauth_error(p, lang, "no_state", 400)
        return oauth_page(p, nox_state, lang)
    form = await read_form(request, MAX_FORM_BYTES)
    lang = oauth_language(form.get("language"))
    nox_state = valid_state(form.get("state"))
    if nox_state is None:
        return oauth_error(p, lang, "no_state", 400)
    email = form.get("email", "")
    user = p.authenticate(email, form.get("password", ""))
    text = oauth_texts(lang, p.supplier_name)
    if user is None:
        return oauth_page(p, nox_state, lang, email[:MAX_EMAIL], text["bad_credentials"], 401)
    trusts_browser = p.world.faulty("partner-oauth-ignores-terms") or p.world.faulty("partner-oauth-terms-only-in-browser")
    if form.get("accept_terms") != "yes" and not trusts_browser:
        return oauth_page(p, nox_state, lang, email[:MAX_EMAIL], text["terms_required"], 400)
    if p.world.faulty("partner-skips-post-login-redirect"):
        # Regression: the browser is sent back to NOX before the backend told it who signed in.
        return RedirectResponse(with_query(f"{p.world.urls.nox}/ui/supplier-return", state=nox_state), 303)
    try:
        redirect_url = await post_login_redirect(p, nox_state, user.id)
    except UpstreamRefused as refused:
        if p.world.faulty("partner-oauth-500-on-refused-state"):
            return PlainTextResponse("Internal Server Error", status_code=500)
        return oauth_error(p, lang, "expired", refused.status)
    except UpstreamError:
        return oauth_error(p, lang, "unavailable", 502)
    return RedirectResponse(redirect_url, status_code=303)


async def terms(request: Request) -> Response:
    lang = oauth_language(request.query_params.get("language"))
    text = oauth_texts(lang, partner(request).supplier_name)
    body = f"""<h1 data-testid="terms">{esc(text["terms_title"])}</h1>
<p>{esc(text["terms_body"])}</p>"""
    return page(text["terms_title"], body, lang=lang, party=PARTY)
