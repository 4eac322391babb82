"""Manufacturer steps in the browser (features/manufacturer_supplier_link.feature): NOX's
energy-supplier selector (``steps/pages/nox_supplier_picker.py``), the partner's sign-in
page (``steps/pages/supplier_oauth.py``) and the manufacturer app's page at its return
address (``steps/pages/manufacturer.py``). The journeys they take are in
:mod:`steps.manufacturer.journey`."""

from __future__ import annotations

import pytest
from pytest_bdd import given, parsers, then, when

from steps.cast import IN_LANGUAGE, LANGUAGES, PERSONA
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.manufacturer.journey import (
    ManufacturerFlow,
    accepted_return,
    choose_partner,
    expect_confirmed,
    expect_not_connected,
    hand_off,
    host_of,
    open_link,
    sign_in_at_partner,
    start_session,
)
from steps.pages.manufacturer import ManufacturerResult
from steps.pages.nox_supplier_picker import SupplierPicker
from steps.pages.supplier_oauth import SupplierOAuth
from suite.browser_watch import Watches
from suite.evidence import Evidence
from suite.plugin import Run

# ------------------------------------------------------------------ in the browser


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


@then("she is back in her manufacturer's app, which confirms her energy supplier is connected")
def back_at_manufacturer(man_flow: ManufacturerFlow, scenario: Scenario, evidence: Evidence) -> None:
    result = expect_confirmed(man_flow, scenario)
    evidence.capture(result.page, "the manufacturer's confirmation")


@when(parsers.parse("{persona}'s browser arrives back at NOX"))
def arrives_back(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    assert man_flow.return_url, "NOX gave no address to come back to in this scenario"
    man_flow.signed_in_at = man_flow.watch.mark() if man_flow.watch else 0
    ManufacturerResult(scenario.browser(), man_flow.target).go(man_flow.return_url)


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
    man_flow.signed_in_at = man_flow.watch.mark() if man_flow.watch else 0
    ManufacturerResult(scenario.browser(), man_flow.target).go(template.replace(other.state, man_flow.state))


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
