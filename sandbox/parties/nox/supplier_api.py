"""``POST /v2/supplier/link-sessions``: a supplier's link session (201;
vendor-docs/nox-create-supplier-link-session.txt). Which brand belongs to which asset
type: ``sandbox.seed.brand_split`` (one split per reading); ``brand: null`` means no
pre-selected brand.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sandbox.faults import Fault
from sandbox.parties.nox.state import SESSION_LIFETIME, LinkSession, new_token, nox
from sandbox.parties.nox.validation import (
    Invalid,
    allowed,
    holder_of,
    language_field,
    read_body,
    text_field,
    unauthorized,
    url_field,
)
from sandbox.seed import ALL_BRANDS, ApiClient, brand_split
from sandbox.web import json_response
from sandbox.world import World

FAULTS: list[Fault] = [
    Fault("nox-link-token-short", ("SEC-12",),
          "link tokens are 8 hex characters (32 bits): a link session can be guessed"),
    Fault("nox-auth-not-enforced", ("SUP-02", "CON-01"),
          "link sessions are created without an x-api-key or with a wrong one"),
    Fault("nox-brand-asset-mismatch-accepted", ("SUP-04",),
          "a brand of the other asset type (a PV brand for a heat pump) is accepted"),
    Fault("nox-redirect-not-allowlisted", ("SUP-05",),
          "any redirect_url is accepted, so NOX would send the user's link data to any site"),
    Fault("nox-non-ascii-mangled", ("SEC-20",),
          "a user_id with letters beyond ASCII comes back with each of them replaced by '?'"),
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
]


def session_fields(body: dict[str, Any], world: World, supplier: ApiClient
                   ) -> tuple[str, str, str, str | None, str]:
    """``(user_id, asset_type, redirect_url, brand, language)`` of a valid request body."""
    user_id = text_field(body, "user_id")
    split = brand_split(world.variant)
    asset_type = body.get("asset_type")
    if asset_type is None:
        raise Invalid("'asset_type' is required.")
    if not isinstance(asset_type, str) or asset_type not in split:
        raise Invalid("'asset_type' must be one of hp, pv.", structural=not isinstance(asset_type, str))
    redirect_url = url_field(body, "redirect_url")
    brand = body.get("brand")
    if brand is not None:
        if brand not in ALL_BRANDS:
            raise Invalid("'brand' must be one of the documented brands or null.", structural=not isinstance(brand, str))
        if brand not in split[asset_type] and not world.faulty("nox-brand-asset-mismatch-accepted"):
            raise Invalid(f"'brand' {brand} is not a valid brand for asset_type {asset_type}.")
    language = language_field(body, world)
    if not allowed(redirect_url, world.urls.partner_app, supplier.allowed_redirect_paths) and not world.faulty(
            "nox-redirect-not-allowlisted"):
        raise Invalid("'redirect_url' is not one of the supplier's allowed redirect URLs.")
    return user_id, asset_type, redirect_url, brand, language


async def create_supplier_session(request: Request) -> Response:
    n = nox(request)
    world, seed = n.world, n.seed
    supplier = holder_of(request, seed.supplier, world)
    if supplier is None:
        if not world.faulty("nox-auth-not-enforced"):
            return unauthorized("supplier")
        supplier = seed.supplier
    fields = await read_body(request, world, lambda body: session_fields(body, n.world, supplier))
    if isinstance(fields, Response):
        return fields
    user_id, asset_type, redirect_url, brand, language = fields

    now = world.clock.now()
    lifetime = world.lifetime(900 if world.faulty("nox-expires-at-off") else SESSION_LIFETIME)
    token = secrets.token_hex(4) if world.faulty("nox-link-token-short") else new_token()
    session = LinkSession(token, "supplier", supplier.name, user_id, redirect_url, language, now, now + lifetime,
                          asset_type=asset_type, brand=brand)
    n.state.sessions[token] = session
    answer: dict[str, Any] = {
        "link_url": n.link_url(token, language),
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
    if world.faulty("nox-non-ascii-mangled"):
        answer["supplier_user_id"] = user_id.encode("ascii", "replace").decode()
    if world.faulty("nox-supplier-user-id-not-echoed"):
        answer["supplier_user_id"] = f"sup_{token[:12]}"
    if world.faulty("nox-completed-at-set"):
        answer["completed_at"] = now
    if world.faulty("nox-response-field-missing"):
        del answer["asset_type"]
    return json_response(answer, 200 if world.faulty("nox-wrong-status-on-create") else 201)
