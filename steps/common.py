"""Steps every flow shares: the scenario's browsers, signing in to the partner app,
being the partner's customer (the Background of the supplier and manufacturer
features), and time passing. The cast itself (personas, languages, the partner
sign-in) is in :mod:`steps.cast`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from pytest_bdd import given, parsers, when

from steps.cast import FormSignIn, sign_in_to_partner, signed_in, user_of
from steps.clients.clock import ClockClient
from suite.clock import TimeKeeper
from suite.http import RequestLedger, client
from suite.keys import keeper_of
from suite.target import PartnerUser, Target, allowed_hosts

# Moves the target's clock (or waits, or skips) by a number of seconds.
TimePasses = Callable[[int], None]


@dataclass
class Scenario:
    """What one scenario's steps share. A fresh one per scenario: no order dependence."""

    target: Target
    new_context: Callable[..., BrowserContext]
    first_page: Callable[[], Page]  # the browser starts only when a step needs one
    # Signs a persona in over HTTP (steps.cast.FormSignIn); None: through the browser, for
    # a scenario whose browser must see the sign-in itself (a recorded browser).
    shortcut: FormSignIn | None = None
    persona: str = "Alice"  # whom the scenario follows: the persona its steps last named
    pages: dict[str, Page] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def user(self, persona: str | None = None) -> PartnerUser:
        return user_of(self.target, persona or self.persona)

    def browser(self, name: str = "default") -> Page:
        """The page of a named browser ("her phone", "another browser"); each is its own
        context, so cookies and sessions are not shared between them."""
        if not self.pages:
            self.pages[name] = self.first_page()
        elif name not in self.pages:
            self.pages[name] = self.new_context().new_page()
        return self.pages[name]

    def signed_in(self, persona: str, name: str = "default", *, home: bool = True) -> Page:
        """The named browser with the persona signed in to the partner app (steps.cast.signed_in)."""
        page = self.browser(name)
        signed_in(page, self.target, self.user(persona), self.shortcut, home=home)
        return page


@pytest.fixture(scope="session")
def partner_sign_in(target: Target, ledger: RequestLedger) -> Iterator[FormSignIn]:
    """Signs personas in over HTTP, for scenarios that need someone signed in but are not
    about signing in (one client per worker; every sign-in a session of its own)."""
    with client(target.urls.partner_app, allowed_hosts=allowed_hosts(target), ledger=ledger,
                timeout=target.limits.request_timeout_seconds) as http:
        yield FormSignIn(target, http)


@pytest.fixture
def scenario(request: pytest.FixtureRequest, target: Target, new_context: Callable[..., BrowserContext],
             partner_sign_in: FormSignIn) -> Scenario:
    if not target.has_clock and request.node.get_closest_marker("browser"):
        # Time limits run in real time here: the browser is up before anything starts
        # one (a link minted, a window opened), so a limit's margin is never spent on a
        # browser launch in a busy worker.
        request.getfixturevalue("page")
    return Scenario(target=target, new_context=new_context, first_page=lambda: request.getfixturevalue("page"),
                    shortcut=partner_sign_in)


def let_time_pass(clock: ClockClient, seconds: int, keeper: TimeKeeper, item: pytest.Item) -> None:
    """Move the target's test clock (alone, when it is shared: suite/clock.py; cached
    tokens notice), or wait in real time (--real-time-waits, up to the profile's cap), or
    skip saying why."""
    if clock.available:
        keeper.may_move(item)
        clock.advance(seconds)
    else:
        keeper.wait(seconds, item)


@pytest.fixture
def time_passes(clock: ClockClient, request: pytest.FixtureRequest) -> TimePasses:
    """Let a number of seconds pass on the target (see :func:`let_time_pass`)."""
    keeper = keeper_of(request.config)
    return lambda seconds: let_time_pass(clock, seconds, keeper, request.node)


def beyond(limit: int) -> int:
    """Seconds that take a time limit safely past its end: a tenth more, from 2 s to a minute."""
    return limit + max(2, min(60, limit // 10))


# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is a customer of the partner, her energy supplier"))
def partner_customer(scenario: Scenario, persona: str) -> None:
    scenario.persona = persona
    assert scenario.user(persona).email, f"the target names no partner account for {persona}"


@given(parsers.parse("{persona} is signed in to the partner app"))
def is_signed_in(scenario: Scenario, persona: str) -> None:
    scenario.signed_in(persona)


@when(parsers.parse("{persona} signs in to the partner app"))
def sign_in(scenario: Scenario, persona: str) -> None:
    sign_in_to_partner(scenario.browser(), scenario.target, scenario.user(persona))


@given(parsers.parse("{persona} is not signed in to the partner app"))
def not_signed_in(scenario: Scenario, persona: str) -> None:
    scenario.user(persona)  # the persona must exist; a fresh browser has no session
    scenario.browser()


# ------------------------------------------------------------------- time passing


@given(parsers.parse("{minutes:d} minutes have passed"))
@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(time_passes: TimePasses, minutes: int) -> None:
    time_passes(minutes * 60)


# NOX's windows, as long as the target's profile says (documented: 10 and 15 minutes).
@given("the link's lifetime has passed")
@when("the link's lifetime has passed")
def link_lifetime_passed(time_passes: TimePasses, target: Target) -> None:
    time_passes(beyond(target.link_session_lifetime))


@given("the time to finish the linking has run out")
@when("the time to finish the linking has run out")
def sign_in_window_passed(time_passes: TimePasses, target: Target) -> None:
    time_passes(beyond(target.sign_in_window))
