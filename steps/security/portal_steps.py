"""Depth steps at the Nomos portal (features/security_depth.feature): the spellings of
``next`` (SEC-01), the magic link's and the portal session's edges (SEC-02, SEC-03),
the portal's session cookie and sign-out (SEC-07, SEC-08), a link opened where another
customer is signed in (SEC-09), magic-link tokens (SEC-12), and the Nomos access token's
lifetime as its answer states it (SEC-06)."""

from __future__ import annotations

from itertools import cycle, islice
from urllib.parse import parse_qsl, urlsplit

from pytest_bdd import given, parsers, then, when

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.common import Scenario
from steps.pages.cookies import SetCookies, session_cookies
from steps.pages.portal import AccountHub, Portal, SignedOut
from steps.security.journey import (
    Limit,
    SecurityState,
    browser_of,
    expect_cookie_flags,
    now_on,
    open_magic_link,
    sign_in_to_portal,
)
from steps.security.vocabulary import ACCESS_TOKEN, HER, MAGIC_LINK, guessable, spellings, with_raw_next
from steps.security.vocabulary import PERSONA_BROWSER as PERSONA
from steps.sso.api_steps import has_access_token
from steps.sso.journey import SsoState
from suite.browser_watch import Watches
from suite.evidence import Evidence

# ------------------------------------------------------------ leaving the portal


@given(parsers.re(rf"the partner backend has minted magic links for {PERSONA} that lead to another website "
                  r"written (?P<written>.+)"))
def links_elsewhere(sec: SecurityState, scenario: Scenario, nomos: NomosClient, persona: str, written: str) -> None:
    customer = scenario.user(persona).nomos_customer_id
    for raw in spellings(written, scenario.target.urls.nomos_portal):
        sec.spelled.append((raw, with_raw_next(nomos.magic_link(customer), raw)))


@when(parsers.re(rf"{PERSONA} opens each of those magic links"))
def opens_each(sec: SecurityState, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    watch = browser_watch.watch(page)
    for raw, link in sec.spelled:
        since = watch.mark()
        portal = open_magic_link(page, scenario.target, link)
        foreign = [watch.places.of(url) for url in watch.requested(since) if watch.places.is_foreign(url)]
        sec.landings.append((raw, portal.origin, foreign))


@then("every one of them left her on the portal, without her browser asking another website for anything")
def stayed_on_portal(sec: SecurityState, scenario: Scenario) -> None:
    assert sec.landings, "no magic link was opened in this scenario"
    portal = Portal(scenario.browser(sec.browser), scenario.target)
    expected = f"{urlsplit(scenario.target.urls.nomos_portal).scheme}://{urlsplit(scenario.target.urls.nomos_portal).netloc}"
    escaped = []
    for raw, origin, foreign in sec.landings:
        if foreign:
            escaped.append(f"next={raw} sent the browser to {', '.join(foreign)} (blocked by the suite)")
        elif origin != expected:
            escaped.append(f"next={raw} ended the browser at {origin}")
    assert not escaped, (
        f"expected every link to keep the browser on the portal {expected}, but " + "; ".join(escaped)
        + f" (the browser now: {portal.describe()})"
    )


# ------------------------------------------------------- the magic link's edges


@given(parsers.re(rf"the partner backend has just minted a magic link for {PERSONA}"))
def just_minted(sec: SecurityState, scenario: Scenario, nomos: NomosClient, clock: ClockClient, persona: str) -> None:
    earliest = now_on(clock)
    sec.links.append(nomos.magic_link(scenario.user(persona).nomos_customer_id))
    sec.limits[MAGIC_LINK] = Limit(scenario.target.magic_link_lifetime, earliest)


@when(parsers.re(rf"{PERSONA} opens that magic link"))
def opens_that_link(sec: SecurityState, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    assert sec.links, "no magic link was minted in this scenario"
    sec.browser = browser_of(scenario, persona)
    page = scenario.browser(sec.browser)
    browser_watch.watch(page)
    open_magic_link(page, scenario.target, sec.links[-1])


@then("the portal refuses that link and that browser is signed in to no account")
def refuses_that_link(sec: SecurityState, scenario: Scenario, evidence: Evidence) -> None:
    page = scenario.browser(sec.browser)
    SignedOut(page, scenario.target).expect_link_refused()
    evidence.capture(page, "the portal refusing a magic link just past its lifetime")
    SignedOut(page, scenario.target).visit_hub().expect_signed_out()


@given(parsers.re(rf"{PERSONA} has just signed in to the portal with {HER} magic link"))
def just_signed_in(sec: SecurityState, scenario: Scenario, nomos: NomosClient, clock: ClockClient,
                   persona: str) -> None:
    page = sign_in_to_portal(sec, scenario, nomos, clock, persona)
    user = scenario.user(persona)
    hub = AccountHub(page, scenario.target)
    if user.role == "subscribed":
        hub.expect_for(user)
    else:
        assert not SignedOut(page, scenario.target).is_shown(), (
            f"expected {persona}'s magic link to sign in, but {hub.describe()}")


@when(parsers.re(r"(?P<persona>[A-Z]\w*)'s magic link is opened in that same browser"))
def link_in_same_browser(sec: SecurityState, scenario: Scenario, nomos: NomosClient, persona: str) -> None:
    link = nomos.magic_link(scenario.user(persona).nomos_customer_id)
    open_magic_link(scenario.browser(sec.browser), scenario.target, link)


@given("the partner backend has just got an access token from Nomos")
def just_got_token(sec: SecurityState, sso: SsoState, nomos: NomosClient, clock: ClockClient) -> None:
    earliest = now_on(clock)
    has_access_token(sso, nomos)
    sec.limits[ACCESS_TOKEN] = Limit(sso.token_lifetime, earliest)


# -------------------------------------------------------- the portal's session cookie


@when(parsers.re(rf"{PERSONA} signs in to the portal with {HER} magic link, in a browser that notes every cookie "
                 "it is given"))
def portal_sign_in_noted(sec: SecurityState, scenario: Scenario, nomos: NomosClient, clock: ClockClient,
                         persona: str) -> None:
    sec.set_cookies = SetCookies(scenario.browser(browser_of(scenario, persona)).context)
    page = sign_in_to_portal(sec, scenario, nomos, clock, persona)
    AccountHub(page, scenario.target).expect_for(scenario.user(persona))


@when(parsers.re(rf"{PERSONA} signs out of the portal in that browser"))
def signs_out_of_portal(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    page = scenario.browser(sec.browser)
    sec.old_cookies = list(page.context.cookies(scenario.target.urls.nomos_portal))
    assert sec.old_cookies, f"the portal set no cookie in {persona}'s browser: nothing holds her session"
    AccountHub(page, scenario.target).visit_hub().sign_out()


@then(parsers.re(rf"the portal's old session cookie no longer opens {PERSONA}'s account"))
def old_portal_cookie(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    page = scenario.browser(sec.browser)
    page.context.add_cookies(sec.old_cookies)
    SignedOut(page, scenario.target).visit_hub().expect_signed_out()


@then("the portal's session cookie is HttpOnly and SameSite, and Secure if the portal is on https")
def portal_cookie_flags(sec: SecurityState, scenario: Scenario) -> None:
    page = scenario.browser(sec.browser)
    url = scenario.target.urls.nomos_portal
    cookies = session_cookies(page, url, lambda: AccountHub(page, scenario.target).visit_hub().is_shown())
    expect_cookie_flags(sec, "the portal", url, cookies)


# ------------------------------------------------------------------- tokens


@when(parsers.re(r"the partner backend mints (?P<count>\d+) magic links, for (?P<first>[A-Z]\w*) and for "
                 r"(?P<second>[A-Z]\w*) in turn"))
def mints_many(sec: SecurityState, scenario: Scenario, nomos: NomosClient, count: str, first: str,
               second: str) -> None:
    for persona in islice(cycle((first, second)), int(count)):
        link = nomos.magic_link(scenario.user(persona).nomos_customer_id)
        sec.tokens.append(dict(parse_qsl(urlsplit(link).query)).get("token_hash", ""))


@then("their tokens are long, random-looking, all different and not sequential")
def magic_tokens_random(sec: SecurityState) -> None:
    assert sec.tokens and all(sec.tokens), "expected every magic link to carry a token (`token_hash`)"
    problems = guessable(sec.tokens, "magic-link tokens")
    assert not problems, "expected magic-link tokens no one can guess from another, but " + "; ".join(problems)
