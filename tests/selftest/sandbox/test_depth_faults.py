"""The faults behind the depth probes (features/security_depth.feature, REQ-SEC-*), each
switched on in the partner rig or a sandbox of its own, break what they say they break;
and the fault-free partner app shows a user's stored devices on its home page
(interfaces.md §1), which the probes of SEC-14 read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from sandbox.seed import brand_split
from sandbox.server import Sandbox
from tests.selftest.sandbox.browser import BOB, doc, shown_devices
from tests.selftest.sandbox.nox_client import (
    brand_code,
    ids_on,
    nox_state,
    post_login,
    start_auth,
    supplier_session,
)
from tests.selftest.sandbox.partner_rig import DROP, Partner, encode, oauth_form, payload

# ====================================================== the partner app (isolated)


def test_home_lists_the_stored_devices(partner: Partner) -> None:
    client = partner.signed_in()
    assert shown_devices(client.get("/")) == []
    assert client.get("/callback", params={"data": encode(payload())}).status_code == 200
    assert shown_devices(client.get("/")) == [("daikin-hp-0001", "daikin")]


def test_fault_session_cookie_without_samesite(make_partner: Callable[..., Partner]) -> None:
    fine = make_partner()
    assert "samesite=lax" in _sign_in(fine).headers["set-cookie"].lower()
    broken = make_partner("partner-session-cookie-without-samesite")
    cookie = _sign_in(broken).headers["set-cookie"].lower()
    assert "samesite" not in cookie and "httponly" in cookie


def _sign_in(partner: Partner) -> httpx.Response:
    email = "alice@partner.test"
    return partner.client().post("/login", data={"email": email, "password": partner.password(email)})


def test_fault_signout_keeps_session(make_partner: Callable[..., Partner]) -> None:
    client = make_partner("partner-signout-keeps-session").signed_in()
    assert client.post("/logout").status_code == 303
    assert doc(client.get("/")).has("partner-home")


def test_fault_sign_in_without_password(make_partner: Callable[..., Partner]) -> None:
    response = make_partner("partner-sign-in-without-password").client().post(
        "/login", data={"email": "alice@partner.test", "password": ""})
    assert response.status_code == 303 and "partner_session" in response.headers["set-cookie"]


def test_fault_portal_for_last_sign_in(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-portal-for-last-sign-in")
    alice = partner.signed_in()
    partner.signed_in(BOB)
    assert alice.get("/portal").status_code == 303
    assert partner.stub.to("/admin/magic_link")[0].json == {"customerId": "cus_bob"}


def test_fault_connect_for_last_sign_in(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-connect-for-last-sign-in")
    alice = partner.signed_in()
    partner.signed_in(BOB)
    assert alice.get("/connect/hp").status_code == 303
    assert partner.stub.to("/v2/supplier/link-sessions")[0].json["user_id"] == "usr_bob"


def test_fault_callback_for_last_sign_in(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-for-last-sign-in")
    alice = partner.signed_in()
    bob = partner.signed_in(BOB)
    assert alice.get("/callback", params={"data": encode(payload())}).status_code == 200
    assert shown_devices(bob.get("/")) == [("daikin-hp-0001", "daikin")] and shown_devices(alice.get("/")) == []


def test_fault_refusal_clears_brand(make_partner: Callable[..., Partner]) -> None:
    client = make_partner("partner-refusal-clears-brand").signed_in()
    client.get("/callback", params={"data": encode(payload())})
    assert client.get("/callback", params={"data": encode(payload(device_ids=DROP))}).status_code == 400
    assert shown_devices(client.get("/")) == []


def test_fault_refusal_stores_for_named_user(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-refusal-stores-for-named-user")
    alice, bob = partner.signed_in(), partner.signed_in(BOB)
    response = alice.get("/callback", params={"data": encode(payload(supplier_user_id="usr_bob"))})
    assert response.status_code == 400 and doc(response).has("callback-error")
    assert shown_devices(bob.get("/")) == [("daikin-hp-0001", "daikin")]


def test_fault_oauth_terms_only_in_browser(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-terms-only-in-browser")
    page = doc(partner.client().get("/oauth/nox", params={"state": "st_123", "language": "en"}))
    assert "required" in page.one("accept-terms").attrs
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, terms=False))
    assert response.status_code == 303 and partner.stub.to("/post-login-redirect")


# ====================================================== NOX and the brand pages


def test_fault_brand_terms_only_in_browser(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("brand-terms-only-in-browser")
    page = doc(http.get(f"{broken.urls.brands}/vaillant/authorize", params={"session": "s", "language": "en"}))
    assert "required" in page.one("brand-accept-terms").attrs
    assert brand_code(broken, http, "s", "vaillant", "vaillant-owner-1", terms=False)


def _ui(http: httpx.Client, session: dict[str, Any]) -> httpx.Response:
    return http.get(session["link_url"])


def test_fault_link_session_grace(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-link-session-grace")
    session = supplier_session(broken, http)
    broken.world.clock.advance(630)
    assert _ui(http, session).status_code == 200


def test_fault_link_session_ends_early(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-link-session-ends-early")
    session = supplier_session(broken, http)
    broken.world.clock.advance(570)
    assert _ui(http, session).status_code == 410


def test_fault_auth_session_grace(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-auth-session-grace")
    _, state = start_auth(broken, http)
    broken.world.clock.advance(930)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200


def test_fault_auth_session_ends_early(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-auth-session-ends-early")
    _, state = start_auth(broken, http)
    broken.world.clock.advance(870)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 410


def test_fault_link_token_short(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-link-token-short")
    token = supplier_session(broken, http)["link_token"]
    assert len(token) == 8 and token in nox_state(broken).sessions


def test_fault_state_per_user(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-state-per-user")
    states = [start_auth(broken, http, user_id="daikin-user-7")[1] for _ in range(2)]
    assert states[0] == states[1]
    assert start_auth(broken, http, user_id="daikin-user-8")[1] != states[0]


def test_fault_ui_offers_stray_brand(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-ui-offers-stray-brand")
    offered = [i.removeprefix("brand-option-") for i in ids_on(_ui(http, supplier_session(broken, http)))
               if i.startswith("brand-option-")]
    split = brand_split("default")
    assert offered[:-1] == list(split["hp"]) and offered[-1] in split["pv"]
