"""Sign-in, sign-out and the home page of the partner app.

Sign-in follows ``next`` only to a path on this origin (:func:`safe_path`); each
sign-in gets a new session (HttpOnly, SameSite=Lax); sessions do not expire (the suite
moves the test clock by hours). Home lists the user's stored devices (interfaces.md §1)
as the devices page does.
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import (
    MAX_EMAIL,
    MAX_FORM_BYTES,
    PARTY,
    SESSION_COOKIE,
    Partner,
    partner,
    safe_path,
    signed_in_home,
)
from sandbox.parties.partner_app.devices import device_rows
from sandbox.parties.partner_app.vendors import nomos_token
from sandbox.seed import PartnerUser
from sandbox.web import UpstreamError, alert, esc, page, read_form

FAULTS: list[Fault] = [
    Fault("partner-leaks-token-in-page", ("SSO-18",),
          "the partner home page carries the Nomos access token in a hidden form field"),
    Fault("partner-session-cookie-without-samesite", ("SEC-07",),
          "the partner app's session cookie is set without SameSite: other websites' requests carry it"),
    Fault("partner-signout-keeps-session", ("SEC-08",),
          "'Sign out' only shows the sign-in page: the session and its cookie stay, a later visit is signed in"),
    Fault("partner-home-cacheable", ("SEC-21",),
          "the signed-in home page may be kept in caches (no 'no-store'): the next user of a shared computer sees it"),
    Fault("partner-sign-in-without-password", ("SEC-11",),
          "a sign-in with the password left empty is accepted: the server relied on the form's required field"),
]


def sign_in_page(p: Partner, next_path: str | None, email: str = "", error: str = "",
                 status: int = 200) -> HTMLResponse:
    hidden = f'<input type="hidden" name="next" value="{esc(next_path)}">' if next_path else ""
    body = f"""<h1>Sign in to {esc(p.supplier_name)}</h1>
{alert("login-error", error, "div") if error else ""}
<form data-testid="partner-login" method="post" action="/login">
{hidden}
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="{esc(email)}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" data-testid="partner-login-submit">Sign in</button>
</form>"""
    return page(f"Sign in – {p.supplier_name}", body, party=PARTY, status_code=status)


async def login(request: Request) -> Response:
    p = partner(request)
    if request.method == "GET":
        return sign_in_page(p, safe_path(request.query_params.get("next")))
    form = await read_form(request, MAX_FORM_BYTES)
    next_path = safe_path(form.get("next"))
    email = form.get("email", "")
    user = p.authenticate(email, form.get("password", ""))
    if user is None and not form.get("password") and p.world.faulty("partner-sign-in-without-password"):
        user = p.seed.partner_user(email)
    if user is None:
        return sign_in_page(p, next_path, email[:MAX_EMAIL], "The email address or password is not correct.", 401)
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        p.state.sessions.pop(old, None)
    sid = secrets.token_urlsafe(32)
    p.state.sessions[sid] = user.id
    p.state.last_user = user.id
    response = RedirectResponse(next_path or "/", status_code=303)
    same_site = None if p.world.faulty("partner-session-cookie-without-samesite") else "lax"
    response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite=same_site, path="/")  # type: ignore[arg-type]
    return response


async def logout(request: Request) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if partner(request).world.faulty("partner-signout-keeps-session"):
        return RedirectResponse("/login", status_code=303)
    if sid:
        partner(request).state.sessions.pop(sid, None)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@signed_in_home
async def home(request: Request, user: PartnerUser) -> Response:
    p = partner(request)
    leaked = ""
    if p.world.faulty("partner-leaks-token-in-page"):
        try:  # "prefetch the token so the portal opens faster"
            leaked = f'<input type="hidden" name="nomos_token" value="{esc(await nomos_token(p))}">'
        except UpstreamError:
            leaked = ""
    body = f"""<div data-testid="partner-home">
<h1>Welcome, <span data-testid="partner-user-name">{esc(user.name)}</span></h1>
<p>Your energy, your devices, in one place.</p>
<p><a class="button" data-testid="open-energy-account" href="/portal">Open energy account</a></p>
<h2>Your devices</h2>
<p><a class="button" data-testid="connect-hp" href="/connect/hp">Connect a heat pump</a>
<a class="button" data-testid="connect-pv" href="/connect/pv">Connect solar panels</a></p>
<ul data-testid="devices">
{device_rows(p, user)}</ul>
<p><a href="/devices">See your connected devices</a></p>
<form method="post" action="/logout">{leaked}
<button type="submit" data-testid="partner-sign-out">Sign out</button>
</form>
</div>"""
    cached = {"Cache-Control": "private, max-age=600"} if p.world.faulty("partner-home-cacheable") else None
    return page(f"Home – {p.supplier_name}", body, party=PARTY, headers=cached)
