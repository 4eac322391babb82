"""The brand pages (sandbox/parties/brands.py): the manufacturers' sign-in pages NOX opens,
in the session's language, with their terms where a brand asks for them, and the code
exchange by which NOX learns which device the signed-in account owns."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.seed import TERMS_BRANDS
from sandbox.server import Sandbox
from tests.selftest.sandbox.browser import doc
from tests.selftest.sandbox.nox_client import query, without_query

LABELS = {"nl": ("Gebruikersnaam", "Wachtwoord"), "en": ("Username", "Password"),
          "fr": ("Nom d'utilisateur", "Mot de passe"), "es": ("Nombre de usuario", "Contraseña")}


def authorize(sbx: Sandbox, http: httpx.Client, brand: str, username: str, *, password: str | None = None,
              terms: bool = True, session: str = "sess-1", language: str = "en") -> httpx.Response:
    """Submit the brand's sign-in form."""
    form = {"session": session, "language": language, "username": username,
            "password": sbx.secrets["BRAND_ACCOUNT_PASSWORD"] if password is None else password}
    return http.post(f"{sbx.urls.brands}/{brand}/authorize", data=form | ({"accept_terms": "yes"} if terms else {}))


def exchange(sbx: Sandbox, http: httpx.Client, code: str, **extra: str) -> httpx.Response:
    """NOX's side: redeem a code at the brand party."""
    return http.post(f"{sbx.urls.brands}/oauth/token", data={"grant_type": "authorization_code", "code": code, **extra})


def code_of(sbx: Sandbox, response: httpx.Response, session: str = "sess-1") -> str:
    """The code a successful sign-in hands NOX, checking where it sends the browser."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert without_query(location) == f"{sbx.urls.nox}/ui/brand-return"
    assert query(location)["session"] == session
    return query(location)["code"]


def refused(response: httpx.Response, status: int) -> str:
    """The alert of a refused sign-in, which shows the form again."""
    assert response.status_code == status, response.text
    page = doc(response)
    assert page.has("brand-login"), "a refused sign-in shows the form again"
    alert = page.one("brand-error")
    assert alert.get("role") == "alert" and alert.text.strip()
    return alert.text.strip()


# ================================================================== the sign-in page


@pytest.mark.parametrize(("language", "lang"), [("nl", "nl"), ("en", "en"), ("fr", "fr"), ("es", "es"),
                                                 (None, "nl"), ("de", "nl")])
def test_the_sign_in_page_asks_for_the_account_in_the_language(sbx: Sandbox, http: httpx.Client,
                                                              language: str | None, lang: str) -> None:
    params = {"session": "sess-1"} | ({"language": language} if language else {})
    response = http.get(f"{sbx.urls.brands}/daikin/authorize", params=params)
    assert response.status_code == 200
    page = doc(response)
    assert page.lang == lang
    form = page.one("brand-login")
    assert form.get("data-brand") == "daikin" and form.get("method").lower() == "post"
    username, password = LABELS[lang]
    assert page.labelled(username).get("data-testid") == "brand-username"
    assert page.labelled(password).get("type") == "password"
    assert page.one("brand-authorize").form is form
    hidden = {c.get("name"): c.get("value") for c in form.controls if c.get("type") == "hidden"}
    assert hidden == {"session": "sess-1", "language": lang}
    assert not page.has("brand-error")


@pytest.mark.parametrize("brand", ["daikin", "vaillant", "sma", "huawei"])
def test_only_the_terms_brands_ask_for_their_terms(sbx: Sandbox, http: httpx.Client, brand: str) -> None:
    page = doc(http.get(f"{sbx.urls.brands}/{brand}/authorize", params={"session": "s", "language": "en"}))
    assert page.has("brand-accept-terms") == (brand in TERMS_BRANDS)
    if brand in TERMS_BRANDS:
        assert page.one("brand-accept-terms").get("type") == "checkbox"


def test_a_page_without_a_session_says_to_start_again(sbx: Sandbox, http: httpx.Client) -> None:
    for response in (http.get(f"{sbx.urls.brands}/daikin/authorize", params={"language": "fr"}),
                     http.post(f"{sbx.urls.brands}/daikin/authorize", data={"username": "daikin-owner-1"})):
        assert response.status_code == 400
        assert doc(response).one("brand-error").get("role") == "alert" and not doc(response).has("brand-login")
    assert doc(http.get(f"{sbx.urls.brands}/daikin/authorize", params={"language": "fr"})).lang == "fr"


@pytest.mark.parametrize("path", ["/tesla/authorize", "/Daikin/authorize", "/daikin", "/daikin/authorize/x"])
def test_an_unknown_brand_or_page_is_404(sbx: Sandbox, http: httpx.Client, path: str) -> None:
    response = http.get(f"{sbx.urls.brands}{path}", params={"session": "s"})
    assert response.status_code == 404 and doc(response).one("page-error").get("role") == "alert"


# ================================================================== signing in


@pytest.mark.parametrize(("brand", "username", "device"), [
    ("daikin", "daikin-owner-1", "daikin-hp-0001"), ("daikin", "daikin-owner-2", "daikin-hp-0002"),
    ("vaillant", "vaillant-owner-1", "vaillant-hp-0001"), ("sma", "sma-owner-2", "sma-pv-0002"),
])
def test_a_sign_in_grants_nox_the_device_the_account_owns(sbx: Sandbox, http: httpx.Client, brand: str,
                                                         username: str, device: str) -> None:
    code = code_of(sbx, authorize(sbx, http, brand, username))
    answer = exchange(sbx, http, code, session="sess-1")
    assert answer.status_code == 200
    assert answer.json() == {"brand": brand, "username": username, "device_id": device, "session": "sess-1"}


@pytest.mark.parametrize(("brand", "username", "password"), [
    ("daikin", "daikin-owner-1", "wrong"), ("daikin", "daikin-owner-1", ""), ("daikin", "nobody", None),
    ("sma", "daikin-owner-1", None),  # an account of another brand
])
def test_a_wrong_account_or_password_is_refused(sbx: Sandbox, http: httpx.Client, brand: str, username: str,
                                               password: str | None) -> None:
    response = authorize(sbx, http, brand, username, password=password, language="es")
    assert refused(response, 401) == "Nombre de usuario o contraseña incorrectos."
    assert doc(response).one("brand-username").get("value") == username
    assert "location" not in response.headers


def test_a_terms_brand_refuses_a_sign_in_without_its_terms(sbx: Sandbox, http: httpx.Client) -> None:
    text = refused(authorize(sbx, http, "vaillant", "vaillant-owner-1", terms=False, language="nl"), 400)
    assert "Vaillant" in text and "gebruiksvoorwaarden" in text
    assert code_of(sbx, authorize(sbx, http, "daikin", "daikin-owner-1", terms=False))  # no terms asked


# ================================================================== the code exchange


def test_a_code_works_once(sbx: Sandbox, http: httpx.Client) -> None:
    code = code_of(sbx, authorize(sbx, http, "sma", "sma-owner-1"))
    assert exchange(sbx, http, code).status_code == 200
    again = exchange(sbx, http, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


def test_a_code_is_bound_to_its_session(sbx: Sandbox, http: httpx.Client) -> None:
    code = code_of(sbx, authorize(sbx, http, "daikin", "daikin-owner-1", session="mine"), session="mine")
    assert exchange(sbx, http, code, session="another").json()["error"] == "invalid_grant"
    assert exchange(sbx, http, code, session="mine").json()["device_id"] == "daikin-hp-0001", "still unused"


@pytest.mark.parametrize("form", [{"code": "invented"}, {}, {"grant_type": "password", "code": "x"}])
def test_an_invalid_exchange_is_refused(sbx: Sandbox, http: httpx.Client, form: dict[str, Any]) -> None:
    if "grant_type" in form:
        form["code"] = code_of(sbx, authorize(sbx, http, "daikin", "daikin-owner-1"))
    else:
        form = {"grant_type": "authorization_code", **form}
    response = http.post(f"{sbx.urls.brands}/oauth/token", data=form)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/daikin/authorize", b"\xff\xfe"), ("POST", "/daikin/authorize", b"session=s&" + b"a" * 20000),
    ("POST", "/oauth/token", b"%ZZ"), ("GET", "/oauth/token", None), ("PUT", "/daikin/authorize", None),
    ("GET", "/daikin/authorize?session=%00&language=%E9", None),
])
def test_no_input_gets_a_server_error(sbx: Sandbox, http: httpx.Client, method: str, path: str,
                                      body: bytes | None) -> None:
    response = http.request(method, f"{sbx.urls.brands}{path}", content=body,
                            headers={"content-type": "application/x-www-form-urlencoded"} if body else {})
    assert response.status_code < 500, (method, path, response.status_code)


# ================================================================== faults


def test_fault_terms_not_required(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("brand-terms-not-required")
    assert code_of(broken, authorize(broken, http, "vaillant", "vaillant-owner-1", terms=False))


def test_fault_accepts_any_password(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("brand-accepts-any-password")
    assert code_of(broken, authorize(broken, http, "daikin", "daikin-owner-1", password="wrong"))


def test_fault_ignores_language(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("brand-ignores-language")
    page = doc(http.get(f"{broken.urls.brands}/daikin/authorize", params={"session": "s", "language": "fr"}))
    assert page.lang == "en" and page.labelled("Username").get("data-testid") == "brand-username"
