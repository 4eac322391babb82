"""The NOX API of the sandbox (sandbox/parties/nox/): supplier and manufacturer link
sessions and the (assumed) post-login redirect, driven over loopback HTTP. The
Authenticator UI has its own tests (test_nox_ui.py), as has the manufacturer app
(test_manufacturer.py); the helpers all three use are in nox_client.py.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from sandbox.seed import ALL_BRANDS
from sandbox.server import Sandbox
from tests.selftest.sandbox.nox_client import (
    MANUFACTURER_FIELDS,
    SUPPLIER_FIELDS,
    assert_json_error,
    create_manufacturer,
    create_supplier,
    manufacturer_key,
    manufacturer_session,
    new_user,
    nox_state,
    post_login,
    query,
    start_auth,
    supplier_key,
    supplier_session,
)

# ================================================================== supplier link sessions


def test_supplier_session_is_created_with_every_field(sbx: Sandbox, http: httpx.Client) -> None:
    user = new_user()
    before = sbx.world.clock.now()
    response = create_supplier(sbx, http, {"user_id": user, "asset_type": "hp",
                                            "redirect_url": f"{sbx.urls.partner_app}/callback"})
    assert response.status_code == 201
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert set(answer) == SUPPLIER_FIELDS
    assert answer["supplier"] == "Helios Energie"
    assert answer["supplier_user_id"] == user
    assert answer["asset_type"] == "hp"
    assert answer["redirect_url"] == f"{sbx.urls.partner_app}/callback"
    assert answer["language"] == "nl"
    assert answer["brand"] is None
    assert answer["completed_at"] is None
    assert before <= answer["created_at"] <= sbx.world.clock.now()
    assert answer["expires_at"] == answer["created_at"] + 600
    assert len(answer["link_token"]) >= 32
    assert answer["link_url"] == f"{sbx.urls.nox}/ui?token={answer['link_token']}&language=nl"
    assert answer["link_token"] in nox_state(sbx).sessions


def test_supplier_session_echoes_brand_and_language(sbx: Sandbox, http: httpx.Client) -> None:
    for language in ("nl", "en", "fr", "es"):
        answer = supplier_session(sbx, http, asset_type="pv", brand="sma", language=language)
        assert (answer["asset_type"], answer["brand"], answer["language"]) == ("pv", "sma", language)
        assert query(answer["link_url"])["language"] == language
    assert supplier_session(sbx, http, brand=None)["brand"] is None


def test_each_session_gets_its_own_token(sbx: Sandbox, http: httpx.Client) -> None:
    tokens = {supplier_session(sbx, http)["link_token"] for _ in range(3)}
    assert len(tokens) == 3


def test_supplier_redirect_url_may_carry_a_query(sbx: Sandbox, http: httpx.Client) -> None:
    url = f"{sbx.urls.partner_app}/callback?from=nox"
    assert supplier_session(sbx, http, redirect_url=url)["redirect_url"] == url


@pytest.mark.parametrize("key", [None, "", "wrong-key", "manufacturer"])
def test_supplier_key_missing_or_wrong_is_refused_and_creates_nothing(
        sbx: Sandbox, http: httpx.Client, key: str | None) -> None:
    if key == "manufacturer":
        key = manufacturer_key(sbx)
    before = len(nox_state(sbx).sessions)
    body = assert_json_error(create_supplier(sbx, http, key=key), 401, "unauthorized")
    assert supplier_key(sbx) not in json.dumps(body)
    assert len(nox_state(sbx).sessions) == before


def test_the_key_is_checked_before_the_body(sbx: Sandbox, http: httpx.Client) -> None:
    assert_json_error(create_supplier(sbx, http, key="wrong", content=b"not json"), 401)


def _invalid_supplier_bodies() -> list[Any]:
    good = {"user_id": "usr_x", "asset_type": "hp", "redirect_url": "CALLBACK"}
    cases: list[Any] = []
    for missing in ("user_id", "asset_type", "redirect_url"):
        cases.append(pytest.param({k: v for k, v in good.items() if k != missing}, missing, id=f"no-{missing}"))
    changes = [
        ("user_id", 42), ("user_id", ""), ("user_id", None), ("user_id", ["a"]), ("user_id", "x" * 600),
        ("asset_type", "ev"), ("asset_type", "HP"), ("asset_type", 1), ("asset_type", ["hp"]),
        ("asset_type", {"a": 1}),
        ("redirect_url", "not a uri"), ("redirect_url", "/callback"), ("redirect_url", "ftp://x/callback"),
        ("redirect_url", 7), ("redirect_url", "http://"), ("redirect_url", "http://[::1/callback"),
        ("redirect_url", "javascript:alert(1)"),
        ("language", "de"), ("language", "NL"), ("language", None), ("language", 3), ("language", ""),
        ("brand", "tesla"), ("brand", "Daikin"), ("brand", 5), ("brand", ["daikin"]),
        ("brand", "sma"),  # a PV brand for a heat pump (SUP-04)
    ]
    for name, value in changes:
        cases.append(pytest.param({**good, name: value}, name, id=f"{name}={str(value)[:20]}"))
    return cases


@pytest.mark.parametrize(("body", "field"), _invalid_supplier_bodies())
def test_invalid_supplier_bodies_get_400_naming_the_field(
        sbx: Sandbox, http: httpx.Client, body: dict[str, Any], field: str) -> None:
    if body.get("redirect_url") == "CALLBACK":
        body = {**body, "redirect_url": f"{sbx.urls.partner_app}/callback"}
    before = len(nox_state(sbx).sessions)
    error = assert_json_error(create_supplier(sbx, http, body), 400, "validation_error")
    assert field in error["message"]
    assert len(nox_state(sbx).sessions) == before


@pytest.mark.parametrize("content", [b"", b"   ", b"not json", b"{", b"[]", b'"text"', b"1", b"null",
                                     b"1" * 5000, b"[" * 50000, b"\xff\xfe", b'{"user_id": NaN}'])
def test_malformed_bodies_get_400(sbx: Sandbox, http: httpx.Client, content: bytes) -> None:
    response = create_supplier(sbx, http, content=content)
    assert_json_error(response, 400)


@pytest.mark.parametrize("asset_type", ["hp", "pv"])
def test_a_brand_must_belong_to_the_asset_type(sbx: Sandbox, http: httpx.Client, asset_type: str) -> None:
    from sandbox.seed import BRANDS_BY_ASSET

    other = "pv" if asset_type == "hp" else "hp"
    for brand in BRANDS_BY_ASSET[asset_type][:3]:
        assert create_supplier(sbx, http, asset_type=asset_type, brand=brand).status_code == 201
    for brand in BRANDS_BY_ASSET[other][:3]:
        error = assert_json_error(create_supplier(sbx, http, asset_type=asset_type, brand=brand), 400)
        assert "brand" in error["message"]


def test_every_documented_brand_is_accepted_for_its_asset_type(sbx: Sandbox, http: httpx.Client) -> None:
    from sandbox.seed import BRANDS_BY_ASSET

    assert sorted(BRANDS_BY_ASSET["hp"] + BRANDS_BY_ASSET["pv"]) == list(ALL_BRANDS)
    assert len(ALL_BRANDS) == 56


@pytest.mark.parametrize("redirect", [
    "https://evil.example/callback", "{partner}/callback/", "{partner}/other", "{partner}/callback#x",
    "{partner}/Callback", "{manufacturer}/linked", "{partner}//evil.example/callback",
    "{partner_scheme_https}/callback", "http://user@{partner_host}/callback",
])
def test_redirect_url_outside_the_allowlist_is_refused(sbx: Sandbox, http: httpx.Client, redirect: str) -> None:
    partner = urlsplit(sbx.urls.partner_app)
    url = redirect.format(partner=sbx.urls.partner_app, manufacturer=sbx.urls.manufacturer_app,
                          partner_scheme_https=f"https://{partner.netloc}", partner_host=partner.netloc)
    error = assert_json_error(create_supplier(sbx, http, redirect_url=url), 400, "validation_error")
    assert "redirect_url" in error["message"]


@pytest.mark.parametrize("body", [
    {"user_id": "usr_ü_😀", "extra": {"nested": [1, 2]}},
    {"user_id": "a" * 512},
    {"user_id": "\u0000\u202e"},
])
def test_unusual_but_valid_values_are_accepted(sbx: Sandbox, http: httpx.Client, body: dict[str, Any]) -> None:
    answer = supplier_session(sbx, http, **body)
    assert answer["supplier_user_id"] == body["user_id"]


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("path", ["/v2/supplier/link-sessions", "/v2/manufacturer/link-sessions",
                                  "/post-login-redirect"])
def test_wrong_method_is_405_json(sbx: Sandbox, http: httpx.Client, method: str, path: str) -> None:
    response = http.request(method, f"{sbx.urls.nox}{path}", headers={"x-api-key": supplier_key(sbx)})
    assert_json_error(response, 405, "method_not_allowed")
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("path", ["/", "/v2", "/v2/supplier/link-sessions/x", "/v1/supplier/link-sessions",
                                  "/%00", "/v2/ünïcode"])
def test_unknown_api_path_is_404_json(sbx: Sandbox, http: httpx.Client, path: str) -> None:
    assert_json_error(http.post(f"{sbx.urls.nox}{path}", json={}), 404, "not_found")


def test_huge_body_is_refused_without_5xx(sbx: Sandbox, http: httpx.Client) -> None:
    body = {"user_id": "u" * 1_000_000, "asset_type": "hp", "redirect_url": "x" * 100_000}
    assert_json_error(create_supplier(sbx, http, body), 400)


# ================================================================== manufacturer link sessions


def test_manufacturer_session_is_created_with_every_field(sbx: Sandbox, http: httpx.Client) -> None:
    user = new_user()
    response = create_manufacturer(sbx, http, {"user_id": user, "redirect_url": f"{sbx.urls.manufacturer_app}/linked",
                                               "language": "fr"})
    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == MANUFACTURER_FIELDS
    assert answer["manufacturer"] == "Daikin Europe"
    assert answer["manufacturer_user_id"] == user
    assert answer["brand"] == "Daikin"
    assert answer["language"] == "fr"
    assert answer["completed_at"] is None
    assert answer["expires_at"] == answer["created_at"] + 600
    assert abs(answer["created_at"] - sbx.world.clock.now()) <= 1
    assert answer["link_url"] == f"{sbx.urls.nox}/ui?token={answer['link_token']}&language=fr"
    assert manufacturer_session(sbx, http)["language"] == "nl"


@pytest.mark.parametrize("key", [None, "wrong", "supplier"])
def test_manufacturer_key_missing_or_wrong_is_refused(sbx: Sandbox, http: httpx.Client, key: str | None) -> None:
    if key == "supplier":
        key = supplier_key(sbx)
    before = len(nox_state(sbx).sessions)
    assert_json_error(create_manufacturer(sbx, http, key=key), 401, "unauthorized")
    assert len(nox_state(sbx).sessions) == before


@pytest.mark.parametrize(("change", "field"), [
    ({"user_id": None}, "user_id"), ({"user_id": 3}, "user_id"), ({"redirect_url": None}, "redirect_url"),
    ({"redirect_url": "linked"}, "redirect_url"), ({"redirect_url": "https://evil.example/linked"}, "redirect_url"),
    ({"redirect_url": "PARTNER/callback"}, "redirect_url"), ({"language": "de"}, "language"),
])
def test_invalid_manufacturer_bodies_get_400(sbx: Sandbox, http: httpx.Client, change: dict[str, Any],
                                            field: str) -> None:
    body = {"user_id": new_user(), "redirect_url": f"{sbx.urls.manufacturer_app}/linked"}
    for name, value in change.items():
        if value is None:
            body.pop(name)
        else:
            body[name] = value.replace("PARTNER", sbx.urls.partner_app) if isinstance(value, str) else value
    error = assert_json_error(create_manufacturer(sbx, http, body), 400)
    assert field in error["message"]
    for content in (b"", b"[]", b"nope"):
        response = http.post(f"{sbx.urls.nox}/v2/manufacturer/link-sessions", content=content,
                             headers={"x-api-key": manufacturer_key(sbx)})
        assert_json_error(response, 400, "invalid_body")


# ================================================================== post-login redirect


def test_post_login_redirect_maps_the_user_and_answers_where_to_go(sbx: Sandbox, http: httpx.Client) -> None:
    session, state = start_auth(sbx, http)
    response = post_login(sbx, http, {"state": state, "supplier_user_id": "usr_alice"})
    assert response.status_code == 200
    assert response.json() == {"redirect_url": f"{sbx.urls.nox}/ui/supplier-return?state={state}"}
    nox = nox_state(sbx)
    nox_user_id = nox.manufacturer_users[("Daikin Europe", session["manufacturer_user_id"])]
    assert nox.supplier_links[nox_user_id] == ("Helios Energie", "usr_alice")


@pytest.mark.parametrize("key", [None, "wrong", "manufacturer"])
def test_post_login_redirect_refuses_a_wrong_key_and_keeps_the_state(
        sbx: Sandbox, http: httpx.Client, key: str | None) -> None:
    _, state = start_auth(sbx, http)
    if key == "manufacturer":
        key = manufacturer_key(sbx)
    assert_json_error(post_login(sbx, http, {"state": state, "supplier_user_id": "usr_alice"}, key=key), 401)
    assert nox_state(sbx).auth_sessions[state].supplier_user_id is None
    assert post_login(sbx, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200


@pytest.mark.parametrize("body", [
    {}, {"state": "s"}, {"supplier_user_id": "u"}, {"state": 1, "supplier_user_id": "u"},
    {"state": "s", "supplier_user_id": ""}, {"state": None, "supplier_user_id": "u"}, [], "x",
    {"state": "s" * 5000, "supplier_user_id": "u"},
])
def test_post_login_redirect_refuses_bad_bodies(sbx: Sandbox, http: httpx.Client, body: Any) -> None:
    assert_json_error(post_login(sbx, http, body), 400)


@pytest.mark.parametrize("content", [b"", b"{", b"\xff", b"[" * 50000])
def test_post_login_redirect_refuses_unreadable_bodies(sbx: Sandbox, http: httpx.Client, content: bytes) -> None:
    assert_json_error(post_login(sbx, http, None, content=content), 400, "invalid_body")


def test_post_login_redirect_refuses_an_unknown_state(sbx: Sandbox, http: httpx.Client) -> None:
    assert_json_error(post_login(sbx, http, {"state": "invented", "supplier_user_id": "u"}), 404, "not_found")
    session = manufacturer_session(sbx, http)  # a link token is not a state
    assert_json_error(post_login(sbx, http, {"state": session["link_token"], "supplier_user_id": "u"}), 404)


def test_post_login_redirect_refuses_a_used_state(sbx: Sandbox, http: httpx.Client) -> None:
    _, state = start_auth(sbx, http)
    assert post_login(sbx, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
    assert_json_error(post_login(sbx, http, {"state": state, "supplier_user_id": "usr_bob"}), 409, "already_used")
    nox = nox_state(sbx)
    assert nox.auth_sessions[state].supplier_user_id == "usr_alice"


def test_post_login_redirect_refuses_an_expired_state(faulty_sandbox: Any, http: httpx.Client,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fresh: Sandbox = faulty_sandbox()
    now = [fresh.world.clock.now()]
    # The test clock stands still here: the wall clock must not move the boundary second.
    monkeypatch.setattr(fresh.world.clock, "now", lambda: now[0])
    _, early = start_auth(fresh, http)
    _, late = start_auth(fresh, http)
    now[0] += 900
    assert post_login(fresh, http, {"state": early, "supplier_user_id": "usr_alice"}).status_code == 200
    now[0] += 1
    assert_json_error(post_login(fresh, http, {"state": late, "supplier_user_id": "usr_alice"}), 410, "expired")


# ================================================================== faults


def test_fault_auth_not_enforced(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-auth-not-enforced")
    assert create_supplier(broken, http, key=None).status_code == 201
    assert create_supplier(broken, http, key="wrong").status_code == 201


def test_fault_500_on_malformed_body(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-500-on-malformed-body")
    assert create_supplier(broken, http, content=b"not json").status_code == 500
    assert create_supplier(broken, http, user_id=42).status_code == 500


def test_fault_accepts_unknown_language(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-accepts-unknown-language")
    response = create_supplier(broken, http, language="de")
    assert response.status_code == 201
    assert response.json()["language"] == "de"


def test_fault_brand_asset_mismatch_accepted(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-brand-asset-mismatch-accepted")
    assert create_supplier(broken, http, asset_type="hp", brand="sma").status_code == 201


def test_fault_redirect_not_allowlisted(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-redirect-not-allowlisted")
    assert create_supplier(broken, http, redirect_url="https://evil.example/callback").status_code == 201


def test_fault_language_default_wrong(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-language-default-wrong")
    assert supplier_session(broken, http)["language"] == "en"


def test_fault_supplier_user_id_not_echoed(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-supplier-user-id-not-echoed")
    assert supplier_session(broken, http, user_id="usr_echo")["supplier_user_id"] != "usr_echo"


def test_fault_expires_at_off(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-expires-at-off")
    answer = supplier_session(broken, http)
    assert answer["expires_at"] == answer["created_at"] + 900


def test_fault_completed_at_set(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-completed-at-set")
    assert supplier_session(broken, http)["completed_at"] is not None


def test_fault_response_field_missing(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-response-field-missing")
    assert "asset_type" not in supplier_session(broken, http)


def test_fault_wrong_status_on_create(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-wrong-status-on-create")
    assert create_supplier(broken, http).status_code == 200


def test_fault_manufacturer_session_broken(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-manufacturer-session-broken")
    assert create_manufacturer(broken, http).status_code == 401


def test_fault_manufacturer_redirect_not_allowlisted(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-manufacturer-redirect-not-allowlisted")
    assert create_manufacturer(broken, http, redirect_url="https://evil.example/linked").status_code == 201


def test_fault_post_login_redirect_ignored(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-post-login-redirect-ignored")
    _, state = start_auth(broken, http)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
    assert nox_state(broken).supplier_links == {}
    assert nox_state(broken).auth_sessions[state].supplier_user_id is None


def test_fault_post_login_redirect_no_auth(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-post-login-redirect-no-auth")
    _, state = start_auth(broken, http)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_x"}, key=None).status_code == 200


def test_fault_post_login_state_reusable(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-post-login-state-reusable")
    _, state = start_auth(broken, http)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_bob"}).status_code == 200
    assert nox_state(broken).auth_sessions[state].supplier_user_id == "usr_bob"


def test_fault_auth_session_never_expires_at_post_login(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-auth-session-never-expires")
    _, state = start_auth(broken, http)
    broken.world.clock.advance(3600)
    assert post_login(broken, http, {"state": state, "supplier_user_id": "usr_alice"}).status_code == 200
