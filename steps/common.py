"""Steps every flow shares: the cast, signing in to the partner app, time passing.

Personas in the features map to the target profile's test identities, so the same
feature reads "Alice" on the sandbox and on staging.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page
from pytest_bdd import given, parsers, when

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.pages.partner import PartnerHome, PartnerSignIn
from suite.target import PartnerUser, Target

# Persona in the features -> partner user role in the target profile.
PERSONAS = {
    "Alice": "subscribed",  # has an energy subscription at Nomos
    "Bob": "unsubscribed",  # exists at Nomos, no subscription yet
}
PERSONA = r"(?P<persona>[A-Z]\w*)"
# Languages the features name -> the codes NOX and the pages use.
LANGUAGES = {"Dutch": "nl", "English": "en", "French": "fr", "Spanish": "es"}
IN_LANGUAGE = rf"(?: in (?P<language>{'|'.join(LANGUAGES)}))?"


@dataclass
class Scenario:
    """What one scenario's steps share. A fresh one per scenario: no order dependence."""

    target: Target
    new_context: Callable[..., BrowserContext]
    first_page: Page
    pages: dict[str, Page] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)

    def user(self, persona: str) -> PartnerUser:
        if persona not in PERSONAS:
            raise AssertionError(f"the feature names persona {persona!r}; known: {', '.join(PERSONAS)}")
        return self.target.user(PERSONAS[persona])

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


@given(parsers.parse("{persona} is signed in to the partner app"))
@when(parsers.parse("{persona} signs in to the partner app"))
def sign_in(scenario: Scenario, persona: str) -> None:
    user = scenario.user(persona)
    page = scenario.browser()
    PartnerSignIn(page, scenario.target).open().sign_in(user)
    PartnerHome(page, scenario.target).expect_signed_in_as(user)


@given(parsers.parse("{persona} is not signed in to the partner app"))
def not_signed_in(scenario: Scenario, persona: str) -> None:
    scenario.user(persona)  # the persona must exist; a fresh browser has no session
    scenario.browser()


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


@given(parsers.parse("{minutes:d} minutes have passed"))
@when(parsers.parse("{minutes:d} minutes pass"))
def minutes_pass(clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config, minutes: int) -> None:
    let_time_pass(clock, nomos, minutes * 60, pytestconfig.getoption("--real-time-waits"))
