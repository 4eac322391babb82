"""Steps of the sweep's customer-visible probes (features/refusal_languages.feature,
issue 21): a NOX refusal in the language the link asked for. The journey is the
supplier flow's (:mod:`steps.supplier.journey`); pages are steps/pages/nox.py's."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from steps.cast import LANGUAGES, PERSONA
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.pages.nox import SessionRefused, language_of
from steps.supplier.journey import SupplierFlow, browser, choose, expect_back_with_data, open_link, sign_in_at_brand, start
from steps.supplier.vocabulary import DEVICE, USUAL_BRAND, asset
from suite.browser_watch import Watches
from suite.evidence import Evidence

LANGUAGE = r"(?P<language>Dutch|English|French|Spanish)"


@given(parsers.re(rf"{PERSONA} has connected her {DEVICE} through a link in {LANGUAGE}"))
def has_connected_in(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient,
                     device: str, language: str, **_: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    start(sup_flow, nox, scenario.user(), asset(device), language=language)
    open_link(sup_flow, page)
    choose(sup_flow, page, USUAL_BRAND)
    sign_in_at_brand(sup_flow, page)
    expect_back_with_data(sup_flow, page)


@then(parsers.re(rf"NOX's refusal is in {LANGUAGE}"))
def refusal_in(scenario: Scenario, evidence: Evidence, language: str) -> None:
    refused = SessionRefused(scenario.browser())
    shown = language_of(refused.page)
    evidence.capture(refused.page, f"NOX's refusal in {language}")
    assert shown == LANGUAGES[language], (
        f"expected NOX's refusal in {language} ({LANGUAGES[language]}), but it is in {shown!r} "
        "[SEC-18; vendor 003 'language: Language for the Authenticator UI'; interfaces.md §1 <html lang>]")
