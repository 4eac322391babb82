"""The Authenticator UI of the manufacturer-initiated flow:

- the energy-supplier selector (this partner and the seed's other suppliers);
- ``GET /ui/suppliers/{slug}?token=``: starts an authentication session (``state``, 15
  minutes) and opens the supplier's OAuth page ``{partner_app}/oauth/nox``. Other
  suppliers have no OAuth page in the sandbox: a page says so (``supplier-unavailable``);
- ``GET /ui/supplier-return?state=``: back from the supplier; redirects to the
  manufacturer's ``redirect_url`` with ``status=success`` or
  ``status=error&reason=expired|invalid|denied``. ``invalid``: an unknown state (sent to
  the manufacturer's registered redirect URL: an unknown state names no session; the
  sandbox has one manufacturer) or a state already returned; ``expired``: past 15
  minutes; ``denied``: the supplier never confirmed the user. On success the
  manufacturer link session is completed.

The other reading (``world.other``): the 15 minutes count from the creation of the
manufacturer's link session, not from the choice of the supplier; the partner is listed
last; the supplier's page gets ``language`` before ``state``; the way back names the
state in its path (``/ui/supplier-return/{state}``, ``manufacturer_api``).
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.nox.pages import open_session, session_error
from sandbox.parties.nox.state import PARTY, AuthSession, LinkSession, Nox, new_token, nox, with_query
from sandbox.parties.nox.texts import texts
from sandbox.web import esc, page

FAULTS: list[Fault] = [
    Fault("nox-supplier-missing-from-selector", ("MAN-02",),
          "the energy-supplier selector does not list this partner"),
    Fault("nox-supplier-return-skips-confirmation", ("MAN-04",),
          "the manufacturer is told the link succeeded although the supplier never shared its user"),
    Fault("nox-state-per-user", ("SEC-12",),
          "the sign-in session (OAuth state) is derived from the manufacturer's user: every linking of one user "
          "gets the same one"),
    Fault("nox-manufacturer-not-told", ("MAN-05",),
          "after a successful supplier sign-in the manufacturer app is sent status=error"),
]


def suppliers(n: Nox) -> list[tuple[str, str]]:
    listed = [(n.seed.supplier.slug, n.seed.supplier.name), *n.seed.other_suppliers]
    if n.world.other:
        listed = [*n.seed.other_suppliers, (n.seed.supplier.slug, n.seed.supplier.name)]
    if n.world.faulty("nox-supplier-missing-from-selector"):
        listed = [(slug, name) for slug, name in listed if slug != n.seed.supplier.slug]
    return listed


def supplier_picker(n: Nox, session: LinkSession, lang: str) -> HTMLResponse:
    text = texts(lang)
    token = urlencode({"token": session.token})
    options = "\n".join(
        f'<li><a data-testid="supplier-option-{esc(slug)}" href="/ui/suppliers/{esc(slug)}?{esc(token)}">'
        f"{esc(name)}</a></li>"
        for slug, name in suppliers(n)
    )
    body = f"""<section data-testid="supplier-picker">
<h1>{esc(text["supplier_heading"])}</h1>
<p>{esc(text["supplier_intro"].format(brand=session.brand or ""))}</p>
<ul class="options">
{options}
</ul>
</section>"""
    return page(text["supplier_heading"], body, lang=lang, party=PARTY)


def unavailable(session: LinkSession, slug: str, name: str, lang: str) -> HTMLResponse:
    text = texts(lang)
    back = f"/ui?{urlencode({'token': session.token, 'language': lang})}"
    body = f"""<section data-testid="supplier-unavailable" data-supplier="{esc(slug)}">
<h1>{esc(text["unavailable_heading"].format(supplier=name))}</h1>
<p>{esc(text["unavailable_text"].format(supplier=name))}</p>
<p><a class="button" href="{esc(back)}">{esc(text["back"])}</a></p>
</section>"""
    return page(text["unavailable_heading"].format(supplier=name), body, lang=lang, party=PARTY)


async def choose_supplier(request: Request) -> Response:
    n = nox(request)
    session, lang, refused = open_session(n, request, "token", "manufacturer")
    if refused or session is None:
        return refused or session_error("invalid", lang, n.world.other)
    slug = request.path_params["slug"]
    listed = dict(suppliers(n))
    if slug not in listed:
        return session_error("invalid", lang, n.world.other)
    if slug != n.seed.supplier.slug:
        return unavailable(session, slug, listed[slug], lang)
    started = session.created_at if n.world.other else n.world.clock.now()
    state = new_token()
    if n.world.faulty("nox-state-per-user"):
        state = hashlib.sha256(f"{session.holder}:{session.user_id}".encode()).hexdigest()
    auth = AuthSession(state, session.token, n.seed.supplier.name, started)
    n.state.auth_sessions[auth.state] = auth
    query = urlencode({"state": auth.state, "language": lang})
    if n.world.other:
        query = urlencode({"language": lang, "state": auth.state})
    return RedirectResponse(f"{n.world.urls.partner_app}/oauth/nox?{query}", status_code=303)


async def supplier_return(request: Request) -> Response:
    n = nox(request)
    world = n.world
    auth = n.state.auth_sessions.get(request.path_params.get("state") or request.query_params.get("state", ""))
    if auth is None:
        fallback = f"{world.urls.manufacturer_app}{n.seed.manufacturer.allowed_redirect_paths[0]}"
        return RedirectResponse(with_query(fallback, status="error", reason="invalid"), status_code=303)
    link = n.state.sessions[auth.link_token]

    def back(**params: str) -> Response:
        return RedirectResponse(with_query(link.redirect_url, **params), status_code=303)

    if auth.returned:
        return back(status="error", reason="invalid")
    if n.auth_expired(auth):
        return back(status="error", reason="expired")
    if auth.supplier_user_id is None and not world.faulty("nox-supplier-return-skips-confirmation"):
        return back(status="error", reason="denied")
    auth.returned = True
    link.completed_at = world.clock.now()
    if world.faulty("nox-manufacturer-not-told"):
        return back(status="error", reason="denied")
    return back(status="success")
