"""The depth feature's state and journeys: whose browser is whose, time limits and
their edges on the target's clock, signing in to the portal with a fresh magic link,
and what the partner app shows a user as stored."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from playwright.sync_api import Page

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.common import Scenario, TimePasses
from steps.pages.cookies import Cookie, SetCookies
from steps.pages.direct_form import DirectAnswer
from steps.pages.partner_stored import StoredDevices
from steps.pages.portal import Portal
from steps.supplier.callback import Callback
from suite.target import EDGE_SECONDS, BrandAccount, Target


@dataclass
class Limit:
    """A time limit in play: its length, and the earliest moment it can have started."""

    seconds: int
    earliest: int


@dataclass
class SecurityState:
    """What one depth scenario's steps share; a fresh one per scenario."""

    target: Target
    browser: str = "default"  # "that browser": the one the last step used
    links: list[str] = field(default_factory=list)  # magic links in play, in order
    spelled: list[tuple[str, str]] = field(default_factory=list)  # (how `next` was written, the link)
    landings: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (spelling, final origin, foreign)
    limits: dict[str, Limit] = field(default_factory=dict)
    set_cookies: SetCookies | None = None
    old_cookies: list[Cookie] = field(default_factory=list)
    answer: DirectAnswer | None = None
    tokens: list[str] = field(default_factory=list)
    noted: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # persona -> stored devices
    after_refusals: list[tuple[str, dict[str, list[tuple[str, str]]]]] = field(default_factory=list)
    arrivals: dict[str, list[Callback]] = field(default_factory=dict)  # persona -> callbacks in their browser
    marks: dict[str, int] = field(default_factory=dict)
    accounts: dict[str, BrandAccount] = field(default_factory=dict)  # persona -> brand account used


def browser_of(scenario: Scenario, persona: str) -> str:
    """The scenario's main persona uses its first browser; anyone else their own."""
    return "default" if persona == scenario.persona else f"{persona}'s browser"


def now_on(clock: ClockClient) -> int:
    """The target's time: its clock, or (waiting in real time) this machine's."""
    return clock.now() if clock.available else int(time.time())


def reach_edge(sec: SecurityState, clock: ClockClient, time_passes: TimePasses, limit: str, edge: str) -> None:
    """Move time to a few seconds before the limit (counted from its earliest possible
    start) or after it (counted from now, later than any start)."""
    assert limit in sec.limits, f"no {limit} was started in this scenario"
    in_play, now = sec.limits[limit], now_on(clock)
    if edge == "after":
        time_passes(in_play.seconds + EDGE_SECONDS)
        return
    at = in_play.earliest + in_play.seconds - EDGE_SECONDS
    assert at > now, (
        f"the scenario took {now - in_play.earliest} s to get here, too long to test {limit} "
        f"({in_play.seconds} s) a few seconds before its end"
    )
    time_passes(at - now)


def open_magic_link(page: Page, target: Target, link: str) -> Portal:
    portal = Portal(page, target)
    portal.open_link(link)
    return portal


def sign_in_to_portal(sec: SecurityState, scenario: Scenario, nomos: NomosClient, clock: ClockClient,
                      persona: str) -> Page:
    """Open a fresh magic link of the persona in their browser; the portal session's
    lifetime starts no earlier than just before."""
    sec.browser = browser_of(scenario, persona)
    page = scenario.browser(sec.browser)
    earliest = now_on(clock)
    link = nomos.magic_link(scenario.user(persona).nomos_customer_id)
    open_magic_link(page, scenario.target, link)
    sec.limits["the portal session's lifetime"] = Limit(scenario.target.portal_session_lifetime, earliest)
    sec.links.append(link)
    return page


def stored(scenario: Scenario, persona: str) -> list[tuple[str, str]]:
    """The devices the partner app's home page shows the persona, in their own browser."""
    return StoredDevices(scenario.browser(browser_of(scenario, persona)), scenario.target).on_home(
        scenario.user(persona))


def expect_cookie_flags(sec: SecurityState, party: str, url: str, cookies: list[Cookie]) -> None:
    """Each session cookie was set HttpOnly, with SameSite Lax or Strict, and Secure on https."""
    assert cookies, f"{party} set no cookie in the browser, so nothing there holds the session"
    assert sec.set_cookies is not None, "the browser did not note the cookies it was given"
    parts = urlsplit(url)
    problems = []
    for cookie in cookies:
        name = cookie["name"]
        attributes = sec.set_cookies.attributes(parts.netloc, name)
        if attributes is None:
            problems.append(f"{name!r} came with no Set-Cookie header the browser saw (a script set it?)")
            continue
        if not cookie.get("httpOnly"):
            problems.append(f"{name!r} is readable by the page's scripts (no HttpOnly)")
        same_site = next((a.split("=", 1)[1] for a in attributes if a.startswith("samesite=")), "")
        if same_site not in ("lax", "strict"):
            problems.append(f"{name!r} is sent along from other websites (SameSite {same_site or 'not set'})")
        if parts.scheme == "https" and not cookie.get("secure"):
            problems.append(f"{name!r} may travel unencrypted (no Secure on an https site)")
    assert not problems, f"expected {party}'s session cookie kept from scripts and other websites, but " + "; ".join(
        problems)
