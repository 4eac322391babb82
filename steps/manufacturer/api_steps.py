"""Manufacturer steps about NOX's API (features/manufacturer_supplier_link.feature):
"the manufacturer app starts", where the suite's NOX client plays the manufacturer app's
backend, and "the partner's word at NOX", where it plays the partner backend
(``POST /post-login-redirect``). The requests the feature names in words are built in
:mod:`steps.manufacturer.vocabulary`."""

from __future__ import annotations

import secrets

from pytest_bdd import given, parsers, then, when

from steps import link_sessions
from steps.cast import IN_LANGUAGE, LANGUAGES, PERSONA
from steps.clients.clock import ClockClient
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.manufacturer.journey import (
    ManufacturerFlow,
    accepted_return,
    ask,
    expect_confirmed,
    expect_handoff_refused,
    hand_off,
    sign_in_at_partner,
    start_session,
)
from steps.manufacturer.vocabulary import WHO, handoff_key, session_request
from suite.plugin import Run

# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is signed in at her heat-pump manufacturer's app"))
def signed_in_at_manufacturer(man_flow: ManufacturerFlow, scenario: Scenario, run: Run, persona: str) -> None:
    scenario.persona = persona
    man_flow.manufacturer_user_id = run.unique("mfr-user")


# --------------------------------------------------------- the manufacturer's API


@when(parsers.re(rf"the manufacturer app starts linking an energy supplier for {PERSONA}{IN_LANGUAGE}"))
def manufacturer_starts(man_flow: ManufacturerFlow, scenario: Scenario, nox: NoxClient, persona: str,
                        language: str | None) -> None:
    scenario.persona = persona
    ask(man_flow, nox, language)


@when(parsers.re(rf"the manufacturer app starts linking an energy supplier for {PERSONA} (?P<words>(?:with|without) .+)"))
def manufacturer_starts_badly(man_flow: ManufacturerFlow, scenario: Scenario, nox: NoxClient, persona: str,
                              words: str) -> None:
    scenario.persona = persona
    body, api_key = session_request(words, nox, man_flow.target, man_flow.manufacturer_user_id)
    man_flow.answer = nox.create_manufacturer_session(body, api_key=api_key)


@given(parsers.re(rf"the manufacturer app has started linking an energy supplier for {PERSONA}{IN_LANGUAGE}"))
def manufacturer_started(man_flow: ManufacturerFlow, scenario: Scenario, nox: NoxClient, persona: str,
                         language: str | None) -> None:
    scenario.persona = persona
    start_session(man_flow, nox, language)


@then("NOX answers with a link to its Authenticator UI")
def answers_with_link(man_flow: ManufacturerFlow) -> None:
    link_sessions.expect_link(man_flow.answer, man_flow.target, WHO)


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
    link_sessions.expect_open_for(man_flow.answer, clock, minutes, WHO)


@then(parsers.re(r"NOX refuses to start linking as (?P<refusal>unauthorised|invalid input)"))
def session_refused(man_flow: ManufacturerFlow, refusal: str) -> None:
    link_sessions.expect_refused(man_flow.answer, refusal, WHO)


@then("no link to the Authenticator UI is given")
def no_link(man_flow: ManufacturerFlow) -> None:
    link_sessions.expect_no_link(man_flow.answer, WHO)


# ------------------------------------------------------- the partner's hand-off


@given(parsers.parse("the partner backend has told NOX who {persona} is"))
def partner_has_told(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario, persona: str) -> None:
    hand_off(man_flow, nox, scenario.user(persona))
    man_flow.return_url = accepted_return(man_flow.handoff)


@then("the partner has told NOX who she is, which used up her sign-in session at NOX")
def partner_told_nox(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    hand_off(man_flow, nox, scenario.user())
    expect_handoff_refused(man_flow, "already used", because="the partner backend should already have used it up")


@when(parsers.re(r"the partner backend tells NOX who signed in (?P<words>(?:with|without) .+)"))
def handoff_with_key(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario, words: str) -> None:
    hand_off(man_flow, nox, scenario.user(), api_key=handoff_key(words, man_flow.target))


@when("the partner backend tells NOX who signed in for a session NOX never started")
def handoff_unknown(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    man_flow.state = secrets.token_urlsafe(24)
    hand_off(man_flow, nox, scenario.user())


@when("the partner backend tells NOX who signed in for that session")
@when("the partner backend tells NOX again who signed in for that session")
def handoff_again(man_flow: ManufacturerFlow, nox: NoxClient, scenario: Scenario) -> None:
    hand_off(man_flow, nox, scenario.user())


@then(parsers.re(r"NOX refuses the hand-off as (?P<refusal>unauthorised|an unknown session|already used|expired)"))
def handoff_refused(man_flow: ManufacturerFlow, refusal: str) -> None:
    expect_handoff_refused(man_flow, refusal)


@then(parsers.parse("{persona} can still finish linking at the partner"))
def can_still_finish(man_flow: ManufacturerFlow, scenario: Scenario, persona: str) -> None:
    sign_in_at_partner(man_flow, scenario, scenario.user(persona), accept_terms=True)
    expect_confirmed(man_flow, scenario)
