"""``GET /portal``: open the signed-in customer's Nomos portal through a fresh magic link
minted server-side (vendor-docs/nomos-portal-sso.md, ``requireAuth``).

``?next=`` is set on the link only for a path (``/...``, not ``//``, no backslash, no
control characters); anything else is ignored, so the portal applies its default.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import login_redirect, partner, safe_path, with_query
from sandbox.parties.partner_app.vendors import mint
from sandbox.web import UpstreamError

FAULTS: list[Fault] = [
    Fault("partner-portal-without-signin", ("SSO-16",),
          "a visitor who is not signed in who opens /portal is sent into someone's energy account"),
    Fault("partner-reuses-link", ("SSO-17",),
          "a second click on 'Open energy account' reuses the first, already used, magic link"),
    Fault("partner-leaks-nomos-token", ("SSO-18",),
          "the partner app sets a browser cookie holding its Nomos access token"),
    Fault("partner-mints-with-wrong-customer", ("SSO-01", "SSO-07"),
          "'Open energy account' opens another customer's account"),
    Fault("partner-portal-for-last-sign-in", ("SEC-10",),
          "with two users signed in at once, 'Open energy account' opens the account of whoever signed in last"),
]


async def portal(request: Request) -> Response:
    p = partner(request)
    world, state, seed = p.world, p.state, p.seed
    user = p.current_user(request)
    if user is None:
        if not world.faulty("partner-portal-without-signin"):
            return login_redirect(request)
        # Regression: the handler lost requireAuth and falls back to a "current user".
        user = p.users_by_id().get(state.last_user or "") or seed.partner_users[0]
    if world.faulty("partner-portal-for-last-sign-in"):
        user = p.last_signed_in(user)
    customer_id = user.nomos_customer_id
    if world.faulty("partner-mints-with-wrong-customer"):
        others = [u for u in seed.partner_users if u.id != user.id]
        customer_id = others[0].nomos_customer_id if others else customer_id
    if world.faulty("partner-reuses-link") and user.id in state.first_links:
        return RedirectResponse(state.first_links[user.id], status_code=303)
    try:
        link = await mint(p, customer_id)
    except UpstreamError:
        return p.error_page(
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
