"""The manufacturer-initiated flow's API:

- ``POST /v2/manufacturer/link-sessions``: a manufacturer's link session (201).
- ``POST /post-login-redirect``: the supplier shares ``supplier_user_id`` after its OAuth
  sign-in (*assumed* shape, interfaces.md §2). It checks, in order: key (401), body
  (400), state unknown or of another supplier (404), already confirmed (409), expired
  (410). It then maps the NOX user of the manufacturer user to
  ``(supplier, supplier_user_id)``. The other reading (``world.other``) refuses every
  unknown, used or expired state alike, as OAuth does: 400 ``invalid_grant``; and its
  ``redirect_url`` names the state in the path.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from sandbox.faults import Fault
from sandbox.parties.nox.state import SESSION_LIFETIME, LinkSession, error, new_token, nox
from sandbox.parties.nox.validation import (
    Invalid,
    allowed,
    holder_of,
    language_field,
    object_body,
    read_body,
    text_field,
    unauthorized,
    url_field,
)
from sandbox.seed import ApiClient
from sandbox.web import json_response
from sandbox.world import World

FAULTS: list[Fault] = [
    Fault("nox-manufacturer-session-broken", ("MAN-01",),
          "the manufacturer's valid API key is refused (401) when it creates a link session"),
    Fault("nox-manufacturer-redirect-not-allowlisted", ("MAN-01",),
          "a manufacturer link session accepts any redirect_url"),
    Fault("nox-post-login-redirect-ignored", ("MAN-04", "MAN-05"),
          "NOX answers the post-login redirect but stores no mapping; the manufacturer app shows an error"),
    Fault("nox-post-login-redirect-no-auth", ("MAN-07",),
          "POST /post-login-redirect works without an x-api-key or with a wrong one"),
    Fault("nox-post-login-state-reusable", ("MAN-07",),
          "POST /post-login-redirect accepts the same state twice and remaps the user"),
]


def session_fields(body: dict[str, Any], world: World, manufacturer: ApiClient) -> tuple[str, str, str]:
    """``(user_id, redirect_url, language)`` of a valid request body."""
    user_id = text_field(body, "user_id")
    redirect_url = url_field(body, "redirect_url")
    language = language_field(body, world)
    if not allowed(redirect_url, world.urls.manufacturer_app, manufacturer.allowed_redirect_paths) and not (
            world.faulty("nox-manufacturer-redirect-not-allowlisted")):
        raise Invalid("'redirect_url' is not one of the manufacturer's allowed redirect URLs.")
    return user_id, redirect_url, language


async def create_manufacturer_session(request: Request) -> Response:
    n = nox(request)
    world = n.world
    manufacturer = holder_of(request, n.seed.manufacturer, world)
    if manufacturer is None or world.faulty("nox-manufacturer-session-broken"):
        return unauthorized("manufacturer")
    fields = await read_body(request, world, lambda body: session_fields(body, world, manufacturer))
    if isinstance(fields, Response):
        return fields
    user_id, redirect_url, language = fields
    now = world.clock.now()
    token = new_token()
    brand = manufacturer.slug.title()
    session = LinkSession(token, "manufacturer", manufacturer.name, user_id, redirect_url, language, now,
                          now + world.lifetime(SESSION_LIFETIME), brand=brand)
    n.state.sessions[token] = session
    return json_response({
        "link_url": n.link_url(token, language),
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


async def post_login_redirect(request: Request) -> Response:
    n = nox(request)
    world, state = n.world, n.state
    supplier = holder_of(request, n.seed.supplier, world)
    if supplier is None:
        if not world.faulty("nox-post-login-redirect-no-auth"):
            return unauthorized("supplier")
        supplier = n.seed.supplier
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

    def refused(status: int, code: str, message: str) -> Response:
        return error(400, "invalid_grant", message) if world.other else error(status, code, message)

    if auth is None or auth.supplier != supplier.name:
        return refused(404, "not_found", "No authentication session has this state.")
    if auth.supplier_user_id is not None and not world.faulty("nox-post-login-state-reusable"):
        return refused(409, "already_used", "This authentication session was already completed.")
    if n.auth_expired(auth):
        return refused(410, "expired", "This authentication session expired (15 minutes after it started).")
    redirect_url = f"{world.urls.nox}/ui/supplier-return?{urlencode({'state': nox_state})}"
    if world.other:
        redirect_url = f"{world.urls.nox}/ui/supplier-return/{quote(nox_state, safe='')}"
    if world.faulty("nox-post-login-redirect-ignored"):
        return json_response({"redirect_url": redirect_url})
    auth.supplier_user_id = supplier_user_id
    link = state.sessions[auth.link_token]
    nox_user_id = state.manufacturer_users.setdefault((link.holder, link.user_id), f"nox_{secrets.token_hex(8)}")
    state.supplier_links[nox_user_id] = (auth.supplier, supplier_user_id)
    return json_response({"redirect_url": redirect_url})
