"""Steps every flow shares: the scenario's browsers, signing in to the partner app,
being the partner's customer (the Background of the supplier and manufacturer
features), and time passing. The cast itself (personas, languages, the partner
sign-in) is in :mod:`steps.cast`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from pytest_bdd import given, parsers, when

from steps.cast import sign_in_to_partner, user_of
from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from suite.target import PartnerUser, Target

# Moves the target's clock (or waits, or skips) by a number of seconds.
TimePasses = Callable[[int], None]


@dataclass
class Scenario:
    """What one scenario's steps share. A fresh one per scenario: no order dependence."""

    target: Target
    new_context: Callable[..., BrowserContext]
    first_page: Page
    persona: str = "Alice"  # whom the scenario follows: the persona its steps last named
    pages: dict[str, Page] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def user(self, persona: str | None = None) -> PartnerUser:
        return user_of(self.target, persona or self.persona)

    def browser(self, name: str = "default") -> Page:
        """The page of a named browser ("her phone", "another browser"); each is its own
        context, so cookies and sessions are not shared between them."""
        if not self.pages:
            self.pages[name] = self.first_page
        elif name not in self.pages:
            self.pages[name] = self.new_context().new_page()
        return self.pages[name]


@pytest.fixture
def scenario(target: Target, new_context: Callable[..., BrowserContext], page: Page) -> Scenario:
    return Scenario(target=target, new_context=new_context, first_page=page)


def let_time_pass(clock: ClockClient, nomos: NomosClient, seconds: int, real_time: bool) -> None:
    """Move the target's test clock, or (when told to) wait in real time, or skip."""
    if clock.available:
        clock.advance(seconds)
        nomos.forget_token()  # a cached access token may have outlived the moved clock
    elif real_time:
        time.sleep(seconds)  # --real-time-waits: the run asked to wait for real
    else:
        pytest.skip(f"needs {seconds // 60} minutes to pass: this target has no test clock "
                    "(run with --real-time-waits to wait in real time)")


@pytest.fixture
def time_passes(clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config) -> TimePasses:
    """Let a number of seconds pass on the target (see :func:`let_time_pass`)."""
    real_time = bool(pytestconfig.getoption("--real-time-waits"))
    return lambda seconds: let_time_pass(clock, nomos, seconds, real_time)


# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is a customer of the partner, her energy supplier"))
def partner_customer(scenario: Scenario, persona: str) -> None:
    scenario.persona = persona
    assert scenario.user(persona).email, f"the target names no partner account for {persona}"


@given(parsers.parse("{persona} is signed in to the partner app"))
@when(parsers.parse("{persona} signs in to the partner app"))
def sign_in(scenario: Scenario, persona: str) -> None:
    user = scenario.user(persona)
    sign_in_to_partner(scenario.browser(), scenario.target, user)


@given(parsers.parse("{persona} is not signed in to the partner app"))
def not_signed_in(scenario: Scenario, persona: str) -> None:
    scenario.user(persona)  # the persona must exist; a fresh browser has no session
    scenario.browser()


# ------------------------------------------------------------------- time passing


@given(parsers.parse("{minutes:d} minutes have passed"))
@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(time_passes: TimePasses, minutes: int) -> None:
    time_passes(minutes * 60)
