"""Depth steps at NOX and the manufacturers' pages (features/security_depth.feature): a
manufacturer's terms sent straight to its server (SEC-11), link tokens and the sign-in
sessions NOX hands the partner (SEC-12), and every brand the picker offers (SEC-13).
NOX's windows at both edges (SEC-04, SEC-05) use the flows' own steps and
:func:`steps.security.shared_steps.clock_reaches`."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.manufacturer.journey import ManufacturerFlow, choose_partner, open_link, start_session
from steps.pages.direct_form import DirectForm
from steps.pages.nox import BrandPicker, BrandSignIn
from steps.security.journey import SecurityState
from steps.security.vocabulary import PERSONA_BROWSER as PERSONA
from steps.security.vocabulary import guessable
from steps.supplier.journey import SupplierFlow, choose, start
from steps.supplier.vocabulary import DEVICE, OTHER, asset
from suite.browser_watch import Watches
from suite.evidence import Evidence
from suite.http import RequestLedger

TERMS_BRAND = "a brand that asks for its terms"

# ------------------------------------------------- a manufacturer's terms, straight


@given(parsers.re(rf"{PERSONA} has chosen a brand that asks for its terms"))
def has_chosen_terms_brand(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    choose(sup_flow, scenario.browser(), TERMS_BRAND)
    assert BrandSignIn(scenario.browser(), scenario.target).asks_for_terms(), (
        f"expected {sup_flow.linking.brand}'s sign-in page to ask for its terms, as the target profile says"
    )


@when(parsers.re(rf"{PERSONA}'s browser sends that manufacturer's sign-in form straight to it without accepting "
                 "its terms"))
def brand_without_terms(sec: SecurityState, sup_flow: SupplierFlow, scenario: Scenario, ledger: RequestLedger,
                        persona: str) -> None:
    page = scenario.browser()
    account = sup_flow.linking.account
    assert account is not None, "no brand was chosen in this scenario"
    BrandSignIn(page, scenario.target).fill_in(account, accept_terms=False)
    sec.answer = DirectForm(page, BrandSignIn.FORM, ledger, scenario.target).send()


@then("the manufacturer refuses that sign-in and sends her browser nowhere")
def brand_refuses(sec: SecurityState, sup_flow: SupplierFlow) -> None:
    answer = sec.answer
    assert answer is not None, "nothing was sent in this scenario"
    assert not answer.redirects, (
        f"expected {sup_flow.linking.brand} to refuse a sign-in without its terms, but it answered {answer.describe()}"
    )
    assert answer.status < 500, f"expected a refusal, but {sup_flow.linking.brand} failed with {answer.status}"


# ------------------------------------------------------------------------ tokens


@when(parsers.re(rf"the partner backend starts (?P<count>\d+) link sessions for {PERSONA}'s {DEVICE}"))
def starts_many(sec: SecurityState, sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, count: str,
                persona: str, device: str) -> None:
    for _ in range(int(count)):
        sec.tokens.append(str(start(sup_flow, nox, scenario.user(persona), asset(device)).session["link_token"]))


@then("their link tokens are long, random-looking, all different and not sequential")
def link_tokens_random(sec: SecurityState) -> None:
    problems = guessable(sec.tokens, "link tokens")
    assert not problems, "expected link tokens no one can guess from another, but " + "; ".join(problems)


@when(parsers.re(rf"{PERSONA} chooses the partner in (?P<count>\d+) linkings started by her manufacturer's app"))
def chooses_partner_often(sec: SecurityState, man_flow: ManufacturerFlow, scenario: Scenario, browser_watch: Watches,
                          nox: NoxClient, persona: str, count: str) -> None:
    for _ in range(int(count)):
        start_session(man_flow, nox, None)
        open_link(man_flow, scenario, browser_watch, nox)
        choose_partner(man_flow, scenario)
        assert man_flow.state, "expected NOX to open the partner's sign-in page with its sign-in session"
        sec.tokens.append(man_flow.state)


@then("the sign-in sessions NOX handed the partner are long, random-looking, all different and not sequential")
def states_random(sec: SecurityState) -> None:
    problems = guessable(sec.tokens, "sign-in sessions (OAuth state)")
    assert not problems, "expected sign-in sessions no one can guess from another, but " + "; ".join(problems)


# ---------------------------------------------------------------- every brand offered


@then(parsers.re(rf"every brand offered is one the target lists for {DEVICE}"))
def every_brand_of_type(scenario: Scenario, evidence: Evidence, device: str) -> None:
    picker = BrandPicker(scenario.browser(), scenario.target)
    picker.expect_shown()
    evidence.capture(picker.page, f"every brand offered for {device}")
    asset_type = asset(device)
    split = set(scenario.target.brands[asset_type].offered)
    other = set(scenario.target.brands[OTHER[asset_type]].offered)
    offered = picker.offered()
    assert offered, "expected the brand picker to offer brands, but it offers none"
    wrong = [f"{slug} (a brand the target lists for the other kind of device)" if slug in other else
             f"{slug} (a brand the target lists for neither)" for slug in offered if slug not in split]
    assert not wrong, f"expected only brands that make {device}, but the brand picker offers " + ", ".join(wrong)
