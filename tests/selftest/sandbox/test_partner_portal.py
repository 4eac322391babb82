"""The partner app's portal SSO (``/portal``) in the isolated rig: every request it sends
to Nomos is checked, and every Nomos failure is provoked."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.parties import partner_app
from tests.selftest.sandbox.browser import BOB, JWT, doc
from tests.selftest.sandbox.partner_rig import Partner, basic

# ================================================================== portal SSO


def test_portal_signed_out_goes_to_sign_in_and_mints_nothing(partner: Partner) -> None:
    client = partner.client()
    response = client.get("/portal")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/portal"
    deep = client.get("/portal", params={"next": "/invoices/inv_abc"})
    assert deep.status_code == 303 and deep.headers["location"].startswith("/login?next=")
    (carried,) = parse_qs(urlsplit(deep.headers["location"]).query)["next"]
    assert urlsplit(carried).path == "/portal"
    assert parse_qs(urlsplit(carried).query)["next"] == ["/invoices/inv_abc"]
    assert partner.stub.calls == [] and partner.state.mints == 0


def test_portal_mints_server_side_for_the_signed_in_customer(partner: Partner) -> None:
    response = partner.signed_in().get("/portal")
    assert response.status_code == 303
    assert response.headers["location"] == partner.stub.links[0]
    token_call, mint_call = partner.stub.calls
    assert (token_call.method, token_call.path) == ("POST", "/oauth/token")
    assert token_call.headers["authorization"] == basic(
        partner.world.seed.nomos_client_id, partner.world.seed.secret("NOMOS_CLIENT_SECRET"))
    assert token_call.json == {"grant_type": "client_credentials"}
    assert (mint_call.method, mint_call.path) == ("POST", "/admin/magic_link")
    assert mint_call.headers["authorization"] == f"Bearer {partner.stub.issued[0]}"
    assert mint_call.json == {"customerId": "cus_alice"}
    assert partner.signed_in(BOB).get("/portal").status_code == 303
    assert partner.stub.to("/admin/magic_link")[-1].json == {"customerId": "cus_bob"}


def test_portal_mints_a_fresh_link_on_every_visit_with_one_cached_token(partner: Partner) -> None:
    client = partner.signed_in()
    locations = [client.get("/portal").headers["location"] for _ in range(3)]
    assert len(set(locations)) == 3
    assert len(partner.stub.to("/oauth/token")) == 1
    assert len(partner.stub.to("/admin/magic_link")) == 3


def test_portal_renews_the_token_shortly_before_it_expires(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/portal")
    partner.world.clock.advance(3000)
    client.get("/portal")
    assert len(partner.stub.to("/oauth/token")) == 1, "a token with ten minutes left is still good"
    partner.world.clock.advance(570)  # 30 seconds before expires_in runs out on the test clock
    assert client.get("/portal").status_code == 303
    assert len(partner.stub.to("/oauth/token")) == 2
    assert partner.stub.to("/admin/magic_link")[-1].headers["authorization"] == f"Bearer {partner.stub.issued[1]}"


def test_portal_fetches_a_new_token_once_after_a_401(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/portal")
    partner.stub.valid_tokens.clear()  # Nomos revoked the cached token
    response = client.get("/portal")
    assert response.status_code == 303 and response.headers["location"] == partner.stub.links[-1]
    assert len(partner.stub.to("/oauth/token")) == 2
    refused = partner.stub.to("/admin/magic_link")[1]
    assert refused.headers["authorization"] == f"Bearer {partner.stub.issued[0]}"


def test_portal_tries_only_once_more_after_a_401(partner: Partner) -> None:
    client = partner.signed_in()
    for _ in range(2):
        partner.stub.queue("/admin/magic_link", 401, {"code": "UNAUTHORIZED"})
    response = client.get("/portal")
    assert response.status_code == 502
    assert len(partner.stub.to("/admin/magic_link")) == 2


def test_portal_waits_out_a_rate_limit(partner: Partner) -> None:
    partner.stub.queue("/oauth/token", 429, {"code": "TOO_MANY_REQUESTS"}, headers={"retry-after": "0"})
    partner.stub.queue("/admin/magic_link", 429, {"code": "TOO_MANY_REQUESTS"}, headers={"retry-after": "0"})
    response = partner.signed_in().get("/portal")
    assert response.status_code == 303
    assert len(partner.stub.to("/oauth/token")) == 2 and len(partner.stub.to("/admin/magic_link")) == 2


@pytest.mark.parametrize(("path", "status", "body", "raw"), [
    ("/oauth/token", 401, {"code": "UNAUTHORIZED"}, None),
    ("/oauth/token", 500, {"code": "INTERNAL_SERVER_ERROR"}, None),
    ("/oauth/token", 200, None, b"not json"),
    ("/oauth/token", 200, {"token_type": "Bearer"}, None),
    ("/admin/magic_link", 404, {"code": "NOT_FOUND"}, None),
    ("/admin/magic_link", 500, {"code": "INTERNAL_SERVER_ERROR"}, None),
    ("/admin/magic_link", 200, {"object": "magic_link", "link": "not a url"}, None),
    ("/admin/magic_link", 200, {"object": "magic_link", "link": "javascript:alert(1)"}, None),
    ("/admin/magic_link", 200, ["a list"], None),
    ("/admin/magic_link", 429, {"code": "TOO_MANY_REQUESTS"}, None),
])
def test_portal_shows_a_friendly_page_when_nomos_fails(
    partner: Partner, path: str, status: int, body: Any, raw: bytes | None
) -> None:
    client = partner.signed_in()
    repeat = partner_app.MAX_RETRIES + 1 if status == 429 else 1
    for _ in range(repeat):
        partner.stub.queue(path, status, body, headers={"retry-after": "0"}, raw=raw)
    response = client.get("/portal")
    assert response.status_code == 502
    alert = doc(response).one("portal-error")
    assert alert.get("role") == "alert" and alert.text.strip()
    for token in partner.stub.issued:
        assert token not in response.text and token not in str(response.headers)


def test_portal_deep_link_sets_next_on_the_link(partner: Partner) -> None:
    client = partner.signed_in()
    location = client.get("/portal", params={"next": "/invoices/inv_abc"}).headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["next"] == ["/invoices/inv_abc"]
    assert query["token_hash"] == ["th0x"] and query["type"] == ["magiclink"]
    assert location.startswith("http://127.0.0.1:9/?")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example", "/\\evil.example", "overview", ""])
def test_portal_ignores_a_next_that_is_not_a_path(partner: Partner, elsewhere: str) -> None:
    location = partner.signed_in().get("/portal", params={"next": elsewhere}).headers["location"]
    assert location == partner.stub.links[-1]
    assert parse_qs(urlsplit(location).query)["next"] == ["/overview"]


def test_the_access_token_never_reaches_the_browser(partner: Partner) -> None:
    client = partner.signed_in()
    seen = [client.get(path) for path in ("/", "/portal", "/portal?next=/invoices/inv_abc", "/devices")]
    partner.stub.queue("/admin/magic_link", 500, {"code": "INTERNAL_SERVER_ERROR"})
    seen.append(client.get("/portal"))
    assert partner.stub.issued
    for response in seen:
        visible = response.text + str(response.headers) + str(response.url)
        for token in partner.stub.issued:
            assert token not in visible
        assert not JWT.search(visible) and "access_token" not in visible and "Bearer" not in visible
    assert set(client.cookies.keys()) == {partner_app.SESSION_COOKIE}


