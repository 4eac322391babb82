"""The manufacturer's app (sandbox/parties/manufacturer_app.py): its start button, which
creates a NOX manufacturer link session, and its result page, which tells the person
whether the energy supplier was linked and, if not, why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from sandbox.parties.manufacturer_app import DEMO_USER, REASONS
from sandbox.server import Sandbox
from tests.selftest.sandbox.browser import activate, doc
from tests.selftest.sandbox.nox_client import nox_state, post_login, query, start_auth, without_query

LINKED = "Your energy supplier is now linked."


def result(response: httpx.Response) -> tuple[str, str, str]:
    """The result page's (data-status, data-reason, sentence); fails when the page has none."""
    assert response.status_code == 200, response.status_code
    shown = doc(response).one("manufacturer-result")
    return shown.get("data-status"), shown.get("data-reason"), shown.text.strip()


def back_from_nox(sbx: Sandbox, http: httpx.Client, state: str) -> httpx.Response:
    """Follow NOX's supplier return to the manufacturer's result page."""
    response = http.get(f"{sbx.urls.nox}/ui/supplier-return", params={"state": state})
    assert response.status_code == 303
    assert without_query(response.headers["location"]) == f"{sbx.urls.manufacturer_app}/linked"
    return http.get(response.headers["location"])


# ================================================================== start


def test_the_start_page_offers_to_connect_the_energy_supplier(sbx: Sandbox, http: httpx.Client) -> None:
    page = doc(http.get(f"{sbx.urls.manufacturer_app}/", params={"language": "fr"}))
    button = page.one("manufacturer-connect")
    assert button.form is page.one("manufacturer-start") and button.form.get("action") == "/start"
    assert {c.get("name"): c.get("value") for c in button.form.controls if c.get("type") == "hidden"} == {
        "language": "fr"}
    assert not page.has("manufacturer-error")


@pytest.mark.parametrize(("language", "expected"), [("fr", "fr"), ("es", "es"), (None, "nl"), ("xx", "nl")])
def test_connecting_creates_a_nox_session_and_opens_it(sbx: Sandbox, http: httpx.Client, language: str | None,
                                                      expected: str) -> None:
    start = http.get(f"{sbx.urls.manufacturer_app}/", params={"language": language} if language else {})
    response = activate(http, start, doc(start).one("manufacturer-connect"))
    assert response.status_code == 303
    location = response.headers["location"]
    assert without_query(location) == f"{sbx.urls.nox}/ui" and query(location)["language"] == expected
    session = nox_state(sbx).sessions[query(location)["token"]]
    assert (session.kind, session.user_id, session.language) == ("manufacturer", DEMO_USER, expected)
    assert session.redirect_url == f"{sbx.urls.manufacturer_app}/linked"


def test_when_nox_refuses_the_app_says_so(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("nox-manufacturer-session-broken")
    response = http.post(f"{broken.urls.manufacturer_app}/start", data={"language": "nl"})
    assert response.status_code == 502
    alert = doc(response).one("manufacturer-error")
    assert alert.get("role") == "alert" and "could not start" in alert.text
    assert doc(response).has("manufacturer-connect"), "the person can try again"


# ================================================================== the result page


def test_success_says_the_supplier_is_linked(sbx: Sandbox, http: httpx.Client) -> None:
    response = http.get(f"{sbx.urls.manufacturer_app}/linked", params={"status": "success"})
    assert result(response) == ("success", "", LINKED)
    assert doc(response).one("manufacturer-result").get("role") == ""


@pytest.mark.parametrize("reason", sorted(REASONS))
def test_each_error_reason_has_its_sentence(sbx: Sandbox, http: httpx.Client, reason: str) -> None:
    response = http.get(f"{sbx.urls.manufacturer_app}/linked", params={"status": "error", "reason": reason})
    assert result(response) == ("error", reason, REASONS[reason])
    assert doc(response).one("manufacturer-result").get("role") == "alert"


@pytest.mark.parametrize(("params", "status", "reason"), [
    ({"status": "error", "reason": "boom"}, "error", "unknown"), ({"status": "error"}, "error", "unknown"),
    ({"status": "maybe"}, "unknown", ""), ({}, "unknown", ""),
])
def test_an_unclear_answer_is_never_shown_as_success(sbx: Sandbox, http: httpx.Client, params: dict[str, str],
                                                    status: str, reason: str) -> None:
    shown_status, shown_reason, sentence = result(http.get(f"{sbx.urls.manufacturer_app}/linked", params=params))
    assert (shown_status, shown_reason) == (status, reason)
    assert sentence and sentence != LINKED


def test_nox_reports_reach_the_result_page(faulty_sandbox: Any, http: httpx.Client) -> None:
    """What NOX tells the manufacturer (success, denied, expired, invalid) is what the person reads."""
    fresh: Sandbox = faulty_sandbox()
    _, confirmed = start_auth(fresh, http)
    assert post_login(fresh, http, {"state": confirmed, "supplier_user_id": "usr_alice"}).status_code == 200
    assert result(back_from_nox(fresh, http, confirmed)) == ("success", "", LINKED)
    assert result(back_from_nox(fresh, http, confirmed))[:2] == ("error", "invalid")
    _, unconfirmed = start_auth(fresh, http)
    assert result(back_from_nox(fresh, http, unconfirmed))[:2] == ("error", "denied")
    _, late = start_auth(fresh, http)
    fresh.world.clock.advance(901)
    assert result(back_from_nox(fresh, http, late)) == ("error", "expired", REASONS["expired"])


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/nowhere", 404), ("GET", "/start", 405),
                                                        ("POST", "/linked", 405)])
def test_other_pages_and_methods_are_refused_with_a_page(sbx: Sandbox, http: httpx.Client, method: str, path: str,
                                                         status: int) -> None:
    response = http.request(method, f"{sbx.urls.manufacturer_app}{path}")
    assert response.status_code == status and doc(response).one("page-error").get("role") == "alert"


# ================================================================== faults


def test_fault_always_success(faulty_sandbox: Any, http: httpx.Client) -> None:
    broken: Sandbox = faulty_sandbox("manufacturer-always-success")
    response = http.get(f"{broken.urls.manufacturer_app}/linked", params={"status": "error", "reason": "denied"})
    assert result(response) == ("success", "", LINKED)
