"""The partner app's sign-in, sign-out and home page, in the isolated rig (conftest.py),
and its refusal to answer any input with a server error."""

from __future__ import annotations

import pytest

from sandbox.parties import partner_app
from tests.selftest.sandbox.browser import ALICE, BOB, doc
from tests.selftest.sandbox.partner_rig import Partner

# ================================================================== sign-in and home


def test_sign_in_page_offers_the_form(partner: Partner) -> None:
    response = partner.client().get("/login")
    assert response.status_code == 200
    page = doc(response)
    form = page.one("partner-login")
    assert form.tag == "form" and form.get("method").lower() == "post"
    assert page.labelled("Email").get("name") == "email"
    assert page.labelled("Password").get("type") == "password"
    assert page.one("partner-login-submit").form is form
    assert page.lang == "en"


def test_sign_in_page_carries_a_safe_next_through_the_form(partner: Partner) -> None:
    page = doc(partner.client().get("/login", params={"next": "/portal?next=/invoices/inv_abc"}))
    hidden = [c for c in page.one("partner-login").controls if c.get("name") == "next"]
    assert [c.get("value") for c in hidden] == ["/portal?next=/invoices/inv_abc"]
    page = doc(partner.client().get("/login", params={"next": "https://evil.example/"}))
    assert not [c for c in page.one("partner-login").controls if c.get("name") == "next"]


@pytest.mark.parametrize("form", [
    {"email": ALICE, "password": "wrong"},
    {"email": "nobody@partner.test", "password": "x"},
    {"email": ALICE, "password": ""},
    {},
])
def test_wrong_credentials_are_refused_with_an_alert(partner: Partner, form: dict[str, str]) -> None:
    response = partner.client().post("/login", data=form)
    assert response.status_code == 401
    page = doc(response)
    assert page.has("partner-login")
    assert any(e.get("role") == "alert" and e.text.strip() for e in page.elements)
    assert "set-cookie" not in response.headers
    assert not partner.state.sessions


def test_another_users_password_does_not_sign_in(partner: Partner) -> None:
    response = partner.client().post("/login", data={"email": ALICE, "password": partner.password(BOB)})
    assert response.status_code == 401


def test_sign_in_sets_a_safe_session_cookie_and_goes_home(partner: Partner) -> None:
    client = partner.client()
    response = client.post("/login", data={"email": "Alice@Partner.test", "password": partner.password(ALICE)})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{partner_app.SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 32 and "usr_alice" not in value and ALICE not in value
    home = client.get("/")
    assert home.status_code == 200
    assert doc(home).one("partner-user-name").text.strip() == "Alice Janssen"


@pytest.mark.parametrize(("wanted", "lands"), [
    ("/portal", "/portal"),
    ("/devices?x=1", "/devices?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
])
def test_sign_in_follows_only_a_local_next(partner: Partner, wanted: str, lands: str) -> None:
    response = partner.client().post(
        "/login", data={"email": ALICE, "password": partner.password(ALICE), "next": wanted})
    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_each_sign_in_gets_a_new_session(partner: Partner) -> None:
    client = partner.signed_in()
    first = client.cookies[partner_app.SESSION_COOKIE]
    client.post("/login", data={"email": BOB, "password": partner.password(BOB)})
    second = client.cookies[partner_app.SESSION_COOKIE]
    assert first != second
    assert partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}={first}"}).status_code == 303
    assert doc(client.get("/")).one("partner-user-name").text.strip() == "Bob Peeters"


def test_home_requires_sign_in(partner: Partner) -> None:
    response = partner.client().get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    forged = partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}=usr_alice"})
    assert forged.status_code == 303


def test_home_offers_the_entry_points(partner: Partner) -> None:
    page = doc(partner.signed_in(BOB).get("/"))
    assert page.has("partner-home")
    assert page.one("partner-user-name").text.strip() == "Bob Peeters"
    assert page.one("open-energy-account").tag == "a" and page.one("open-energy-account").get("href") == "/portal"
    assert page.one("connect-hp").get("href") == "/connect/hp"
    assert page.one("connect-pv").get("href") == "/connect/pv"
    sign_out = page.one("partner-sign-out")
    assert sign_out.form is not None and sign_out.form.get("action") == "/logout"
    assert sign_out.form.get("method").lower() == "post"
    assert not partner.stub.calls, "the home page must not call Nomos or NOX"


def test_sign_out_ends_the_session(partner: Partner) -> None:
    client = partner.signed_in()
    session = client.cookies[partner_app.SESSION_COOKIE]
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    assert partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}={session}"}).status_code == 303
    assert partner.client().get("/logout").status_code == 405


# ================================================================== never a 5xx


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", "/login", None), ("DELETE", "/", None), ("POST", "/portal", None), ("POST", "/callback", None),
    ("PATCH", "/oauth/nox", None), ("GET", "/nowhere", None), ("GET", "/connect/", None),
    ("POST", "/login", b"\xff\xfe\x00garbage"), ("POST", "/login", b'{"email": "alice@partner.test"}'),
    ("POST", "/login", b"email=%ZZ&password=%00%01"), ("POST", "/login", b"a=" + b"x" * 200000),
    ("POST", "/login", b"&".join(b"k%d=v" % i for i in range(500))),
    ("POST", "/oauth/nox", b"\xff\xfe"), ("POST", "/oauth/nox", b"state=s&language=%E9"),
    ("GET", "/login?next=%ZZ%00", None), ("GET", "/oauth/nox?state=%E9%00&language=%FF", None),
    ("GET", "/callback?data=%ZZ", None), ("GET", "/portal?next=" + "/a" * 5000, None),
    ("GET", "/terms?language[]=x", None), ("GET", "/connect/hp?language=%00&brand=%E9", None),
])
def test_no_input_gets_a_server_error(partner: Partner, method: str, path: str, body: bytes | None) -> None:
    for client in (partner.client(), partner.signed_in()):
        response = client.request(method, path, content=body,
                                  headers={"content-type": "application/x-www-form-urlencoded"} if body else {})
        assert response.status_code < 500, (method, path, response.status_code)


