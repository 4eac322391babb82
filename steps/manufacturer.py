"""Steps of the manufacturer-initiated supplier linking flow
(features/manufacturer_supplier_link.feature).

The suite's NOX client plays the manufacturer app's backend (it creates the
manufacturer link session with the manufacturer's key) and, in the scenarios about
``POST /post-login-redirect``, the partner backend. Everything else goes through a
browser as Alice would: NOX's energy-supplier selector, the partner's sign-in page,
and the manufacturer app's page at its ``redirect_url``.

The partner backend's call to NOX happens out of sight, server to server. What shows
it from outside: the authentication session (``state``) NOX gave the partner's page is
used up afterwards, so a second hand-off for it is refused as already used.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from steps import link_sessions
from steps.clients.clock import ClockClient
from steps.clients.nox import KEY_DEFAULT, NoxClient
from steps.common import IN_LANGUAGE, LANGUAGES, PERSONA, Scenario
from steps.link_sessions import answered
from steps.pages.manufacturer import ManufacturerResult
from steps.pages.nox_supplier_picker import SupplierPicker
from steps.pages.supplier_oauth import SupplierOAuth
from suite.browser_watch import Watch, Watches
from suite.evidence import Evidence
from suite.plugin import Run
from suite.target import PartnerUser, Target

# A manufacturer link session is open for 10 minutes (vendor-docs/NOTES.md).
LINK_SESSION_SECONDS = 600
# Statuses NOX answers with, in the feature's words (schemas/nox.openapi.yaml; the
# post-login redirect's are assumptions of interfaces.md §2, kept there in one place).
HANDOFF_REFUSALS = {"unauthorised": 401, "an unknown session": 404, "already used": 409, "expired": 410}
# Where the manufacturer asks NOX to send the user back; no manufacturer registers it.
UNREGISTERED_RETURN = "https://evil.example/linked"


# --------------------------------------------------------------------------- state


@dataclass
class ManufacturerFlow:
    """What one scenario's steps share; a fresh one per scenario."""

    target: Target
    persona: str = "Alice"
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
        return link_sessions.created(self.answer, "manufacturer app")


@pytest.fixture
def man_flow(target: Target) -> ManufacturerFlow:
    return ManufacturerFlow(target)


def host_of(url: str) -> str:
    return urlsplit(url).netloc


# ----------------------------------------------------------- the requests, in words


def session_request(words: str, man_flow: ManufacturerFlow) -> tuple[dict[str, Any], str | None]:
    """The body and key of the manufacturer app's request the feature names."""
    target = man_flow.target
    body = {"user_id": man_flow.manufacturer_user_id, "redirect_url": target.nox.manufacturer_redirect_url}
    choices: dict[str, Callable[[], tuple[dict[str, Any], str | None]]] = {
        "without its key": lambda: (body, None),
        "with a wrong key": lambda: (body, secrets.token_urlsafe(24)),
        "with the supplier's key": lambda: (body, target.nox.supplier_api_key.reveal()),
        "without saying who the user is": lambda: ({"redirect_url": body["redirect_url"]}, KEY_DEFAULT),
        "without a return address": lambda: ({"user_id": body["user_id"]}, KEY_DEFAULT),
        "with a return address that is not an address": lambda: ({**body, "redirect_url": "not an address"}, KEY_DEFAULT),
        "with a language NOX does not speak": lambda: ({**body, "language": "de"}, KEY_DEFAULT),
        "with a return address the manufacturer has not registered": lambda: (
            {**body, "redirect_url": UNREGISTERED_RETURN}, KEY_DEFAULT,
        ),
    }
    if words not in choices:
        raise AssertionError(f"the feature names request {words!r}; known: {', '.join(choices)}")
    return choices[words]()


def handoff_key(words: str, target: Target) -> str | None:
    """The x-api-key of the partner backend's hand-off the feature names."""
    choices: dict[str, Callable[[], str | None]] = {
        "without its key": lambda: None,
        "with a wrong key": lambda: secrets.token_urlsafe(24),
        "with the manufacturer's key": lambda: target.nox.manufacturer_api_key.reveal(),
    }
    if words not in choices:
        raise AssertionError(f"the feature names credential {words!r}; known: {', '.join(choices)}")
    return choices[words]()


# ------------------------------------------------------------------- the journey


def start_session(man_flow: ManufacturerFlow, nox: NoxClient, language: str | None) -> None:
    man_flow.language = LANGUAGES[language] if language else None
    body = {"user_id": man_flow.manufacturer_user_id, "redirect_url": man_flow.target.nox.manufacturer_redirect_url}
    if man_flow.language:
        body["language"] = man_flow.language
    man_flow.answer = nox.create_manufacturer_session(body)
    link_url = man_flow.session().get("link_url")
    assert isinstance(link_url, str) and link_url, (
        f"expected a link to the Authenticator UI from NOX, but it answered {answered(man_flow.answer)}"
    )
    man_flow.link_url = link_url


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


def hand_off(man_flow: ManufacturerFlow, nox: NoxClient, user: PartnerUser, api_key: str | None = KEY_DEFAULT) -> None:
    assert man_flow.state, "no authentication session was opened on the partner's sign-in page in this scenario"
    man_flow.handoff = nox.post_login_redirect({"state": man_flow.state, "supplier_user_id": user.id}, api_key=api_key)


# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is a customer of the partner, her energy supplier"))
def partner_customer(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    man_flow.persona = persona
    assert scenario.user(persona).email, f"the target names no partner account for {persona}"


@given(parsers.parse("{persona} is signed in at her heat-pump manufacturer's app"))
def signed_in_at_manufacturer(man_flow: ManufacturerFlow, run: Run, persona: str) -> None:
    man_flow.persona = persona
    man_flow.manufacturer_user_id = run.unique("mfr-user")


# --------------------------------------------------------- the manufacturer's API


@when(parsers.re(rf"the manufacturer app starts linking an energy supplier for {PERSONA}{IN_LANGUAGE}"))
def manufacturer_starts(man_flow: ManufacturerFlow, nox: NoxClient, persona: str, language: str | None) -> None:
    man_flow.persona = persona
    man_flow.language = LANGUAGES[language] if language else None
    body = {"user_id": man_flow.manufacturer_user_id, "redirect_url": man_flow.target.nox.manufacturer_redirect_url}
    if man_flow.language:
        body["language"] = man_flow.language
    man_flow.answer = nox.create_manufacturer_session(body)


@when(parsers.re(rf"the manufacturer app starts linking an energy supplier for {PERSONA} (?P<words>(?:with|without) .+)"))
def manufacturer_starts_badly(man_flow: ManufacturerFlow, nox: NoxClient, persona: str, words: str) -> None:
    man_flow.persona = persona
    body, api_key = session_request(words, man_flow)
    man_flow.answer = nox.create_manufacturer_session(body, api_key=api_key)


@then("NOX answers with a link to its Authenticator UI")
def answers_with_link(man_flow: ManufacturerFlow) -> None:
    link_sessions.expect_link(man_flow.answer, man_flow.target, "manufacturer app")


@then(parsers.parse("the session is for {persona}'s account at the manufacturer behind the key"))
def session_names_user(man_flow: ManufacturerFlow, persona: str) -> None:
    body = man_flow.session()
    nox = man_flow.target.nox
    problems = []
    if body.get("manufacturer_user_id") != man_flow.manufacturer_user_id:
        problems.append(f"`manufacturer_user_id` is {body.get('manufacturer_user_id')!r}, not {persona}'s "
                        f"{man_flow.manufacturer_user_id!r}")
    if body.get("manufacturer") != nox.manufacturer_name:
        problems.append(f"`manufacturer` is {body.get('manufacturer')!r}, not {nox.manufacturer_name!r}")
    if body.get("brand") != nox.manufacturer_brand:
        problems.append(f"`brand` is {body.get('brand')!r}, not the manufacturer's brand {nox.manufacturer_brand!r}")
    assert not problems, "the session does not describe the request: " + "; ".join(problems)


@then(parsers.re(r"the session returns her to the manufacturer app's address, in (?P<language>\w+)"))
def session_returns(man_flow: ManufacturerFlow, language: str) -> None:
    body = man_flow.session()
    expected = LANGUAGES[language]
    problems = []
    if body.get("redirect_url") != man_flow.target.nox.manufacturer_redirect_url:
        problems.append(f"`redirect_url` is {body.get('redirect_url')!r}, not the one asked for "
                        f"{man_flow.target.nox.manufacturer_redirect_url!r}")
    if body.get("language") != expected:
        problems.append(f"`language` is {body.get('language')!r}, not {expected!r}")
    assert not problems, "the session does not describe the request: " + "; ".join(problems)


@then(parsers.parse("the session is open for {minutes:d} minutes from now and not yet completed"))
def session_open(man_flow: ManufacturerFlow, clock: ClockClient, minutes: int) -> None:
    link_sessions.expect_open_for(man_flow.answer, clock, minutes, "manufacturer app")


@then(parsers.re(r"NOX refuses to start linking as (?P<refusal>unauthorised|invalid input)"))
def session_refused(man_flow: ManufacturerFlow, refusal: str) -> None:
    link_sessions.expect_refused(man_flow.answer, refusal, "manufacturer app")


@then("no link to the Authenticator UI is given")
def no_link(man_flow: ManufacturerFlow) -> None:
    link_sessions.expect_no_link(man_flow.answer, "manufacturer app")


# ------------------------------------------------------------------ in the browser


@given(parsers.re(rf"the manufacturer app has started linking an energy supplier for {PERSONA}{IN_LANGUAGE}"))
def manufacturer_started(man_flow: ManufacturerFlow, nox: NoxClient, persona: str, language: str | None) -> None:
    man_flow.persona = persona
    start_session(man_flow, nox, language)


@given(parsers.parse("{persona} has opened the link from her manufacturer's app"))
@when(parsers.parse("{persona} opens the link from her manufacturer's app"))
def opens_link(man_flow: ManufacturerFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str) -> None:
    open_link(man_flow, scenario, browser_watch, nox)


@then(parsers.re(rf"she sees the energy-supplier selector{IN_LANGUAGE}"))
def sees_selector(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence, language: str | None) -> None:
    picker = SupplierPicker(scenario.browser(), man_flow.target)
    picker.expect_shown()
    evidence.capture(picker.page, "the energy-supplier selector")
    if language:
        shown = picker.language()
        assert shown == LANGUAGES[language], (
            f"expected the energy-supplier selector in {language} ({LANGUAGES[language]}), but the page is in {shown!r}"
        )


@then("the partner is among the energy suppliers offered")
def partner_offered(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    SupplierPicker(scenario.browser(), man_flow.target).expect_offers(man_flow.target.nox.supplier_slug,
                                                                  man_flow.target.nox.supplier_name)


@when(parsers.parse("{persona} chooses the partner as her energy supplier"))
def chooses_partner(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    choose_partner(man_flow, scenario)


@given(parsers.re(rf"{PERSONA} has chosen the partner as her energy supplier in her manufacturer's link{IN_LANGUAGE}"))
def has_chosen_partner(
    man_flow: ManufacturerFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str,
    language: str | None,
) -> None:
    start_session(man_flow, nox, language)
    open_link(man_flow, scenario, browser_watch, nox).expect_offers(man_flow.target.nox.supplier_slug,
                                                                man_flow.target.nox.supplier_name)
    choose_partner(man_flow, scenario)
    SupplierOAuth(scenario.browser(), man_flow.target).expect_shown()
    assert man_flow.state, "expected NOX to open the partner's sign-in page with its authentication session"


@given(parsers.parse("{persona} has connected her energy supplier from her manufacturer's app"))
def has_connected(
    man_flow: ManufacturerFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str
) -> None:
    has_chosen_partner(man_flow, scenario, browser_watch, nox, persona, None)
    sign_in_at_partner(man_flow, scenario, scenario.user(persona), accept_terms=True)
    expect_confirmed(man_flow, scenario)


@then("she sees the partner's sign-in page")
def sees_partner_page(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    SupplierOAuth(scenario.browser(), man_flow.target).expect_shown()


@then("the page presents the partner's terms and conditions to accept")
def terms_presented(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    oauth.expect_terms_presented()
    evidence.capture(oauth.page, "the partner's sign-in page with its terms")


@then(parsers.re(r"the partner's sign-in page is in (?P<language>\w+)"))
def partner_page_language(man_flow: ManufacturerFlow, scenario: Scenario, language: str) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    oauth.expect_shown()
    shown = oauth.language()
    assert shown == LANGUAGES[language], (
        f"expected the partner's sign-in page in {language} ({LANGUAGES[language]}), as chosen at the manufacturer, "
        f"but the page is in {shown!r}"
    )


@when(parsers.re(rf"{PERSONA} signs in at the partner (?P<terms>and accepts its terms|without accepting its terms)"))
def signs_in_at_partner(man_flow: ManufacturerFlow, scenario: Scenario, persona: str, terms: str) -> None:
    sign_in_at_partner(man_flow, scenario, scenario.user(persona), accept_terms=terms.startswith("and"))


@then("the partner refuses the sign-in")
def partner_refuses(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    oauth.expect_refused("the terms and conditions were not accepted")
    evidence.capture(oauth.page, "the refused sign-in")


@then("she is still on the partner's sign-in page")
def still_on_partner_page(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    oauth.expect_shown()
    oauth.expect_terms_presented()


@then("her way back to the manufacturer's app passes through NOX")
def back_through_nox(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    assert man_flow.watch is not None, "the browser was not watched in this scenario"
    places = man_flow.watch.places
    route = man_flow.watch.navigations(man_flow.signed_in_at)
    hosts = [host_of(url) for url in route]
    nox, manufacturer = host_of(man_flow.target.urls.nox), host_of(man_flow.target.urls.manufacturer_app)
    went = " -> ".join(places.of(url) for url in route) or "nowhere"
    assert nox in hosts and manufacturer in hosts and hosts.index(nox) < len(hosts) - 1 - hosts[::-1].index(manufacturer), (
        f"expected the browser to go from the partner's sign-in page through NOX to the manufacturer's app, "
        f"but it went {went}"
    )
    expect_confirmed(man_flow, scenario)


@then("the partner has told NOX who she is, which used up her sign-in session at NOX")
def partner_told_nox(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    hand_off(man_flow, nox, scenario.user(man_flow.persona))
    expect_handoff_refused(man_flow, "already used", because="the partner backend should already have used it up")


@then("she is back in her manufacturer's app, which confirms her energy supplier is connected")
def back_at_manufacturer(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    result = expect_confirmed(man_flow, scenario)
    evidence.capture(result.page, "the manufacturer's confirmation")


@given(parsers.parse("the partner backend has told NOX who {persona} is"))
def partner_has_told(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario, persona: str) -> None:
    hand_off(man_flow, nox, scenario.user(persona))
    man_flow.return_url = accepted_return(man_flow.handoff)


def accepted_return(response: httpx.Response | None) -> str:
    """The address NOX's accepted hand-off sends the browser back to."""
    assert response is not None, "the partner backend told NOX nothing in this scenario"
    assert response.status_code == 200, f"expected NOX to accept the partner's hand-off, but it answered {answered(response)}"
    url = response.json().get("redirect_url")
    assert isinstance(url, str) and urlsplit(url).scheme in ("http", "https"), (
        f"expected NOX's answer to name the address to send the browser to, but it has {type(url).__name__}"
    )
    return url


@when(parsers.parse("{persona}'s browser arrives back at NOX"))
def arrives_back(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    assert man_flow.return_url, "NOX gave no address to come back to in this scenario"
    page = scenario.browser()
    man_flow.signed_in_at = man_flow.watch.mark() if man_flow.watch else 0
    page.goto(man_flow.return_url)
    ManufacturerResult(page, man_flow.target).settle()


@when(parsers.parse("{persona} goes back to NOX without signing in at the partner"))
def skips_partner(
    man_flow: ManufacturerFlow, scenario: Scenario, nox: NoxClient, run: Run, persona: str
) -> None:
    """Opens NOX's return address for Alice's sign-in session as if the partner had sent her
    there. NOX names that address only to the partner, after a sign-in: learn its form from
    a sign-in session of someone else, then put Alice's session in it."""
    other = ManufacturerFlow(man_flow.target, manufacturer_user_id=run.unique("mfr-user"))
    start_session(other, nox, None)
    other_page = scenario.browser("someone else's browser")
    SupplierPicker(other_page, other.target).open(other.link_url).choose(other.target.nox.supplier_slug,
                                                                       other.target.nox.supplier_name)
    other.state = SupplierOAuth(other_page, other.target).state()
    hand_off(other, nox, scenario.user(persona))
    template = accepted_return(other.handoff)
    if other.state not in template:
        pytest.skip("NOX's return address does not carry the sign-in session, so it cannot be opened for another one")
    page = scenario.browser()
    man_flow.signed_in_at = man_flow.watch.mark() if man_flow.watch else 0
    page.goto(template.replace(other.state, man_flow.state))
    ManufacturerResult(page, man_flow.target).settle()


@then("her manufacturer's app says her energy supplier was not connected")
def says_not_connected(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    result = expect_not_connected(man_flow, scenario)
    evidence.capture(result.page, "the manufacturer says the supplier was not connected")


@then("her manufacturer's app says the linking expired")
def says_expired(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    result = expect_not_connected(man_flow, scenario, reason="expired")
    evidence.capture(result.page, "the manufacturer says the linking expired")


@then("the linking fails and she is told so")
def linking_fails(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    oauth = SupplierOAuth(scenario.browser(), man_flow.target)
    result = ManufacturerResult(scenario.browser(), man_flow.target)
    if oauth.shows_error():
        evidence.capture(oauth.page, "the expired sign-in, refused at the partner")
        return
    if result.is_shown():
        status = result.status()
        assert status == "error", (
            f"expected the expired linking to fail, but {man_flow.target.nox.manufacturer_name}'s app shows status "
            f"{status!r}"
        )
        evidence.capture(result.page, "the expired linking, reported at the manufacturer")
        return
    raise AssertionError(
        "expected the partner's sign-in page or the manufacturer's app to say the linking failed, "
        f"but {oauth.describe()}"
    )


@then("her manufacturer's app never confirms the link")
def never_confirmed(man_flow: ManufacturerFlow, scenario: Scenario) -> None:
    assert man_flow.watch is not None, "the browser was not watched in this scenario"
    manufacturer = man_flow.target.nox.manufacturer_redirect_url
    confirmed = [url for url in man_flow.watch.navigations(man_flow.signed_in_at)
                 if url.startswith(manufacturer) and "status=success" in url]
    result = ManufacturerResult(scenario.browser(), man_flow.target)
    status = result.status() if result.is_shown() else ""
    assert not confirmed and status != "success", (
        f"expected {man_flow.target.nox.manufacturer_name}'s app not to confirm an expired linking, "
        f"but it shows status {status or 'success'!r}"
    )


# ------------------------------------------------------- the partner's hand-off


@when(parsers.re(r"the partner backend tells NOX who signed in (?P<words>(?:with|without) .+)"))
def handoff_with_key(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario, words: str) -> None:
    hand_off(man_flow, nox, scenario.user(man_flow.persona), api_key=handoff_key(words, man_flow.target))


@when("the partner backend tells NOX who signed in for a session NOX never started")
def handoff_unknown(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    man_flow.state = secrets.token_urlsafe(24)
    hand_off(man_flow, nox, scenario.user(man_flow.persona))


@when("the partner backend tells NOX who signed in for that session")
@when("the partner backend tells NOX again who signed in for that session")
def handoff_again(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    hand_off(man_flow, nox, scenario.user(man_flow.persona))


def expect_handoff_refused(man_flow: ManufacturerFlow, refusal: str, because: str = "") -> None:
    response = man_flow.handoff
    assert response is not None, "the partner backend told NOX nothing in this scenario"
    expected = HANDOFF_REFUSALS[refusal]
    why = f" ({because})" if because else ""
    assert response.status_code < 500, (
        f"expected NOX to refuse the hand-off as {refusal} ({expected}){why}, "
        f"but it failed with a server error: {answered(response)}"
    )
    assert response.status_code == expected, (
        f"expected NOX to refuse the hand-off as {refusal} ({expected}){why}, but it answered {answered(response)}"
    )
    assert "redirect_url" not in response.text, (
        f"expected no address to continue to in a refusal, but NOX answered {response.status_code} with one"
    )


@then(parsers.re(r"NOX refuses the hand-off as (?P<refusal>unauthorised|an unknown session|already used|expired)"))
def handoff_refused(man_flow: ManufacturerFlow, refusal: str) -> None:
    expect_handoff_refused(man_flow, refusal)


@then(parsers.parse("{persona} can still finish linking at the partner"))
def can_still_finish(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    sign_in_at_partner(man_flow, scenario, scenario.user(persona), accept_terms=True)
    expect_confirmed(man_flow, scenario)
