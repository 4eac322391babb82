"""Steps every part of the depth feature shares: its Background, the clock reaching
either edge of a time limit, and which account a browser shows at the portal."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from steps.cast import PERSONAS
from steps.clients.clock import ClockClient
from steps.common import Scenario, TimePasses
from steps.manufacturer.journey import ManufacturerFlow
from steps.pages.portal import AccountHub, SignedOut
from steps.security.journey import Limit, SecurityState, reach_edge
from steps.security.vocabulary import LIMITS, LINK_SESSION, SIGN_IN_WINDOW, profile_limit
from steps.supplier.journey import SupplierFlow


@given(parsers.re(r"(?P<first>[A-Z]\w*) and (?P<second>[A-Z]\w*) are customers of the partner, \w+ with an energy "
                  r"subscription at Nomos and \w+ without"))
def two_customers(scenario: Scenario, first: str, second: str) -> None:
    scenario.persona = first
    assert PERSONAS.get(first) == "subscribed", f"{first} must be the persona with a subscription (steps/cast.py)"
    assert PERSONAS.get(second) == "unsubscribed", f"{second} must be the persona without one (steps/cast.py)"
    for persona in (first, second):
        assert scenario.user(persona).nomos_customer_id, f"the target names no Nomos customer for {persona}"


@when(parsers.re(rf"the clock reaches a few seconds (?P<edge>before|after) (?P<limit>{'|'.join(LIMITS)}) is over"))
def clock_reaches(sec: SecurityState, sup_flow: SupplierFlow, man_flow: ManufacturerFlow, clock: ClockClient,
                  time_passes: TimePasses, edge: str, limit: str) -> None:
    """NOX's windows start in the flows' own steps: the link session at its ``created_at``,
    the sign-in window no earlier than the manufacturer's session was created."""
    if limit == LINK_SESSION:
        sec.limits[limit] = Limit(profile_limit(limit, sec.target), sup_flow.linking.session["created_at"])
    elif limit == SIGN_IN_WINDOW:
        sec.limits[limit] = Limit(profile_limit(limit, sec.target), man_flow.session()["created_at"])
    reach_edge(sec, clock, time_passes, limit, edge)


@then(parsers.re(r"that browser shows (?P<persona>[A-Z]\w*)'s own account at the portal(?:, not (?P<other>[A-Z]\w*)'s)?"))
def shows_own_account(sec: SecurityState, scenario: Scenario, persona: str, other: str | None) -> None:
    hub = AccountHub(scenario.browser(sec.browser), scenario.target)
    hub.expect_for(scenario.user(persona))
    hub.visit_hub().expect_for(scenario.user(persona))  # and it stays theirs on the next visit


@then("that browser is signed in to no account at the portal")
def signed_in_nowhere(sec: SecurityState, scenario: Scenario) -> None:
    SignedOut(scenario.browser(sec.browser), scenario.target).visit_hub().expect_signed_out()
