"""The faults behind the sweep's probes (tests/sweep, REQ-SEC-15 onwards) break what they
say, and the fault-free sandbox does what the sweep asks of any deployment: escaped
reflections, refusals in the asked language, 405 with Allow, non-ASCII echoed, and
Nomos 401s with their WWW-Authenticate challenge (RFC 6750 §3, RFC 6749 §5.2)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from sandbox.server import Sandbox
from tests.selftest.sandbox.nox_client import create_supplier, html_lang, session_error, supplier_session
from tests.selftest.sandbox.partner_rig import Partner

MARK = "\"'><x-probe>"


def test_partner_oauth_page_escapes_its_state_unless_the_fault_is_on(make_partner: Callable[..., Partner]) -> None:
    fine = make_partner().client().get("/oauth/nox", params={"state": MARK, "language": "en"})
    assert fine.status_code == 200 and "<x-probe>" not in fine.text and "&lt;x-probe&gt;" in fine.text
    broken = make_partner("partner-oauth-reflects-state").client().get("/oauth/nox", params={"state": MARK})
    assert "<x-probe>" in broken.text


def test_partner_oauth_refusal_follows_the_language_unless_the_fault_is_on(make_partner: Callable[..., Partner]) -> None:
    fine = make_partner().client().get("/oauth/nox", params={"language": "fr"})
    assert fine.status_code == 400 and html_lang(fine) == "fr"
    broken = make_partner("partner-oauth-refusal-in-english").client().get("/oauth/nox", params={"language": "fr"})
    assert broken.status_code == 400 and html_lang(broken) == "en"


def _invalid_link(sbx: Sandbox, http: httpx.Client, language: str) -> httpx.Response:
    session = supplier_session(sbx, http, language=language)
    return http.get(session["link_url"].replace(session["link_token"], "no-such-token"))


def test_nox_refusals_follow_the_language_unless_the_fault_is_on(sbx: Sandbox, faulty_sandbox: Callable[..., Sandbox],
                                                                  http: httpx.Client) -> None:
    fine = _invalid_link(sbx, http, "es")
    assert session_error(fine) == "invalid" and html_lang(fine) == "es"
    broken = _invalid_link(faulty_sandbox("nox-refusals-in-dutch"), http, "es")
    assert session_error(broken) == "invalid" and html_lang(broken) == "nl"


def test_nox_405_names_allow_unless_the_fault_is_on(sbx: Sandbox, faulty_sandbox: Callable[..., Sandbox],
                                                    http: httpx.Client) -> None:
    fine = http.get(f"{sbx.urls.nox}/v2/supplier/link-sessions")
    assert fine.status_code == 405 and "POST" in fine.headers["allow"]
    broken = http.get(f"{faulty_sandbox('nox-405-without-allow').urls.nox}/v2/supplier/link-sessions")
    assert broken.status_code == 405 and "allow" not in broken.headers


def test_nox_echoes_non_ascii_unless_the_fault_is_on(sbx: Sandbox, faulty_sandbox: Callable[..., Sandbox],
                                                     http: httpx.Client) -> None:
    name = "Zoë-日本"
    body = {"user_id": name, "asset_type": "hp", "redirect_url": f"{sbx.urls.partner_app}/callback"}
    assert create_supplier(sbx, http, body).json()["supplier_user_id"] == name
    broken = faulty_sandbox("nox-non-ascii-mangled")
    body["redirect_url"] = f"{broken.urls.partner_app}/callback"
    assert create_supplier(broken, http, body).json()["supplier_user_id"] == "Zo?-??"


def test_nomos_401s_carry_their_challenge(sbx: Sandbox, http: httpx.Client) -> None:
    api = sbx.urls.nomos_api
    missing = http.post(f"{api}/admin/magic_link", json={"customerId": "cus_alice"})
    invalid = http.post(f"{api}/admin/magic_link", json={"customerId": "cus_alice"}, headers={"Authorization": "Bearer x.y.z"})
    token = http.post(f"{api}/oauth/token", json={"grant_type": "client_credentials"}, auth=("partner-suite", "wrong"))
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer ")
    assert "error=" not in missing.headers["www-authenticate"]  # RFC 6750 §3.1: no error code without a token
    assert invalid.status_code == 401 and 'error="invalid_token"' in invalid.headers["www-authenticate"]
    assert token.status_code == 401 and token.headers["www-authenticate"].startswith("Basic ")


def test_nomos_faults_drop_the_challenge_and_the_meaning(faulty_sandbox: Callable[..., Sandbox], http: httpx.Client) -> None:
    broken = faulty_sandbox("nomos-401-without-bearer-challenge", "nomos-token-401-without-basic-challenge",
                            "nomos-error-request-id-constant", "nomos-error-docs-generic")
    api = broken.urls.nomos_api
    first = http.post(f"{api}/admin/magic_link", json={"customerId": "cus_alice"})
    second = http.post(f"{api}/oauth/token", json={"grant_type": "client_credentials"}, auth=("partner-suite", "wrong"))
    assert "www-authenticate" not in first.headers and "www-authenticate" not in second.headers
    assert first.json()["requestId"] == second.json()["requestId"]
    bad = http.post(f"{api}/oauth/token", content=b"{", auth=("partner-suite", broken.secrets["NOMOS_CLIENT_SECRET"]))
    assert bad.status_code == 400 and bad.json()["docs"] == first.json()["docs"]


def test_portal_refusal_declares_its_language_unless_the_fault_is_on(sbx: Sandbox, faulty_sandbox: Callable[..., Sandbox],
                                                                    http: httpx.Client) -> None:
    params = {"token_hash": "no-such-token", "type": "magiclink"}
    assert html_lang(http.get(f"{sbx.urls.nomos_portal}/", params=params)) == "en"
    broken = faulty_sandbox("portal-refusal-without-language")
    assert html_lang(http.get(f"{broken.urls.nomos_portal}/", params=params)) == ""


def test_pages_carry_the_security_headers_unless_a_fault_drops_them(
        sbx: Sandbox, faulty_sandbox: Callable[..., Sandbox], make_partner: Callable[..., Partner],
        http: httpx.Client) -> None:
    home = make_partner().signed_in().get("/")
    assert home.headers["x-content-type-options"] == "nosniff" and "no-store" in home.headers["cache-control"]
    assert "frame-ancestors 'none'" in home.headers["content-security-policy"]
    cached = make_partner("partner-home-cacheable").signed_in().get("/")
    assert "no-store" not in cached.headers["cache-control"]
    link = supplier_session(sbx, http)["link_url"]
    assert http.get(link).headers["x-frame-options"] == "DENY"
    broken = faulty_sandbox("nox-ui-frameable")
    framed = http.get(supplier_session(broken, http)["link_url"])
    assert "x-frame-options" not in framed.headers and "content-security-policy" not in framed.headers
    sniffable = http.get(f"{faulty_sandbox('portal-signed-out-sniffable').urls.nomos_portal}/")
    assert "x-content-type-options" not in sniffable.headers
