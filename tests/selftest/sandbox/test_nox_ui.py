"""NOX's Authenticator UI (sandbox/parties/nox/ui_*.py, pages.py): the brand picker by
asset type, the session's language, a pre-selected brand, the brand return and its
callback, refused sessions with their ``data-reason``, and the energy-supplier selector
of the manufacturer flow with its return to the manufacturer."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.seed import BRANDS_BY_ASSET, TERMS_BRANDS, display_name
from sandbox.server import Sandbox
from tests.selftest.sandbox.browser import doc
from tests.selftest.sandbox.nox_client import (
    brand_code,
    brand_return,
    decode,
    manufacturer_session,
    nox_state,
    post_login,
    query,
    start_auth,
    supplier_session,
    without_query,
)

ENGLISH_HP = "Which brand is your heat pump?"
HEADINGS = {"nl": "Welk merk is je warmtepomp?", "en": ENGLISH_HP, "fr": "De quelle marque est votre pompe à chaleur ?",
            "es": "¿De qué marca es tu bomba de calor?"}


def open_ui(sbx: Sandbox, http: httpx.Client, session: dict[str, Any]) -> httpx.Response:
    return http.get(session["link_url"])


def reason(response: httpx.Response) -> str:
    """The ``data-reason`` of the page's refusal (fails when the page refuses nothing)."""
    return doc(response).one("session-error").get("data-reason")


def linked(sbx: Sandbox, http: httpx.Client, **fields: Any) -> tuple[dict[str, Any], httpx.Response]:
    """A supplier session completed through a brand sign-in: (session, NOX's redirect to the callback)."""
    session = supplier_session(sbx, http, **fields)
    code = brand_code(sbx, http, session["link_token"], "daikin", "daikin-owner-1")
    return session, brand_return(sbx, http, session["link_token"], code)


# ================================================================== brand picker


@pytest.mark.parametrize("asset_type", ["hp", "pv"])
def test_the_brand_picker_lists_exactly_the_brands_of_the_asset_type(sbx: Sandbox, http: httpx.Client,
                                                                     asset_type: str) -> None:
    response = open_ui(sbx, http, supplier_session(sbx, http, asset_type=asset_type))
    assert response.status_code == 200
    page = doc(response)
    assert page.one("brand-picker").get("data-asset-type") == asset_type
    offered = [e.get("data-testid").removeprefix("brand-option-") for e in page.elements
               if e.get("data-testid").startswith("brand-option-")]
    assert offered == list(BRANDS_BY_ASSET[asset_type])
    for slug in offered[:3]:
        option = page.one(f"brand-option-{slug}")
        assert option.tag == "a" and option.text.strip() == display_name(slug)


@pytest.mark.parametrize(("language", "heading"), [*HEADINGS.items(), (None, HEADINGS["nl"])])
def test_the_ui_speaks_the_session_language(sbx: Sandbox, http: httpx.Client, language: str | None,
                                           heading: str) -> None:
    fields = {"language": language} if language else {}
    session = supplier_session(sbx, http, **fields)
    page = doc(open_ui(sbx, http, session))
    assert page.lang == (language or "nl")
    assert page.one("brand-picker").text.strip().startswith(heading)
    # The session's language wins over a language in the address.
    other = doc(http.get(f"{sbx.urls.nox}/ui", params={"token": session["link_token"], "language": "es" if
                                                      language != "es" else "fr"}))
    assert other.lang == (language or "nl")


def test_a_preselected_brand_goes_straight_to_its_sign_in_page(sbx: Sandbox, http: httpx.Client) -> None:
    session = supplier_session(sbx, http, asset_type="pv", brand="sma", language="fr")
    response = open_ui(sbx, http, session)
    assert response.status_code == 303
    location = response.headers["location"]
    assert without_query(location) == f"{sbx.urls.brands}/sma/authorize"
    assert query(location) == {"session": session["link_token"], "language": "fr"}


def test_choosing_a_brand_opens_its_sign_in_page(sbx: Sandbox, http: httpx.Client) -> None:
    session = supplier_session(sbx, http, language="es")
    picker = open_ui(sbx, http, session)
    chosen = http.get(str(picker.url.join(doc(picker).one("brand-option-vaillant").get("href"))))
    assert chosen.status_code == 303
    assert without_query(chosen.headers["location"]) == f"{sbx.urls.brands}/vaillant/authorize"
    sign_in = doc(http.get(chosen.headers["location"]))
    assert sign_in.lang == "es" and sign_in.one("brand-login").get("data-brand") == "vaillant"
    assert sign_in.has("brand-accept-terms") == ("vaillant" in TERMS_BRANDS)


@pytest.mark.parametrize("slug", ["sma", "nobrand", "DAIKIN"])
def test_a_brand_not_of_the_asset_type_is_refused(sbx: Sandbox, http: httpx.Client, slug: str) -> None:
    session = supplier_session(sbx, http, asset_type="hp")
    response = http.get(f"{sbx.urls.nox}/ui/brands/{slug}", params={"token": session["link_token"]})
    assert response.status_code == 404 and reason(response) == "invalid"


# ================================================================== refused sessions


def test_an_unknown_token_is_refused_in_the_asked_language(sbx: Sandbox, http: httpx.Client) -> None:
    for params in ({"token": "nope", "language": "fr"}, {"language": "fr"}):
        response = http.get(f"{sbx.urls.nox}/ui", params=params)
        assert response.status_code == 404 and reason(response) == "invalid"
        assert doc(response).lang == "fr" and doc(response).one("session-error").get("role") == "alert"


def test_an_expired_session_is_refused_after_ten_minutes(faulty_sandbox: Any, http: httpx.Client) -> None:
    fresh: Sandbox = faulty_sandbox()
    session = supplier_session(fresh, http, language="en")
    code = brand_code(fresh, http, session["link_token"], "daikin", "daikin-owner-1")
    fresh.world.clock.advance(601)
    for response in (open_ui(fresh, http, session), brand_return(fresh, http, session["link_token"], code)):
        assert response.status_code == 410 and reason(response) == "expired"
        assert doc(response).lang == "en"
    assert nox_state(fresh).sessions[session["link_token"]].completed_at is None


def test_a_completed_session_is_refused_before_expired(faulty_sandbox: Any, http: httpx.Client) -> None:
    fresh: Sandbox = faulty_sandbox()
    session, done = linked(fresh, http)
    assert done.status_code == 303
    assert reason(open_ui(fresh, http, session)) == "completed"
    fresh.world.clock.advance(601)
    response = open_ui(fresh, http, session)
    assert response.status_code == 409 and reason(response) == "completed"


def test_a_manufacturer_token_is_no_supplier_session(sbx: Sandbox, http: httpx.Client) -> None:
    token = manufacturer_session(sbx, http)["link_token"]
    for path in ("/ui/brands/daikin", "/ui/brand-return"):
        response = http.get(f"{sbx.urls.nox}{path}", params={"token": token, "session": token, "code": "x"})
        assert reason(response) == "invalid"


@pytest.mark.parametrize(("path", "status"), [("/ui/nowhere", 404), ("/ui/brands", 404)])
def test_unknown_ui_pages_are_html_in_the_language(sbx: Sandbox, http: httpx.Client, path: str, status: int) -> None:
    response = http.get(f"{sbx.urls.nox}{path}", params={"language": "nl"})
    assert response.status_code == status and response.headers["content-type"].startswith("text/html")
    assert doc(response).lang == "nl" and doc(response).one("page-error").get("role") == "alert"
    refused = http.post(f"{sbx.urls.nox}/ui")
    assert refused.status_code == 405 and "GET" in refused.headers["allow"] and doc(refused).has("page-error")


# ================================================================== brand return and callback


def test_the_brand_return_sends_the_callback_with_base64url_data(faulty_sandbox: Any, http: httpx.Client) -> None:
    fresh: Sandbox = faulty_sandbox()
    started = fresh.world.clock.now()
    _, done = linked(fresh, http, user_id="usr_cb", redirect_url=f"{fresh.urls.partner_app}/callback?from=nox")
    assert done.status_code == 303
    location = done.headers["location"]
    assert without_query(location) == f"{fresh.urls.partner_app}/callback"
    assert query(location)["from"] == "nox"
    data = decode(query(location)["data"])
    assert set(data) == {"nox_user_id", "supplier_user_id", "brand", "device_ids", "connected_at"}
    assert (data["supplier_user_id"], data["brand"], data["device_ids"]) == ("usr_cb", "daikin", ["daikin-hp-0001"])
    # the clock runs in real time: the link completed between the start and now (a second may pass under load)
    assert data["nox_user_id"].startswith("nox_") and started <= data["connected_at"] <= fresh.world.clock.now()


def test_relinking_keeps_the_nox_user_and_replaces_the_device(faulty_sandbox: Any, http: httpx.Client) -> None:
    fresh: Sandbox = faulty_sandbox()
    _, first = linked(fresh, http, user_id="usr_re")
    session = supplier_session(fresh, http, user_id="usr_re")
    code = brand_code(fresh, http, session["link_token"], "daikin", "daikin-owner-2")
    second = brand_return(fresh, http, session["link_token"], code)
    before, after = (decode(query(r.headers["location"])["data"]) for r in (first, second))
    assert after["nox_user_id"] == before["nox_user_id"] and after["device_ids"] == ["daikin-hp-0002"]


@pytest.mark.parametrize("code", ["", "invented"])
def test_a_missing_or_invented_code_is_refused(sbx: Sandbox, http: httpx.Client, code: str) -> None:
    session = supplier_session(sbx, http)
    response = brand_return(sbx, http, session["link_token"], code)
    assert response.status_code == 404 and reason(response) == "invalid"
    assert nox_state(sbx).sessions[session["link_token"]].completed_at is None


def test_a_code_of_another_session_is_refused_and_stays_good_for_its_own(sbx: Sandbox, http: httpx.Client) -> None:
    mine, other = supplier_session(sbx, http), supplier_session(sbx, http)
    code = brand_code(sbx, http, mine["link_token"], "daikin", "daikin-owner-1")
    assert reason(brand_return(sbx, http, other["link_token"], code)) == "invalid"
    assert brand_return(sbx, http, mine["link_token"], code).status_code == 303


def test_a_brand_of_the_other_asset_type_does_not_complete_the_session(sbx: Sandbox, http: httpx.Client) -> None:
    session = supplier_session(sbx, http, asset_type="hp")
    code = brand_code(sbx, http, session["link_token"], "sma", "sma-owner-1")
    assert reason(brand_return(sbx, http, session["link_token"], code)) == "invalid"


# ================================================================== supplier selector (manufacturer flow)


def test_the_supplier_selector_lists_this_partner_and_the_others(sbx: Sandbox, http: httpx.Client) -> None:
    session = manufacturer_session(sbx, http, language="fr")
    page = doc(open_ui(sbx, http, session))
    assert page.lang == "fr" and page.has("supplier-picker")
    assert "Daikin" in page.one("supplier-picker").text
    options = {e.get("data-testid"): e.text.strip() for e in page.elements
               if e.get("data-testid").startswith("supplier-option-")}
    assert options == {"supplier-option-helios": "Helios Energie", "supplier-option-voltera": "Voltera",
                       "supplier-option-zonstroom": "Zonstroom"}


def test_choosing_this_partner_opens_its_oauth_page_with_a_state(sbx: Sandbox, http: httpx.Client) -> None:
    session = manufacturer_session(sbx, http, language="es")
    response = http.get(f"{sbx.urls.nox}/ui/suppliers/helios", params={"token": session["link_token"]})
    assert response.status_code == 303
    location = response.headers["location"]
    assert without_query(location) == f"{sbx.urls.partner_app}/oauth/nox"
    state = query(location)["state"]
    assert query(location)["language"] == "es" and state in nox_state(sbx).auth_sessions


def test_another_supplier_says_it_cannot_be_linked_here(sbx: Sandbox, http: httpx.Client) -> None:
    session = manufacturer_session(sbx, http, language="en")
    page = doc(http.get(f"{sbx.urls.nox}/ui/suppliers/voltera", params={"token": session["link_token"]}))
    unavailable = page.one("supplier-unavailable")
    assert unavailable.get("data-supplier") == "voltera" and "Voltera" in unavailable.text
    refused = http.get(f"{sbx.urls.nox}/ui/suppliers/nobody", params={"token": session["link_token"]})
    assert reason(refused) == "invalid"


def test_the_supplier_return_tells_the_manufacturer(faulty_sandbox: Any, http: httpx.Client) -> None:
    fresh: Sandbox = faulty_sandbox()

    def back(state: str) -> dict[str, str]:
        response = http.get(f"{fresh.urls.nox}/ui/supplier-return", params={"state": state})
        assert response.status_code == 303
        assert without_query(response.headers["location"]) == f"{fresh.urls.manufacturer_app}/linked"
        return query(response.headers["location"])

    assert back("unknown") == {"status": "error", "reason": "invalid"}
    _, unconfirmed = start_auth(fresh, http)
    assert back(unconfirmed) == {"status": "error", "reason": "denied"}
    session, confirmed = start_auth(fresh, http)
    assert post_login(fresh, http, {"state": confirmed, "supplier_user_id": "usr_alice"}).status_code == 200
    assert back(confirmed) == {"status": "success"}
    assert nox_state(fresh).sessions[session["link_token"]].completed_at is not None
    assert back(confirmed) == {"status": "error", "reason": "invalid"}, "a state returns once"
    _, late = start_auth(fresh, http)
    assert post_login(fresh, http, {"state": late, "supplier_user_id": "usr_alice"}).status_code == 200
    fresh.world.clock.advance(901)
    assert back(late) == {"status": "error", "reason": "expired"}


# ================================================================== faults


def test_fault_ui_ignores_language(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-ui-ignores-language")
    page = doc(open_ui(broken, http, supplier_session(broken, http, language="fr")))
    assert page.lang == "en" and page.one("brand-picker").text.strip().startswith(ENGLISH_HP)


def test_fault_ui_shows_all_brands(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-ui-shows-all-brands")
    page = doc(open_ui(broken, http, supplier_session(broken, http, asset_type="hp")))
    assert page.has("brand-option-daikin") and page.has("brand-option-sma")


def test_fault_ui_ignores_preselected_brand(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-ui-ignores-preselected-brand")
    response = open_ui(broken, http, supplier_session(broken, http, asset_type="pv", brand="sma"))
    assert response.status_code == 200 and doc(response).one("brand-picker").get("data-asset-type") == "pv"


def test_fault_no_data_on_callback(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-no-data-on-callback")
    _, done = linked(broken, http)
    assert done.headers["location"] == f"{broken.urls.partner_app}/callback"


def test_fault_callback_padded_base64(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-callback-padded-base64")
    _, done = linked(broken, http)
    assert query(done.headers["location"])["data"].endswith("=")


def test_fault_callback_wrong_supplier_user(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-callback-wrong-supplier-user")
    _, done = linked(broken, http, user_id="usr_mine")
    data = decode(query(done.headers["location"])["data"])
    assert data["supplier_user_id"] != "usr_mine" and data["supplier_user_id"] == data["nox_user_id"]


def test_fault_session_never_expires(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-session-never-expires")
    session = supplier_session(broken, http)
    code = brand_code(broken, http, session["link_token"], "daikin", "daikin-owner-1")
    broken.world.clock.advance(3600)
    assert "data" in query(brand_return(broken, http, session["link_token"], code).headers["location"])


def test_fault_relink_new_user(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-relink-new-user")
    first, second = (decode(query(linked(broken, http, user_id="usr_twice")[1].headers["location"])["data"])
                     for _ in range(2))
    assert first["nox_user_id"] != second["nox_user_id"]


def test_fault_completed_session_reusable(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-completed-session-reusable")
    session, _ = linked(broken, http)
    code = brand_code(broken, http, session["link_token"], "daikin", "daikin-owner-2")
    again = brand_return(broken, http, session["link_token"], code)
    assert again.status_code == 303 and "data" in query(again.headers["location"])


def test_fault_brand_code_any_session(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-brand-code-any-session")
    mine, other = supplier_session(broken, http), supplier_session(broken, http, user_id="usr_grafted")
    code = brand_code(broken, http, mine["link_token"], "daikin", "daikin-owner-1")
    grafted = brand_return(broken, http, other["link_token"], code)
    assert decode(query(grafted.headers["location"])["data"])["supplier_user_id"] == "usr_grafted"


def test_fault_supplier_missing_from_selector(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-supplier-missing-from-selector")
    page = doc(open_ui(broken, http, manufacturer_session(broken, http)))
    assert page.has("supplier-option-voltera") and not page.has("supplier-option-helios")


def test_fault_supplier_return_skips_confirmation(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-supplier-return-skips-confirmation")
    _, state = start_auth(broken, http)
    response = http.get(f"{broken.urls.nox}/ui/supplier-return", params={"state": state})
    assert query(response.headers["location"]) == {"status": "success"}


def test_fault_manufacturer_not_told(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-manufacturer-not-told")
    _, state = start_auth(broken, http)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
    response = http.get(f"{broken.urls.nox}/ui/supplier-return", params={"state": state})
    assert query(response.headers["location"])["status"] == "error"


def test_fault_auth_session_never_expires_at_the_return(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-auth-session-never-expires")
    _, state = start_auth(broken, http)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
    broken.world.clock.advance(3600)
    response = http.get(f"{broken.urls.nox}/ui/supplier-return", params={"state": state})
    assert query(response.headers["location"]) == {"status": "success"}
