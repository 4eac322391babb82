"""The Authenticator UI of the supplier-initiated flow:

- the brand picker (brands of the session's asset type), or straight on to a
  pre-selected brand;
- ``GET /ui/brands/{slug}?token=``: opens the brand's sign-in page (the brand party);
- ``GET /ui/brand-return?session=&code=``: the brand page's return. NOX exchanges the
  code with the brand party over HTTP (``POST {brands}/oauth/token``, bound to this
  session), completes the session and redirects to
  ``redirect_url?data=<base64url JSON, no padding>``.

The other reading (``world.other``): the brand split and the brand picker's markup (a
button per brand, last to first) differ, and a brand's sign-in page is served at the
link itself (NOX fetches it from the brand party and shows it) instead of being reached
by a redirect.

Linking (SUP-13/14): NOX keeps, per supplier, one NOX user per ``supplier_user_id``.
Re-linking keeps its ``nox_user_id`` and replaces its devices with the new account's
device; a device moves to the last supplier user that linked it, and a supplier user
left without devices is dropped ("only the last user will exist on our side").
"""

from __future__ import annotations

import base64
import json
import secrets
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.nox.pages import open_session, refusal, session_error
from sandbox.parties.nox.state import PARTY, LinkSession, Nox, NoxUser, nox, with_query
from sandbox.parties.nox.texts import texts
from sandbox.seed import ALL_BRANDS, brand_split, display_name
from sandbox.web import UpstreamError, esc, json_object, page, send

FAULTS: list[Fault] = [
    Fault("nox-ui-shows-all-brands", ("SUP-09",),
          "the brand picker lists the brands of both asset types"),
    Fault("nox-ui-offers-stray-brand", ("SEC-13",),
          "the brand picker also offers one brand of the other asset type (none the scenarios sign in with)"),
    Fault("nox-ui-ignores-preselected-brand", ("SUP-09",),
          "a session with a pre-selected brand still shows the brand picker"),
    Fault("nox-no-data-on-callback", ("SUP-10",),
          "after the brand sign-in the user lands on redirect_url without a data parameter"),
    Fault("nox-callback-padded-base64", ("SUP-11",),
          "the callback's data is standard base64 with padding instead of base64url without padding"),
    Fault("nox-callback-wrong-supplier-user", ("SUP-11",),
          "the callback's supplier_user_id is not the session's user_id"),
    Fault("nox-relink-new-user", ("SUP-13",),
          "re-linking with the same supplier_user_id gets a new nox_user_id"),
    Fault("nox-brand-code-any-session", ("SUP-10", "SUP-11"),
          "a brand sign-in code issued for one link session completes another one (a grafted device)"),
]


def encode_data(payload: dict[str, Any], *, padded: bool = False) -> str:
    raw = json.dumps(payload, separators=(",", ":")).encode()
    if padded:
        # The regression: standard base64 with padding (a newline keeps padding visible).
        return base64.b64encode(raw if len(raw) % 3 else raw + b"\n").decode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def brand_page_url(n: Nox, session: LinkSession, brand: str, lang: str) -> str:
    return f"{n.world.urls.brands}/{brand}/authorize?{urlencode({'session': session.token, 'language': lang})}"


def offered(n: Nox, session: LinkSession) -> tuple[str, ...]:
    """The brands NOX offers for the session's asset type."""
    return brand_split(n.world.variant)[session.asset_type or "hp"]


def brand_picker(n: Nox, session: LinkSession, lang: str) -> HTMLResponse:
    text = texts(lang)
    asset_type = session.asset_type or "hp"
    brands = ALL_BRANDS if n.world.faulty("nox-ui-shows-all-brands") else offered(n, session)
    if n.world.faulty("nox-ui-offers-stray-brand"):  # a stale entry of the other type's list
        brands = (*brands, brand_split(n.world.variant)["pv" if asset_type == "hp" else "hp"][-1])
    token = urlencode({"token": session.token})
    options = "\n".join(
        f'<li><a data-testid="brand-option-{esc(slug)}" href="/ui/brands/{esc(slug)}?{esc(token)}">'
        f"{esc(display_name(slug))}</a></li>"
        for slug in brands
    )
    if n.world.other:
        options = "\n".join(
            f'<li><form method="get" action="/ui/brands/{esc(slug)}"><input type="hidden" name="token" '
            f'value="{esc(session.token)}"><button type="submit" data-testid="brand-option-{esc(slug)}">'
            f"{esc(display_name(slug))}</button></form></li>"
            for slug in reversed(brands)
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


async def open_brand_page(n: Nox, session: LinkSession, brand: str, lang: str) -> Response:
    """The brand's sign-in page: a redirect there, or (the other reading) the page itself,
    served here as the brand party serves it."""
    url = brand_page_url(n, session, brand, lang)
    if not n.world.other:
        return RedirectResponse(url, status_code=303)
    try:
        fetched = await send("GET", url)
    except UpstreamError:
        return session_error("invalid", lang, True)
    return HTMLResponse(fetched.text, status_code=fetched.status_code)


async def start(n: Nox, session: LinkSession, lang: str) -> Response:
    """Where a supplier session's ``link_url`` leads: the picker, or the pre-selected brand."""
    if session.brand and not n.world.faulty("nox-ui-ignores-preselected-brand"):
        return await open_brand_page(n, session, session.brand, lang)
    return brand_picker(n, session, lang)


async def choose_brand(request: Request) -> Response:
    n = nox(request)
    session, lang, refused = open_session(n, request, "token", "supplier")
    if refused or session is None:
        return refused or session_error("invalid", lang, n.world.other)
    slug = request.path_params["slug"]
    if slug not in offered(n, session):
        return session_error("invalid", lang, n.world.other)
    return await open_brand_page(n, session, slug, lang)


def link_devices(n: Nox, session: LinkSession, brand: str, device_id: str) -> str:
    """Record the link (SUP-13, SUP-14) and return the supplier user's nox_user_id."""
    users = n.state.supplier_users.setdefault(session.holder, {})
    existing = users.get(session.user_id)
    if existing is not None and not n.world.faulty("nox-relink-new-user"):
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


async def exchange_code(n: Nox, code: str | None, session: LinkSession) -> tuple[str, str] | None:
    """``(brand, device_id)`` the brand party grants for ``code``, or None when refused.

    The code is bound to the session it was issued for: NOX sends that session along,
    and the brand party refuses a code of another session (unless the fault drops it)."""
    if not code:
        return None
    form = {"grant_type": "authorization_code", "code": code}
    if not n.world.faulty("nox-brand-code-any-session"):
        form["session"] = session.token
    try:
        response = await send("POST", f"{n.world.urls.brands}/oauth/token", data=form)
    except UpstreamError:
        return None
    grant = json_object(response)
    if response.status_code != 200 or grant is None:
        return None
    brand, device_id = grant.get("brand"), grant.get("device_id")
    if not isinstance(brand, str) or not isinstance(device_id, str):
        return None
    return brand, device_id


async def brand_return(request: Request) -> Response:
    n = nox(request)
    session, lang, refused = open_session(n, request, "session", "supplier")
    if refused or session is None:
        return refused or session_error("invalid", lang, n.world.other)
    grant = await exchange_code(n, request.query_params.get("code"), session)
    if grant is None or grant[0] not in offered(n, session):
        return session_error("invalid", lang, n.world.other)
    reason = refusal(n, session)  # another request may have completed it meanwhile
    if reason:
        return session_error(reason, lang, n.world.other)
    brand, device_id = grant
    now = n.world.clock.now()
    nox_user_id = link_devices(n, session, brand, device_id)
    session.completed_at = now
    payload = {
        "nox_user_id": nox_user_id,
        "supplier_user_id": nox_user_id if n.world.faulty("nox-callback-wrong-supplier-user") else session.user_id,
        "brand": brand,
        "device_ids": [device_id],
        "connected_at": now,
    }
    if n.world.faulty("nox-no-data-on-callback"):
        return RedirectResponse(session.redirect_url, status_code=303)
    data = encode_data(payload, padded=n.world.faulty("nox-callback-padded-base64"))
    return RedirectResponse(with_query(session.redirect_url, data=data), status_code=303)
