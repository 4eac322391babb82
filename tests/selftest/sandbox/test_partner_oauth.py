"""The partner app's supplier OAuth page (manufacturer-initiated flow) in the isolated rig."""

from __future__ import annotations

from typing import Any

import pytest

from tests.selftest.sandbox.browser import ALICE, BOB, doc
from tests.selftest.sandbox.partner_rig import Partner, oauth_form

# ================================================================== supplier OAuth page


@pytest.mark.parametrize(("language", "lang"), [("nl", "nl"), ("en", "en"), ("fr", "fr"), ("es", "es"),
                                                 (None, "nl"), ("de", "nl"), ("<x>", "nl")])
def test_oauth_page_offers_sign_in_and_terms_in_the_language(partner: Partner, language: str | None, lang: str) -> None:
    params = {"state": "st_123"} | ({"language": language} if language is not None else {})
    response = partner.client().get("/oauth/nox", params=params)
    assert response.status_code == 200
    page = doc(response)
    assert page.lang == lang
    form = page.one("supplier-oauth")
    assert form.tag == "form" and form.get("method").lower() == "post"
    assert page.labelled("Email").get("type") == "email"
    assert page.labelled("Password").get("type") == "password"
    assert page.one("accept-terms").get("type") == "checkbox"
    assert page.one("accept-terms").form is form and page.one("supplier-oauth-submit").form is form
    terms = page.one("terms-link")
    assert terms.tag == "a"
    terms_page = partner.client().get(terms.get("href"))
    assert terms_page.status_code == 200 and doc(terms_page).lang == lang
    assert not page.has("oauth-error")
    assert {c.get("name"): c.get("value") for c in form.controls if c.get("type") == "hidden"} == {
        "state": "st_123", "language": lang}


@pytest.mark.parametrize("params", [{}, {"state": ""}, {"language": "fr"}, {"state": "x" * 5000}, {"state": "a\x00b"}])
def test_oauth_page_without_a_state_is_refused(partner: Partner, params: dict[str, str]) -> None:
    response = partner.client().get("/oauth/nox", params=params)
    assert response.status_code == 400
    assert doc(response).one("oauth-error").get("role") == "alert"
    assert not doc(response).has("supplier-oauth")
    posted = partner.client().post("/oauth/nox", data={"email": ALICE, "password": partner.password(ALICE),
                                                       "accept_terms": "yes", **params})
    assert posted.status_code == 400 and doc(posted).has("oauth-error")
    assert partner.stub.calls == []


@pytest.mark.parametrize("form", [{"password": "wrong"}, {"email": "nobody@partner.test", "password": "x"}])
def test_oauth_wrong_credentials_are_refused(partner: Partner, form: dict[str, str]) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner) | form)
    assert response.status_code == 401
    page = doc(response)
    assert page.one("oauth-error").get("role") == "alert" and page.has("supplier-oauth")
    assert partner.stub.calls == []


@pytest.mark.parametrize("terms", [None, "", "no"])
def test_oauth_without_accepting_the_terms_is_refused_and_nox_is_not_told(partner: Partner, terms: str | None) -> None:
    form = oauth_form(partner, terms=False, language="fr") | ({"accept_terms": terms} if terms is not None else {})
    response = partner.client().post("/oauth/nox", data=form)
    assert response.status_code == 400
    page = doc(response)
    assert page.lang == "fr" and page.one("oauth-error").text.strip()
    assert page.one("supplier-oauth") and page.labelled("Email").get("value") == ALICE
    assert partner.stub.calls == []


def test_oauth_success_tells_nox_the_supplier_user_and_follows_its_redirect(partner: Partner) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, BOB, state="st_9"))
    (call,) = partner.stub.calls
    assert (call.method, call.path) == ("POST", "/post-login-redirect")
    assert call.headers["x-api-key"] == partner.world.seed.secret("NOX_SUPPLIER_API_KEY")
    assert call.json == {"state": "st_9", "supplier_user_id": "usr_bob"}
    assert response.status_code == 303
    assert response.headers["location"] == "http://127.0.0.1:9/ui/supplier-return?state=st_9"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(("state", "status"), [("unknown", 400), ("used", 400), ("expired", 410)])
def test_oauth_on_a_refused_state_asks_to_start_again(partner: Partner, state: str, status: int) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, state=state))
    assert response.status_code == status
    alert = doc(response).one("oauth-error")
    assert "expired or is no longer valid" in alert.text and "manufacturer" in alert.text
    spanish = partner.client().post("/oauth/nox", data=oauth_form(partner, state=state, language="es"))
    assert doc(spanish).lang == "es" and "caducado" in doc(spanish).one("oauth-error").text


@pytest.mark.parametrize(("status", "body"), [
    (401, {"error": "unauthorized"}), (500, {"error": "boom"}), (200, {"no": "redirect"}),
    (200, {"redirect_url": "javascript:alert(1)"}), (400, None),
])
def test_oauth_other_nox_failures_show_a_friendly_page(partner: Partner, status: int, body: Any) -> None:
    if body is None:
        partner.stub.queue("/post-login-redirect", status, raw=b"<html>oops</html>")
    else:
        partner.stub.queue("/post-login-redirect", status, body)
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code in ((400,) if status == 400 else (502,))
    assert doc(response).one("oauth-error").get("role") == "alert"


def test_oauth_waits_out_a_rate_limit(partner: Partner) -> None:
    partner.stub.queue("/post-login-redirect", 429, {"error": "rate_limited"}, headers={"retry-after": "0"})
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code == 303 and len(partner.stub.calls) == 2


