"""The partner app end to end: the full sandbox driven like a browser would (cookies kept,
redirects followed across the parties)."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import httpx

import sandbox
from sandbox.server import Sandbox
from tests.selftest.sandbox.browser import (
    ALICE,
    BOB,
    JWT,
    Browser,
    activate,
    brand_sign_in,
    doc,
    link_device,
    manufacturer_state,
    shown_devices,
    sign_in_at_supplier,
)

# ================================================================== end to end (full sandbox)


def test_e2e_alice_opens_her_energy_account(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    hub = b.get(f"{sbx.urls.partner_app}/portal")
    assert str(hub.url).startswith(sbx.urls.nomos_portal)
    assert doc(hub).one("portal-customer-name").text.strip() == "Alice Janssen"
    assert doc(hub).has("portal-hub")


def test_e2e_every_click_mints_a_fresh_link(sbx: Sandbox, http: httpx.Client) -> None:
    user = sbx.world.seed.partner_user(ALICE)
    assert user is not None
    http.post(f"{sbx.urls.partner_app}/login", data={"email": ALICE, "password": sbx.world.seed.secret(user.password_env)})
    links = [http.get(f"{sbx.urls.partner_app}/portal").headers["location"] for _ in range(2)]
    assert links[0] != links[1]
    for link in links:
        assert link.startswith(sbx.urls.nomos_portal)
        query = parse_qs(urlsplit(link).query)
        assert query["type"] == ["magiclink"] and query["token_hash"] and query["next"] == ["/overview"]


def test_e2e_deep_link_lands_on_the_invoice(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    response = b.get(f"{sbx.urls.partner_app}/portal", params={"next": "/invoices/inv_abc"})
    assert doc(response).one("invoice-id").text.strip() == "inv_abc"


def test_e2e_bob_lands_on_the_hosted_checkout(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in(BOB)
    response = b.get(f"{sbx.urls.partner_app}/portal")
    assert str(response.url).startswith(sbx.urls.nomos_portal) and doc(response).has("checkout")


def test_e2e_signed_out_portal_visit_ends_on_sign_in(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    response = b.get(f"{sbx.urls.partner_app}/portal")
    assert doc(response).has("partner-login")
    assert not [r for r in b.seen if str(r.url).startswith(sbx.urls.nomos_portal)]


def test_e2e_the_access_token_never_reaches_the_browser(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    b.get(f"{sbx.urls.partner_app}/portal")
    b.get(f"{sbx.urls.partner_app}/portal", params={"next": "/invoices/inv_abc"})
    token = sbx.world.state["partner_app"].token  # type: ignore[attr-defined]
    assert token
    for response in b.seen:
        visible = response.text + str(response.headers) + str(response.url) + str(response.request.headers)
        assert token not in visible and not JWT.search(visible), str(response.url)
        assert "access_token" not in visible and "Bearer" not in visible
    assert all(token not in value for value in b.client.cookies.values())


def test_e2e_the_token_is_renewed_as_the_clock_moves(faulty_sandbox: Callable[..., Sandbox],
                                                     visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    assert doc(b.get(f"{fresh.urls.partner_app}/portal")).has("portal-hub")
    fresh.world.clock.advance(3 * 3600)
    b2 = visitor(fresh)
    b2.sign_in()
    assert doc(b2.get(f"{fresh.urls.partner_app}/portal")).has("portal-hub")


def test_e2e_supplier_link_through_the_brand_picker(faulty_sandbox: Callable[..., Sandbox],
                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    picker = b.get(f"{fresh.urls.partner_app}/connect/hp", params={"language": "en"})
    page = doc(picker)
    assert page.has("brand-picker") and page.lang == "en"
    assert page.has("brand-option-daikin") and not page.has("brand-option-sma")
    response = brand_sign_in(b, activate(b.client, picker, page.one("brand-option-daikin")), "daikin-owner-1")
    assert str(response.url).startswith(f"{fresh.urls.partner_app}/callback?data=")
    assert shown_devices(response) == [("daikin-hp-0001", "daikin")]
    assert shown_devices(b.get(f"{fresh.urls.partner_app}/devices")) == [("daikin-hp-0001", "daikin")]


def test_e2e_supplier_link_with_a_preselected_brand_and_relink(faulty_sandbox: Callable[..., Sandbox],
                                                               visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in(BOB)
    first = b.get(f"{fresh.urls.partner_app}/connect/pv", params={"brand": "sma", "language": "fr"})
    assert doc(first).lang == "fr" and doc(first).one("brand-login").get("data-brand") == "sma"
    assert shown_devices(brand_sign_in(b, first, "sma-owner-1")) == [("sma-pv-0001", "sma")]
    again = link_device(b, "pv", "sma", "sma-owner-2", {"brand": "sma"})
    assert shown_devices(again) == [("sma-pv-0002", "sma")]


def test_e2e_a_brand_not_of_the_asset_type_is_refused(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    b.client.follow_redirects = False
    response = b.get(f"{sbx.urls.partner_app}/connect/hp", params={"brand": "sma"})
    assert response.status_code == 400 and doc(response).one("connect-error").get("role") == "alert"


def test_e2e_a_real_callback_replayed_to_another_user_is_refused(faulty_sandbox: Callable[..., Sandbox],
                                                                 visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    alice = visitor(fresh)
    alice.sign_in()
    done = link_device(alice, "hp", "daikin", "daikin-owner-1", {})
    callback = next(str(r.url) for r in alice.seen if str(r.url).startswith(f"{fresh.urls.partner_app}/callback"))
    assert shown_devices(done) == [("daikin-hp-0001", "daikin")]
    bob = visitor(fresh)
    bob.sign_in(BOB)
    refused = bob.get(callback)
    assert refused.status_code == 400 and doc(refused).has("callback-error")
    assert shown_devices(bob.get(f"{fresh.urls.partner_app}/devices")) == []


def test_e2e_an_expired_link_session_stores_nothing(faulty_sandbox: Callable[..., Sandbox],
                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    login = b.get(f"{fresh.urls.partner_app}/connect/hp", params={"brand": "daikin"})
    fresh.world.clock.advance(601)
    response = brand_sign_in(b, login, "daikin-owner-1")
    assert not [r for r in b.seen if str(r.url).startswith(f"{fresh.urls.partner_app}/callback")]
    assert doc(response).one("session-error").get("data-reason") == "expired"
    assert shown_devices(b.get(f"{fresh.urls.partner_app}/devices")) == []


def test_e2e_manufacturer_flow_links_the_supplier(faulty_sandbox: Callable[..., Sandbox],
                                                  visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    oauth = manufacturer_state(b, "fr")
    assert doc(oauth).lang == "fr" and doc(oauth).has("terms-link")
    refused = sign_in_at_supplier(b, oauth, terms=False)
    assert refused.status_code == 400 and doc(refused).has("oauth-error")
    done = sign_in_at_supplier(b, refused)  # the same state still works: NOX was not told
    assert str(done.url).startswith(f"{fresh.urls.manufacturer_app}/linked")
    assert doc(done).one("manufacturer-result").get("data-status") == "success"
    replay = sign_in_at_supplier(b, refused)
    assert replay.status_code in (400, 410) and doc(replay).has("oauth-error")


def test_e2e_manufacturer_flow_after_15_minutes_asks_to_start_again(faulty_sandbox: Callable[..., Sandbox],
                                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    oauth = manufacturer_state(b, "nl")
    fresh.world.clock.advance(15 * 60 + 1)
    response = sign_in_at_supplier(b, oauth)
    assert response.status_code in (400, 410)
    assert doc(response).lang == "nl" and doc(response).one("oauth-error").get("role") == "alert"
    assert not [r for r in b.seen if str(r.url).startswith(fresh.urls.manufacturer_app)]


def test_e2e_fault_wrong_customer_opens_another_account(faulty_sandbox: Callable[..., Sandbox],
                                                        visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-mints-with-wrong-customer")
    b = visitor(faulty)
    b.sign_in()
    response = b.get(f"{faulty.urls.partner_app}/portal")
    assert response.status_code == 200 and str(response.url).startswith(faulty.urls.nomos_portal), str(response.url)
    # Bob's account: he has no subscription, so his link leads to the hosted checkout.
    checkout = doc(response).one("checkout")
    assert "Bob Peeters" in checkout.text and "Alice" not in checkout.text


def test_e2e_fault_skipped_post_login_redirect_fails_the_link(faulty_sandbox: Callable[..., Sandbox],
                                                              visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-skips-post-login-redirect")
    b = visitor(faulty)
    done = sign_in_at_supplier(b, manufacturer_state(b))
    assert str(done.url).startswith(f"{faulty.urls.manufacturer_app}/linked?"), str(done.url)
    result = doc(done).one("manufacturer-result")
    assert (result.get("data-status"), result.get("data-reason")) == ("error", "denied")


def test_e2e_fault_wrong_asset_type_offers_other_brands(faulty_sandbox: Callable[..., Sandbox],
                                                        visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-connect-wrong-asset-type")
    b = visitor(faulty)
    b.sign_in()
    page = doc(b.get(f"{faulty.urls.partner_app}/connect/hp"))
    assert page.has("brand-option-sma") and not page.has("brand-option-daikin")


def test_e2e_rate_limited_vendors_are_waited_out() -> None:
    with sandbox.start(rate_limit_every=3) as busy, httpx.Client(timeout=15, follow_redirects=False) as client:
        user = busy.world.seed.partner_user(ALICE)
        assert user is not None
        client.post(f"{busy.urls.partner_app}/login",
                    data={"email": ALICE, "password": busy.world.seed.secret(user.password_env)})
        answers = [client.get(f"{busy.urls.partner_app}/portal").status_code for _ in range(2)]
        assert answers == [303, 303]
