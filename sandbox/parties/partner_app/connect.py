"""``GET /connect/{hp,pv}``: create a NOX supplier link session for the signed-in user and
send the browser to its ``link_url`` (vendor-docs/nox-energy-supplier-integration.txt §1).

The sandbox's own query parameters ``language`` and ``brand`` are passed on to NOX
(interfaces.md names only ``GET /connect/{asset_type}``, so the suite may not rely on
them on any target; no fault breaks them). Which ``supplier_user_id`` the backend hands
NOX is not visible to a supplier either (like SUP-14): no fault there.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import partner, signed_in
from sandbox.parties.partner_app.vendors import UpstreamRefused, create_link_session
from sandbox.seed import LANGUAGES, PartnerUser
from sandbox.web import UpstreamError

ASSET_TYPES = ("hp", "pv")
MAX_BRAND_QUERY = 100

FAULTS: list[Fault] = [
    Fault("partner-connect-wrong-asset-type", ("SUP-01", "SUP-09"),
          "'Connect heat pump' offers solar inverter brands, and the other way round"),
    Fault("partner-connect-for-last-sign-in", ("SEC-10",),
          "with two users signed in at once, 'Connect' starts the link session for whoever signed in last"),
]


def known_asset_type(request: Request) -> str:
    asset_type = str(request.path_params["asset_type"])
    if asset_type not in ASSET_TYPES:
        raise HTTPException(404)
    return asset_type


async def connect(request: Request) -> Response:
    known_asset_type(request)  # an unknown type is a 404 even for a visitor
    return await _connect(request)


@signed_in
async def _connect(request: Request, user: PartnerUser) -> Response:
    p = partner(request)
    asset_type = known_asset_type(request)
    if p.world.faulty("partner-connect-wrong-asset-type"):
        asset_type = "pv" if asset_type == "hp" else "hp"
    if p.world.faulty("partner-connect-for-last-sign-in"):
        user = p.last_signed_in(user)
    body: dict[str, str] = {
        "user_id": user.id,
        "asset_type": asset_type,
        "redirect_url": f"{p.world.urls.partner_app}/callback",
    }
    language = request.query_params.get("language")
    if language in LANGUAGES:
        body["language"] = language
    brand = request.query_params.get("brand")
    if brand:
        if len(brand) > MAX_BRAND_QUERY:
            return p.error_page("Cannot connect", "connect-error", "That brand name is not valid.", 400)
        body["brand"] = brand
    try:
        link_url = await create_link_session(p, body)
    except UpstreamRefused as refused:
        return p.error_page(
            "Cannot connect", "connect-error",
            f"NOX Energy could not start linking this device: {refused.message}", 400,
        )
    except UpstreamError:
        return p.error_page(
            "Cannot connect", "connect-error",
            "We could not reach NOX Energy to link your device. Please try again in a few minutes.", 502,
        )
    return RedirectResponse(link_url, status_code=303)
