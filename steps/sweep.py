"""Steps of the sweep's customer-visible probes (features/refusal_languages.feature,
issue 21): a NOX refusal in the language the link asked for. The journey is the
supplier flow's (:mod:`steps.supplier.journey`); pages are steps/pages/nox.py's."""

from __future__ import annotations

from pytest_bdd import given, parsers, then

from steps.cast import LANGUAGES, PERSONA
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.pages.brand_http import BrandSignInOverHttp
from steps.pages.nox import BrandSignIn, SessionRefused
from steps.supplier.journey import SupplierFlow, browser, start
from steps.supplier.vocabulary import DEVICE, asset
from suite.browser_watch import Watches
from suite.http import RequestLedger
from suite.target import Target

LANGUAGE = r"(?P<language>Dutch|English|French|Spanish)"


@given(parsers.re(rf"{PERSONA} has connected her {DEVICE} through a link in {LANGUAGE}"))
def has_connected_in(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient,
                     target: Target, ledger: RequestLedger, device: str, language: str, **_: str) -> None:
    """Her browser completes the link at the partner's usual brand, chosen in the link: the
    sign-in is sent through the browser's own HTTP client, the way back is not drawn."""
    page = browser(sup_flow, scenario, browser_watch)
    brands = sup_flow.brands(asset(device))
    start(sup_flow, nox, scenario.user(), asset(device), brand=brands.brand, language=language)
    over_http = BrandSignInOverHttp(page.context.request, ledger)
    link_url, stop_at = sup_flow.linking.session["link_url"], target.nox.supplier_redirect_url
    back = over_http.complete(link_url, brands.accounts[0], stop_at)
    if back is None:  # the brand's form is put in by a script: signed in by the browser, the way back not drawn
        sign_in = BrandSignIn(page, target)
        sign_in.go(link_url)
        held = sign_in.sign_in_holding_return(brands.accounts[0])
        assert held is not None, f"expected {brands.brand} to send her back to NOX after the sign-in, but {sign_in.describe()}"
        back = over_http.follow(held, stop_at)
    assert back.startswith(target.nox.supplier_redirect_url), (
        f"expected NOX to send her back to the partner after the sign-in at {brands.brand}, but it ended at {back}")


@then(parsers.re(rf"NOX's refusal is in {LANGUAGE}"))
def refusal_in(scenario: Scenario, language: str) -> None:
    """(The step before it pictured the refusal already.)"""
    shown = SessionRefused(scenario.browser(), scenario.target).language()
    assert shown == LANGUAGES[language], (
        f"expected NOX's refusal in {language} ({LANGUAGES[language]}), but it is in {shown!r} "
        "[SEC-18; vendor 003 'language: Language for the Authenticator UI'; interfaces.md §1 <html lang>]")
