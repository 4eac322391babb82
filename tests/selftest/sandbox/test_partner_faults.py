"""Each partner-app fault, switched on in the isolated rig, breaks what it says it breaks."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

from tests.selftest.sandbox.browser import BOB, JWT, doc, shown_devices
from tests.selftest.sandbox.partner_rig import Partner, encode, oauth_form, payload

# ================================================================== faults (isolated)


def test_fault_portal_without_signin(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-portal-without-signin")
    partner.signed_in(BOB)  # someone signed in earlier, in another browser
    response = partner.client().get("/portal")
    assert response.status_code == 303 and response.headers["location"] == partner.stub.links[0]
    assert partner.stub.to("/admin/magic_link")[0].json == {"customerId": "cus_bob"}


def test_fault_reuses_link(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-reuses-link")
    client = partner.signed_in()
    assert client.get("/portal").headers["location"] == client.get("/portal").headers["location"]


def test_fault_leaks_nomos_token(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-leaks-nomos-token")
    response = partner.signed_in().get("/portal")
    assert partner.stub.issued[0] in response.headers["set-cookie"]


def test_fault_leaks_token_in_page(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-leaks-token-in-page")
    home = partner.signed_in().get("/")
    assert partner.stub.issued[0] in home.text and JWT.search(home.text)


def test_fault_mints_with_wrong_customer(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-mints-with-wrong-customer")
    partner.signed_in().get("/portal")
    assert partner.stub.to("/admin/magic_link")[0].json == {"customerId": "cus_bob"}


def test_fault_keeps_expired_token(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-keeps-expired-token")
    client = partner.signed_in()
    assert client.get("/portal").status_code == 303
    partner.world.clock.advance(3700)
    partner.stub.valid_tokens.clear()  # Nomos no longer accepts the expired token
    assert client.get("/portal").status_code == 502
    assert len(partner.stub.to("/oauth/token")) == 1


def test_fault_callback_accepts_foreign_user(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-accepts-foreign-user")
    response = partner.signed_in().get("/callback", params={"data": encode(payload(supplier_user_id="usr_bob"))})
    assert response.status_code == 200 and shown_devices(response) == [("daikin-hp-0001", "daikin")]


def test_fault_callback_accepts_padded_data(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-accepts-padded-data")
    data = base64.urlsafe_b64encode(json.dumps(payload(nox_user_id="nox_ab")).encode()).decode()
    assert data.endswith("=")
    assert partner.signed_in().get("/callback", params={"data": data}).status_code == 200


def test_fault_callback_500_on_malformed(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-500-on-malformed")
    assert partner.signed_in().get("/callback", params={"data": "not base64!"}).status_code == 500


def test_fault_callback_stores_before_validating(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-stores-before-validating")
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload(supplier_user_id="usr_bob"))})
    assert response.status_code == 400
    assert shown_devices(client.get("/devices")) == [("daikin-hp-0001", "daikin")]


def test_fault_callback_drops_devices(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-drops-devices")
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload())})
    assert response.status_code == 200 and shown_devices(response) == []


def test_fault_callback_keeps_old_devices(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-keeps-old-devices")
    client = partner.signed_in()
    client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0001"]))})
    response = client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0002"]))})
    assert [d for d, _ in shown_devices(response)] == ["daikin-hp-0001", "daikin-hp-0002"]


def test_fault_connect_wrong_asset_type(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-connect-wrong-asset-type")
    partner.signed_in().get("/connect/hp")
    assert partner.stub.calls[0].json["asset_type"] == "pv"


def test_fault_oauth_ignores_terms(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-ignores-terms")
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, terms=False))
    assert response.status_code == 303 and len(partner.stub.calls) == 1


def test_fault_oauth_hides_terms(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-hides-terms")
    assert not doc(partner.client().get("/oauth/nox", params={"state": "s"})).has("terms-link")


def test_fault_skips_post_login_redirect(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-skips-post-login-redirect")
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code == 303 and partner.stub.calls == []
    assert response.headers["location"].startswith(f"{partner.stub.url}/ui/supplier-return?state=")


def test_fault_oauth_500_on_refused_state(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-500-on-refused-state")
    assert partner.client().post("/oauth/nox", data=oauth_form(partner, state="expired")).status_code == 500
