"""Issue 12, point 5: every legitimate reading passes.

Where the vendor pages and interfaces.md leave room, the sandbox takes one reading by
default and another with ``--sandbox-variant other`` (sandbox/README.md, "Two
readings"). This proves both halves of the claim:

- the other reading really differs, wherever it says it does: each probe below asks
  both sandboxes the same thing and must get different answers (else the green run on
  the other reading would prove nothing);
- the whole main job is green on the other reading: tests/selftest/test_remote_target.py
  runs it against a sandbox served on that reading (the fault matrix keeps proving that
  every check can fail, on the default reading).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import html5lib
import httpx
import pytest

import sandbox
from sandbox.server import Sandbox
from sandbox.world import VARIANTS
from suite.deployment import SANDBOX_VARIANTS, profile_for_variant, variant_for
from suite.target import URL_NAMES, TargetError, Urls, load

ROOT = Path(__file__).resolve().parents[2]
Probe = Callable[[Sandbox, httpx.Client], Any]


@pytest.fixture(scope="module")
def readings() -> Iterator[dict[str, Sandbox]]:
    running = {variant: sandbox.start(variant=variant) for variant in SANDBOX_VARIANTS}
    yield running
    for each in running.values():
        each.stop()


# --------------------------------------------------------------------------- probes


def mint(sbx: Sandbox, http: httpx.Client, body: Any) -> httpx.Response:
    token = http.post(f"{sbx.urls.nomos_api}/oauth/token", json={"grant_type": "client_credentials"},
                      auth=(sbx.world.seed.nomos_client_id, sbx.secrets["NOMOS_CLIENT_SECRET"])).json()
    return http.post(f"{sbx.urls.nomos_api}/admin/magic_link", json=body,
                     headers={"Authorization": f"Bearer {token['access_token']}"})


def magic_link(sbx: Sandbox, http: httpx.Client, customer: str) -> str:
    return str(mint(sbx, http, {"customerId": customer}).json()["link"])


def supplier_session(sbx: Sandbox, http: httpx.Client, **fields: Any) -> httpx.Response:
    body = {"user_id": "usr_alice", "asset_type": "hp", "redirect_url": f"{sbx.urls.partner_app}/callback", **fields}
    return http.post(f"{sbx.urls.nox}/v2/supplier/link-sessions", json=body,
                     headers={"x-api-key": sbx.secrets["NOX_SUPPLIER_API_KEY"]})


def manufacturer_state(sbx: Sandbox, http: httpx.Client) -> str:
    """A manufacturer session's sign-in state, the partner chosen at once."""
    body = {"user_id": "mfr-user", "redirect_url": f"{sbx.urls.manufacturer_app}/linked"}
    session = http.post(f"{sbx.urls.nox}/v2/manufacturer/link-sessions", json=body,
                        headers={"x-api-key": sbx.secrets["NOX_MANUFACTURER_API_KEY"]}).json()
    return choose_partner(sbx, http, session["link_token"])


def choose_partner(sbx: Sandbox, http: httpx.Client, token: str) -> str:
    chosen = http.get(f"{sbx.urls.nox}/ui/suppliers/{sbx.world.seed.supplier.slug}", params={"token": token})
    return dict(parse_qsl(urlsplit(chosen.headers["location"]).query))["state"]


def hand_off(sbx: Sandbox, http: httpx.Client, state: str) -> httpx.Response:
    return http.post(f"{sbx.urls.nox}/post-login-redirect", json={"state": state, "supplier_user_id": "usr_alice"},
                     headers={"x-api-key": sbx.secrets["NOX_SUPPLIER_API_KEY"]})


def window_start(sbx: Sandbox, http: httpx.Client) -> int:
    """The hand-off 7 minutes after choosing the partner, 16 after the session was made."""
    body = {"user_id": "mfr-user", "redirect_url": f"{sbx.urls.manufacturer_app}/linked"}
    session = http.post(f"{sbx.urls.nox}/v2/manufacturer/link-sessions", json=body,
                        headers={"x-api-key": sbx.secrets["NOX_MANUFACTURER_API_KEY"]}).json()
    sbx.world.clock.advance(9 * 60)
    state = choose_partner(sbx, http, session["link_token"])
    sbx.world.clock.advance(7 * 60)
    return hand_off(sbx, http, state).status_code


def callback_refusal(sbx: Sandbox, http: httpx.Client) -> int:
    http.post(f"{sbx.urls.partner_app}/login",
              data={"email": "alice@partner.test", "password": sbx.secrets["PARTNER_ALICE_PASSWORD"]})
    return http.get(f"{sbx.urls.partner_app}/callback", params={"data": "not~base64url"}).status_code


def terms_asked(sbx: Sandbox, http: httpx.Client, brand: str) -> bool:
    page = http.get(f"{sbx.urls.brands}/{brand}/authorize", params={"session": "s", "language": "en"})
    return re.search(r"""data-testid=["']brand-accept-terms""", page.text) is not None


def tag_of(html: str, test_id: str) -> str:
    """The element carrying ``test_id``, content a script adds after load included."""
    found = [e.tag for e in html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False).iter()
             if e.get("data-testid") == test_id]
    return found[0] if found else "none"


def signed_in_html(sbx: Sandbox, http: httpx.Client, path: str) -> str:
    http.post(f"{sbx.urls.partner_app}/login",
              data={"email": "alice@partner.test", "password": sbx.secrets["PARTNER_ALICE_PASSWORD"]})
    return http.get(f"{sbx.urls.partner_app}{path}").text


def built_by_script(html: str) -> bool:
    """Whether the page's content waits in a template for a script to put it in."""
    return "<template" in html and "<script" in html


def sign_in_page(sbx: Sandbox, http: httpx.Client) -> str:
    return http.get(f"{sbx.urls.partner_app}/login").text


# The markup a deployment may choose (issue 20): each party's HTML asked the same thing.
MARKUP_PROBES: dict[str, Probe] = {
    "which element carries supplier-oauth": lambda s, h: tag_of(
        h.get(f"{s.urls.partner_app}/oauth/nox", params={"state": "s", "language": "en"}).text, "supplier-oauth"),
    "which element carries brand-login": lambda s, h: tag_of(
        h.get(f"{s.urls.brands}/daikin/authorize", params={"session": "s", "language": "en"}).text, "brand-login"),
    "which element carries the partner's greeting name": lambda s, h: tag_of(signed_in_html(s, h, "/"), "partner-user-name"),
    "how the sign-in's labels are tied to their inputs": lambda s, h: 'for="email"' in sign_in_page(s, h),
    "how attributes are quoted": lambda s, h: "data-testid='partner-login'" in sign_in_page(s, h),
    "a cookie notice and a skip link no scenario expects": lambda s, h: (
        "cookie-notice" in (page := sign_in_page(s, h)), "Skip to content" in page),
    "where the sign-in form posts": lambda s, h: re.search(r"""action=["']([^"']*)""", sign_in_page(s, h))[1],
    "the partner's callback page built by a script": lambda s, h: built_by_script(
        signed_in_html(s, h, "/callback?data=not~base64url")),
    "the portal hub's quick links put in by a script": lambda s, h: built_by_script(
        h.get(magic_link(s, h, "cus_alice"), follow_redirects=True).text),
    "NOX's pages built by a script": lambda s, h: built_by_script(h.get(f"{s.urls.nox}/ui", params={"token": "x"}).text),
    "a brand's sign-in page built by a script": lambda s, h: built_by_script(
        h.get(f"{s.urls.brands}/daikin/authorize", params={"session": "s", "language": "en"}).text),
    "how <html lang> names the language": lambda s, h: re.search(
        r"""<html lang=["']?([\w-]+)""", h.get(f"{s.urls.nox}/ui", params={"token": "x", "language": "fr"}).text)[1],
    "the manufacturer app's result built by a script": lambda s, h: built_by_script(
        h.get(f"{s.urls.manufacturer_app}/linked", params={"status": "success"}).text),
}


PROBES: dict[str, Probe] = {
    "the checkout link (its path and next)": lambda s, h: (
        urlsplit(link := magic_link(s, h, "cus_bob")).path, dict(parse_qsl(urlsplit(link).query)).get("next")),
    "where the token sits in a magic link": lambda s, h: [
        key for key, _ in parse_qsl(urlsplit(magic_link(s, h, "cus_alice")).query)],
    "the status of a mint without a customer id": lambda s, h: mint(s, h, {}).status_code,
    "the status of a refused magic link": lambda s, h: h.get(f"{s.urls.nomos_portal}/",
                                                             params={"token_hash": "x", "type": "magiclink"}).status_code,
    "a signed-out visit to the account hub": lambda s, h: h.get(f"{s.urls.nomos_portal}/overview").status_code,
    "the shape of link_url": lambda s, h: urlsplit(
        (body := supplier_session(s, h).json())["link_url"].replace(body["link_token"], "T")).path,
    "a link with a pre-selected brand (redirect or page)": lambda s, h: h.get(
        supplier_session(s, h, brand="daikin").json()["link_url"]).status_code,
    "the brand split (lg for a heat pump)": lambda s, h: supplier_session(s, h, brand="lg").status_code,
    "whether the usual brand asks for its terms": lambda s, h: terms_asked(s, h, "daikin"),
    "the status of NOX's refused-link page": lambda s, h: h.get(f"{s.urls.nox}/ui", params={"token": "x"}).status_code,
    "the refusal of a hand-off for an unknown state": lambda s, h: hand_off(s, h, "no-such-state").status_code,
    "the refusal of a hand-off used twice": lambda s, h: (
        hand_off(s, h, state := manufacturer_state(s, h)), hand_off(s, h, state).status_code)[1],
    "when NOX's 15-minute window starts": window_start,
    "the status of a refused callback at the partner": callback_refusal,
    **MARKUP_PROBES,
}


@pytest.mark.parametrize("what", sorted(PROBES))
def test_the_other_reading_differs(readings: dict[str, Sandbox], what: str) -> None:
    seen = {}
    for variant, sbx in readings.items():
        with httpx.Client(timeout=10, follow_redirects=False) as http:
            seen[variant] = PROBES[what](sbx, http)
    assert seen["default"] != seen["other"], f"{what}: both readings answer {seen['default']!r}"


# ----------------------------------------------------------------- choosing it


def test_the_variant_picks_its_profile_and_the_profile_its_variant() -> None:
    assert profile_for_variant("sandbox", "other") == "sandbox-other"
    assert profile_for_variant("sandbox", "default") == "sandbox"
    assert profile_for_variant("my-copy.toml", "other") == "my-copy.toml"  # a profile chosen stays chosen
    urls = Urls(*(f"http://{name}.invalid" for name in URL_NAMES))
    other = load("sandbox-other", env={}, bound_urls=urls)
    assert variant_for(other) == "other" and variant_for(load("sandbox", env={}, bound_urls=urls)) == "default"
    assert (other.magic_link_lifetime, other.portal_session_lifetime) != (300, 28800)
    with pytest.raises(TargetError, match="only applies to the embedded sandbox"):
        variant_for(dataclasses.replace(other, embedded=False), "other")
    assert set(SANDBOX_VARIANTS) == set(VARIANTS)
