"""The Nomos API and portal of the sandbox, driven over HTTP."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import httpx
import pytest

from sandbox.parties.nomos_api import MAGIC_LINK_LIFETIME_SECONDS, PORTAL_SESSION_LIFETIME_SECONDS
from sandbox.server import Sandbox


def token(sbx: Sandbox, http: httpx.Client) -> str:
    seed = sbx.world.seed
    answer = http.post(f"{sbx.urls.nomos_api}/oauth/token", json={"grant_type": "client_credentials"},
                       auth=(seed.nomos_client_id, seed.secret("NOMOS_CLIENT_SECRET")))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600 and body["scope"]
    return body["access_token"]


def mint(sbx: Sandbox, http: httpx.Client, customer: str = "cus_alice", bearer: str | None = None) -> httpx.Response:
    return http.post(f"{sbx.urls.nomos_api}/admin/magic_link", json={"customerId": customer},
                     headers={"Authorization": f"Bearer {bearer or token(sbx, http)}"})


def link(sbx: Sandbox, http: httpx.Client, customer: str = "cus_alice") -> str:
    answer = mint(sbx, http, customer)
    assert answer.status_code == 200 and answer.json()["object"] == "magic_link"
    return answer.json()["link"]


def assert_error(answer: httpx.Response, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["code"] == code and body["message"] and body["requestId"] and body["docs"].endswith(code)


def test_link_for_a_subscriber_points_at_the_overview(sbx: Sandbox, http: httpx.Client) -> None:
    parts = urlsplit(link(sbx, http))
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}" == sbx.urls.nomos_portal and parts.path == "/"
    assert query["type"] == ["magiclink"] and query["next"] == ["/overview"] and query["token_hash"]


def test_link_for_a_customer_without_subscription_points_at_checkout(sbx: Sandbox, http: httpx.Client) -> None:
    assert urlsplit(link(sbx, http, "cus_bob")).path == "/start"


@pytest.mark.parametrize(("headers", "why"), [({}, "none"), ({"Authorization": "Bearer abc.def.ghi"}, "forged"),
                                              ({"Authorization": "Basic eA=="}, "wrong scheme")])
def test_minting_needs_a_valid_token(sbx: Sandbox, http: httpx.Client, headers: dict[str, str], why: str) -> None:
    answer = http.post(f"{sbx.urls.nomos_api}/admin/magic_link", json={"customerId": "cus_alice"}, headers=headers)
    assert_error(answer, 401, "UNAUTHORIZED")


def test_an_expired_token_is_refused(faulty_sandbox: object, http: httpx.Client) -> None:
    sbx = faulty_sandbox()  # type: ignore[operator]
    bearer = token(sbx, http)
    sbx.world.clock.advance(3601)
    assert_error(mint(sbx, http, bearer=bearer), 401, "UNAUTHORIZED")


def test_wrong_client_secret_is_refused(sbx: Sandbox, http: httpx.Client) -> None:
    answer = http.post(f"{sbx.urls.nomos_api}/oauth/token", json={"grant_type": "client_credentials"},
                       auth=(sbx.world.seed.nomos_client_id, "wrong"))
    assert_error(answer, 401, "UNAUTHORIZED")


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"{}", b'{"customerId": 5}', b'{"customerId": ""}',
                                  b'{"customerId": null}', "\u00e9\u2603".encode()])
def test_malformed_bodies_are_refused_without_5xx(sbx: Sandbox, http: httpx.Client, body: bytes) -> None:
    answer = http.post(f"{sbx.urls.nomos_api}/admin/magic_link", content=body,
                       headers={"Authorization": f"Bearer {token(sbx, http)}", "content-type": "application/json"})
    assert answer.status_code in (400, 422) and answer.json()["code"] in ("BAD_REQUEST", "UNPROCESSABLE_ENTITY")


def test_unknown_customer_gets_no_link(sbx: Sandbox, http: httpx.Client) -> None:
    assert_error(mint(sbx, http, "cus_nobody"), 404, "NOT_FOUND")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_is_405_json(sbx: Sandbox, http: httpx.Client, method: str) -> None:
    answer = http.request(method, f"{sbx.urls.nomos_api}/admin/magic_link")
    assert_error(answer, 405, "METHOD_NOT_ALLOWED")
    assert answer.headers["allow"] == "POST"


def open_link(http: httpx.Client, url: str) -> httpx.Response:
    return http.get(url)


def test_a_link_signs_in_once_and_the_session_is_reused(sbx: Sandbox, http: httpx.Client) -> None:
    url = link(sbx, http)
    with httpx.Client() as browser:
        first = browser.get(url)
        assert first.status_code == 303 and first.headers["location"] == "/overview"
        hub = browser.get(f"{sbx.urls.nomos_portal}/overview")
        assert 'data-testid="portal-hub"' in hub.text and "Alice Janssen" in hub.text
        for quick in ("data", "invoices", "orders", "tariff", "help"):
            assert f'data-testid="hub-link-{quick}"' in hub.text
        assert 'data-testid="invoice-id">inv_abc' in browser.get(f"{sbx.urls.nomos_portal}/invoices/inv_abc").text
    with httpx.Client() as other:
        again = other.get(url)
        assert again.status_code == 401 and 'data-testid="link-error"' in again.text


def test_an_old_link_is_refused(faulty_sandbox: object, http: httpx.Client) -> None:
    sbx = faulty_sandbox()  # type: ignore[operator]
    url = link(sbx, http)
    sbx.world.clock.advance(MAGIC_LINK_LIFETIME_SECONDS + 1)
    assert http.get(url).status_code == 401


@pytest.mark.parametrize("tamper", [lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"), lambda t: "invented"])
def test_a_tampered_token_is_refused(sbx: Sandbox, http: httpx.Client, tamper: object) -> None:
    url = link(sbx, http)
    original = parse_qs(urlsplit(url).query)["token_hash"][0]
    assert http.get(url.replace(original, tamper(original))).status_code == 401  # type: ignore[operator]


@pytest.mark.parametrize(("next_", "lands"), [("/invoices/inv_abc", "/invoices/inv_abc"), ("https://evil.example/x", "/overview"),
                                             ("//evil.example/x", "/overview"), ("/\\evil.example", "/overview")])
def test_next_stays_on_the_portal(sbx: Sandbox, http: httpx.Client, next_: str, lands: str) -> None:
    url = link(sbx, http).split("&next=")[0] + "&next=" + quote(next_, safe="/")
    answer = http.get(url)
    assert answer.status_code == 303 and answer.headers["location"] == lands, url


def test_sessions_are_independent_and_expire(faulty_sandbox: object, http: httpx.Client) -> None:
    sbx = faulty_sandbox()  # type: ignore[operator]
    with httpx.Client() as laptop, httpx.Client() as phone:
        laptop.get(link(sbx, http))
        phone.get(link(sbx, http))
        laptop.post(f"{sbx.urls.nomos_portal}/logout")
        assert 'portal-signed-out' in laptop.get(f"{sbx.urls.nomos_portal}/overview").text
        assert 'portal-hub' in phone.get(f"{sbx.urls.nomos_portal}/overview").text
        sbx.world.clock.advance(PORTAL_SESSION_LIFETIME_SECONDS + 1)
        assert 'portal-signed-out' in phone.get(f"{sbx.urls.nomos_portal}/overview").text


def test_checkout_for_a_customer_without_subscription(sbx: Sandbox, http: httpx.Client) -> None:
    with httpx.Client(follow_redirects=True) as browser:
        assert 'data-testid="checkout"' in browser.get(link(sbx, http, "cus_bob")).text


@pytest.mark.parametrize(("fault", "probe"), [
    ("portal-link-reusable", "reuse"), ("portal-link-never-expires", "expire"), ("portal-open-redirect", "redirect"),
    ("nomos-auth-not-enforced", "auth"), ("nomos-unknown-customer-gets-link", "unknown"),
])
def test_faults_break_what_they_name(faulty_sandbox: object, http: httpx.Client, fault: str, probe: str) -> None:
    sbx = faulty_sandbox(fault)  # type: ignore[operator]
    if probe == "auth":
        assert http.post(f"{sbx.urls.nomos_api}/admin/magic_link", json={"customerId": "cus_alice"}).status_code == 200
    elif probe == "unknown":
        assert mint(sbx, http, "cus_nobody").status_code == 200
    else:
        url = link(sbx, http)
        if probe == "reuse":
            http.get(url)
        elif probe == "expire":
            sbx.world.clock.advance(MAGIC_LINK_LIFETIME_SECONDS + 1)
        else:
            url = url.replace("next=/overview", "next=https://evil.example/")
        answer = http.get(url)
        assert answer.status_code == 303
        if probe == "redirect":
            assert answer.headers["location"].startswith("https://evil.example")
