"""The NOX callback (``GET /callback?data=``) and the devices page (``GET /devices``).

``supplier_user_id`` must be the signed-in user's id. A refused callback answers 400
and stores nothing; a signed-out callback goes to sign-in, carrying the callback
address as ``next``. A callback stores the payload's devices as the user's devices of
that brand, replacing earlier ones of the same brand (NOX overwrites the linked device
on a re-link, SUP-13); devices of other brands stay. The other reading
(``world.other``) refuses with 422 and other words.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import PARTY, Partner, partner, signed_in
from sandbox.parties.partner_app.validation import CallbackRefused, check_payload, decode_data
from sandbox.seed import PartnerUser
from sandbox.web import esc, page

FAULTS: list[Fault] = [
    Fault("partner-callback-accepts-foreign-user", ("SUP-16",),
          "a forged or replayed NOX callback made for another user is stored for the signed-in user"),
    Fault("partner-callback-accepts-padded-data", ("SUP-16",),
          "a callback whose data carries base64 padding ('=') is accepted"),
    Fault("partner-callback-500-on-malformed", ("SUP-16",),
          "a malformed callback crashes the partner app with a server error"),
    Fault("partner-callback-stores-before-validating", ("SUP-16",),
          "a refused callback still adds its devices to the user's devices"),
    Fault("partner-callback-drops-devices", ("SUP-15",),
          "after linking, the devices page shows no devices"),
    Fault("partner-callback-keeps-old-devices", ("SUP-13",),
          "after re-linking a brand, the old device is still listed next to the new one"),
    Fault("partner-callback-for-last-sign-in", ("SEC-10",),
          "with two users signed in at once, a callback's devices are stored for whoever signed in last"),
    Fault("partner-refusal-clears-brand", ("SEC-14",),
          "refused link data naming a brand first clears the user's stored devices of that brand"),
    Fault("partner-refusal-stores-for-named-user", ("SEC-14",),
          "link data refused as made for another user is stored for that other user"),
]


def device_rows(p: Partner, user: PartnerUser) -> str:
    """The user's stored devices as list items (``device`` and ``device-brand`` each)."""
    return "".join(
        f'<li><span data-testid="device">{esc(device)}</span> · '
        f'<span data-testid="device-brand">{esc(brand)}</span></li>\n'
        for brand, ids in p.state.devices.get(user.id, {}).items()
        for device in ids
    )


def devices_page(p: Partner, user: PartnerUser, heading: str, note: str = "") -> HTMLResponse:
    rows = device_rows(p, user)
    empty = "" if rows else "<p>No devices connected yet.</p>"
    nox_user = p.state.nox_user_ids.get(user.id)
    nox_line = f'<p>NOX Energy user: <span data-testid="nox-user-id">{esc(nox_user)}</span></p>' if nox_user else ""
    body = f"""<h1>{esc(heading)}</h1>
{f"<p>{esc(note)}</p>" if note else ""}
{nox_line}
<ul data-testid="devices">
{rows}</ul>
{empty}
<p><a href="/connect/hp">Connect a heat pump</a> · <a href="/connect/pv">Connect solar panels</a>
 · <a href="/">Home</a></p>"""
    return page(f"Your devices – {p.supplier_name}", body, party=PARTY)


def store(p: Partner, user: PartnerUser, nox_user_id: str, brand: str, device_ids: list[str]) -> None:
    p.state.nox_user_ids[user.id] = nox_user_id
    brands = p.state.devices.setdefault(user.id, {})
    if p.world.faulty("partner-callback-keeps-old-devices"):
        brands[brand] = list(dict.fromkeys([*brands.get(brand, []), *device_ids]))
    else:
        brands[brand] = device_ids


def store_unchecked(p: Partner, user: PartnerUser, payload: Any) -> None:
    """The partner-callback-stores-before-validating regression: save first, check later."""
    if not isinstance(payload, dict):
        return
    ids = payload.get("device_ids")
    ids = [str(d) for d in ids] if isinstance(ids, list) else []
    if ids:
        store(p, user, str(payload.get("nox_user_id")), str(payload.get("brand")), ids)


def clean_up_wrongly(p: Partner, user: PartnerUser, payload: Any) -> None:
    """The SEC-14 regressions, on a refused callback whose data decoded to an object."""
    if not isinstance(payload, dict):
        return
    brand, ids, named = payload.get("brand"), payload.get("device_ids"), payload.get("supplier_user_id")
    if p.world.faulty("partner-refusal-clears-brand") and isinstance(brand, str):
        p.state.devices.get(user.id, {}).pop(brand, None)  # "start from a clean slate for this brand"
    owner = p.users_by_id().get(named) if isinstance(named, str) else None
    mistaken = owner is not None and owner.id != user.id and isinstance(ids, list)
    if p.world.faulty("partner-refusal-stores-for-named-user") and mistaken:
        store(p, owner, str(payload.get("nox_user_id")), str(brand), [str(d) for d in ids])


@signed_in
async def callback(request: Request, user: PartnerUser) -> Response:
    p = partner(request)
    world = p.world
    payload: Any = None
    try:
        payload = decode_data(request.query_params.getlist("data"),
                              world.faulty("partner-callback-accepts-padded-data"))
        if world.faulty("partner-callback-stores-before-validating"):
            store_unchecked(p, user, payload)
        nox_user_id, supplier_user_id, brand, device_ids = check_payload(payload)
        if supplier_user_id != user.id and not world.faulty("partner-callback-accepts-foreign-user"):
            raise CallbackRefused(
                "This device link was made for another account than the one you are signed in with, "
                "so it was not saved. Start linking again from your home page.", malformed=False,
            )
    except CallbackRefused as refused:
        clean_up_wrongly(p, user, payload)
        if refused.malformed and world.faulty("partner-callback-500-on-malformed"):
            return PlainTextResponse("Internal Server Error", status_code=500)
        if world.other:
            return p.error_page("We could not add this device", "callback-error",
                                f"Your device was not added: {refused.message}", 422)
        return p.error_page("Device not connected", "callback-error", f"{refused.message} Nothing was saved.", 400)
    if world.faulty("partner-callback-drops-devices"):
        p.state.nox_user_ids[user.id] = nox_user_id  # reads the wrong field: no devices
    else:
        owner = p.last_signed_in(user) if world.faulty("partner-callback-for-last-sign-in") else user
        store(p, owner, nox_user_id, brand, device_ids)
    count = len(device_ids)
    return devices_page(p, user, "Your devices",
                        f"Connected {count} {brand} device{'s' if count != 1 else ''} through NOX Energy.")


@signed_in
async def devices(request: Request, user: PartnerUser) -> Response:
    return devices_page(partner(request), user, "Your devices")
