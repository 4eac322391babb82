"""The manufacturer flow's state and its journeys: starting the manufacturer's link
session, NOX's energy-supplier selector, the partner's sign-in page, the way back to the
manufacturer app, and the partner backend's hand-off to NOX.

The partner backend's call to NOX happens out of sight, server to server. What shows
it from outside: the authentication session (``state``) NOX gave the partner's page is
used up afterwards, so a second hand-off for it is refused as already used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from steps import link_sessions
from steps.cast import LANGUAGES
from steps.clients.nox import KEY_DEFAULT, NoxClient
from steps.common import Scenario
from steps.link_sessions import answered
from steps.manufacturer.vocabulary import HANDOFF_REFUSALS, WHO
from steps.pages.manufacturer import ManufacturerResult
from steps.pages.nox_supplier_picker import SupplierPicker
from steps.pages.supplier_oauth import SupplierOAuth
from suite.browser_watch import Watch, Watches
from suite.target import PartnerUser, Target


@dataclass
class ManufacturerFlow:
    """What one scenario's steps share; a fresh one per scenario. The persona it follows
    is the scenario's (:attr:`steps.common.Scenario.persona`)."""

    target: Target
    manufacturer_user_id: str = ""
    language: str | None = None
    answer: httpx.Response | None = None  # NOX's answer to the manufacturer app
    link_url: str = ""
    state: str = ""  # the authentication session NOX opened the partner's page with
    handoff: httpx.Response | None = None  # NOX's answer to a post-login redirect
    return_url: str = ""  # where NOX told the partner to send the browser back to
    watch: Watch | None = None
    signed_in_at: int = 0  # the watch's mark when Alice submitted the partner's page

    def session(self) -> dict[str, Any]:
        return link_sessions.created(self.answer, WHO)


def host_of(url: str) -> str:
    return urlsplit(url).netloc


# ------------------------------------------------------------ the manufacturer app


def ask(man_flow: ManufacturerFlow, nox: NoxClient, language: str | None) -> httpx.Response:
    """The manufacturer app asks NOX for a link session (a language in the feature's words)."""
    man_flow.language = LANGUAGES[language] if language else None
    body = nox.manufacturer_session_body(man_flow.manufacturer_user_id, language=man_flow.language)
    man_flow.answer = nox.create_manufacturer_session(body)
    return man_flow.answer


def start_session(man_flow: ManufacturerFlow, nox: NoxClient, language: str | None) -> None:
    """The manufacturer app starts a link session; it must succeed with a link."""
    ask(man_flow, nox, language)
    link_url = man_flow.session().get("link_url")
    assert isinstance(link_url, str) and link_url, (
        f"expected a link to the Authenticator UI from NOX, but it answered {answered(man_flow.answer)}"
    )
    man_flow.link_url = link_url


# ------------------------------------------------------------------- the browser


def open_link(man_flow: ManufacturerFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient) -> SupplierPicker:
    if not man_flow.link_url:
        start_session(man_flow, nox, None)
    page = scenario.browser()
    man_flow.watch = browser_watch.watch(page)
    return SupplierPicker(page, man_flow.target).open(man_flow.link_url)


def choose_partner(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    picker = SupplierPicker(scenario.browser(), man_flow.target)
    picker.choose(man_flow.target.nox.supplier_slug, man_flow.target.nox.supplier_name)
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    if host_of(oauth.page.url) == host_of(man_flow.target.urls.partner_app):
        man_flow.state = oauth.state()


def sign_in_at_partner(man_flow: ManufacturerFlow, scenario: Scenario, user: PartnerUser, accept_terms: bool) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    oauth.expect_shown()
    man_flow.signed_in_at = man_flow.watch.mark() if man_flow.watch else 0
    oauth.sign_in(user, accept_terms=accept_terms)


def expect_confirmed(man_flow: ManufacturerFlow, scenario: Scenario) -> ManufacturerResult:
    result = ManufacturerResult(scenario.browser(), man_flow.target)
    name = man_flow.target.nox.manufacturer_name
    status = result.status()
    assert result.is_at_redirect_url(), (
        f"expected Alice back at {name}'s return address, but {result.describe()}"
    )
    assert status == "success", (
        f"expected {name}'s app to confirm the energy supplier link, but it shows status {status!r}"
        + (f" (NOX said: {result.reason()})" if result.reason() else "")
    )
    return result


def expect_not_connected(man_flow: ManufacturerFlow, scenario: Scenario, reason: str | None = None) -> ManufacturerResult:
    result = ManufacturerResult(scenario.browser(), man_flow.target)
    name = man_flow.target.nox.manufacturer_name
    status = result.status()
    assert status == "error", f"expected {name}'s app to say the energy supplier was not connected, but it shows status {status!r}"
    assert result.is_at_redirect_url(), f"expected Alice back at {name}'s return address, but {result.describe()}"
    if reason:
        assert result.reason() == reason, (
            f"expected NOX to tell {name} the linking failed because it {reason}, but it said {result.reason() or 'nothing'!r}"
        )
    return result



# ------------------------------------------------------------- the partner backend


def hand_off(man_flow: ManufacturerFlow, nox: NoxClient, user: PartnerUser, api_key: str | None = KEY_DEFAULT) -> None:
    assert man_flow.state, "no authentication session was opened on the partner's sign-in page in this scenario"
    man_flow.handoff = nox.post_login_redirect(nox.handoff_body(man_flow.state, user.id), api_key=api_key)


def accepted_return(response: httpx.Response | None) -> str:
    """The address NOX's accepted hand-off sends the browser back to."""
    assert response is not None, "the partner backend told NOX nothing in this scenario"
    assert response.status_code == 200, f"expected NOX to accept the partner's hand-off, but it answered {answered(response)}"
    url = response.json().get("redirect_url")
    assert isinstance(url, str) and urlsplit(url).scheme in ("http", "https"), (
        f"expected NOX's answer to name the address to send the browser to, but it has {type(url).__name__}"
    )
    return url



def expect_handoff_refused(man_flow: ManufacturerFlow, refusal: str, because: str = "") -> None:
    response = man_flow.handoff
    assert response is not None, "the partner backend told NOX nothing in this scenario"
    expected, statuses = HANDOFF_REFUSALS[refusal]
    why = f" ({because})" if because else ""
    assert response.status_code < 500, (
        f"expected NOX to refuse the hand-off as {refusal} ({expected}){why}, "
        f"but it failed with a server error: {answered(response)}"
    )
    assert response.status_code in statuses, (
        f"expected NOX to refuse the hand-off as {refusal} ({expected}){why}, but it answered {answered(response)}"
    )
    assert "redirect_url" not in response.text, (
        f"expected no address to continue to in a refusal, but NOX answered {response.status_code} with one"
    )

