"""The cast and the words every feature shares: who the personas are, the languages
they speak, and how a persona signs in to the partner app.

Personas in the features map to the target profile's test identities, so the same
feature reads "Alice" on the sandbox and on staging. This is the one place a persona
is looked up and the one place the partner app's sign-in is driven.
"""

from __future__ import annotations

from playwright.sync_api import Page

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


def user_of(target: Target, persona: str) -> PartnerUser:
    """The target's test identity behind a persona the feature names."""
    if persona not in PERSONAS:
        raise AssertionError(f"the feature names persona {persona!r}; known: {', '.join(PERSONAS)}")
    return target.user(PERSONAS[persona])


def sign_in_to_partner(page: Page, target: Target, user: PartnerUser) -> None:
    """Sign the user in to the partner app in this browser, and see its home page greet them."""
    PartnerSignIn(page, target).open().sign_in(user)
    PartnerHome(page, target).expect_signed_in_as(user)
