"""The cast and the words every feature shares: who the personas are, the languages
they speak, and how a persona signs in to the partner app.

Personas in the features map to the target profile's test identities, so the same
feature reads "Alice" on the sandbox and on staging. This is the one place a persona
is looked up and the one place the partner app's sign-in is driven.

Two ways in, one sign-in form (interfaces.md §1: the ``partner-login`` form, inputs
labelled "Email" and "Password"):

- :func:`sign_in_to_partner`: through the browser, as the person does it; for the
  scenarios about signing in, and wherever the browser must see the sign-in itself
  (a recorded browser);
- :class:`FormSignIn`: for scenarios that only need someone signed in. It fetches the
  same sign-in page, reads it as a browser does before scripts run
  (``suite/static_html.py``: the form at or inside its test id's element, inputs
  labelled by ``for=`` or by a wrapping label), and posts the same form over HTTP (its
  hidden fields included), then hands the session cookie the partner app
  set to the scenario's browser context. Each scenario gets a session of its own, just
  as a sign-in in its browser would give it; the partner app's signed-in guard decides
  on that cookie as on any other. It saves the browser two page loads and three
  round trips per sign-in. A sign-in page whose form a script puts in after load has no
  form to read: the scenario then signs in through its browser.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import httpx
from playwright.sync_api import BrowserContext, Page

from steps.pages.partner import PartnerHome, PartnerSignIn
from suite.http import describe
from suite.static_html import StaticPage
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
SIGN_IN_PATH = "/login"
FORM_TEST_ID = "partner-login"


def user_of(target: Target, persona: str) -> PartnerUser:
    """The target's test identity behind a persona the feature names."""
    if persona not in PERSONAS:
        raise AssertionError(f"the feature names persona {persona!r}; known: {', '.join(PERSONAS)}")
    return target.user(PERSONAS[persona])


def sign_in_to_partner(page: Page, target: Target, user: PartnerUser) -> None:
    """Sign the user in to the partner app in this browser, and see its home page greet them."""
    PartnerSignIn(page, target).open(SIGN_IN_PATH).sign_in(user)
    PartnerHome(page, target).expect_signed_in_as(user)


def signed_in(page: Page, target: Target, user: PartnerUser, shortcut: FormSignIn | None, *, home: bool = True) -> None:
    """The user signed in to the partner app in this browser: over HTTP when there is a
    shortcut, then (``home``) on the home page that greets them; else through the browser."""
    if shortcut is None:
        sign_in_to_partner(page, target, user)
        return
    if not shortcut.into(page.context, user):  # the form is put in by a script: sign in as the person does
        sign_in_to_partner(page, target, user)
        return
    if home:
        PartnerHome(page, target).open().expect_signed_in_as(user)


# ------------------------------------------------------------- the form, over HTTP


class FormSignIn:
    """Signs a user in to the partner app by posting its sign-in form over HTTP (under
    the run's HTTP policy and budget) and gives the session to a browser context."""

    def __init__(self, target: Target, http: httpx.Client) -> None:
        self.target = target
        self.http = http

    def into(self, context: BrowserContext, user: PartnerUser) -> bool:
        """Sign ``user`` in and put the session cookie into ``context``; fail, as a person
        would see it, when the partner app does not accept the sign-in. False when the
        sign-in page's first HTML has no such form (a script puts it in after load): then
        only a browser can sign in, and nothing was sent but the page's request."""
        self.http.cookies.clear()  # a session of this scenario's own
        shown = self.http.get(SIGN_IN_PATH)
        if shown.status_code != 200:
            raise AssertionError(f"expected the partner app's sign-in page at {SIGN_IN_PATH}, but it answered {describe(shown)}")
        form = StaticPage(shown.text).form(FORM_TEST_ID)
        if form is None:
            return False
        email, password = form.named("Email"), form.named("Password")
        if not email or not password or form.method != "post":
            raise AssertionError(f"expected the partner app's sign-in form at {SIGN_IN_PATH}, but it answered "
                                 f"{describe(shown)} without a form posting an Email and a Password")
        filled = {email: user.email, password: user.password.reveal()}
        fields = [(name, value) for name, value in form.fields if name not in filled] + list(filled.items())
        answer = self.http.post(urljoin(str(shown.url), form.action or SIGN_IN_PATH), data=dict(fields))
        left = urlsplit(answer.headers.get("location", "")).path
        if not answer.is_redirect or left == SIGN_IN_PATH or not self.http.cookies:
            raise AssertionError(f"expected the partner app to accept {user.name}'s sign-in, but it answered "
                                 f"{describe(answer)}")
        context.add_cookies([
            {"name": c.name, "value": c.value or "", "secure": bool(c.secure), "httpOnly": c.has_nonstandard_attr("HttpOnly"),
             "sameSite": str(c.get_nonstandard_attr("SameSite") or "Lax").capitalize(),  # type: ignore[typeddict-item]
             # a host-only cookie stays host-only: given by its address, not as a domain cookie
             **({"domain": c.domain, "path": c.path or "/"} if c.domain_specified else {"url": self._address(c.domain, c.path)})}
            for c in self.http.cookies.jar
        ])
        return True

    def _address(self, host: str, path: str) -> str:
        scheme = urlsplit(self.target.urls.partner_app).scheme
        return f"{scheme}://{host}{path or '/'}"

