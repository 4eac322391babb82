"""The SSO flow's state and its journeys: what one scenario's steps share, time passing
for the portal's sessions, and opening the energy account from the partner app."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

from steps.cast import user_of
from steps.common import Scenario, TimePasses
from steps.pages.partner import PartnerHome
from steps.sso.vocabulary import MagicLink, answered
from suite.browser_watch import Recording, Watches
from suite.redaction import Secret
from suite.target import PartnerUser, Target


@dataclass
class SsoState:
    """What one SSO scenario's steps share; a fresh one per scenario."""

    target: Target
    persona: str = "Alice"
    token: Secret | None = None
    token_lifetime: int = 3600
    answer: httpx.Response | None = None
    link: MagicLink | None = None  # the link in play (minted, or the last one a click used)
    opened: list[MagicLink | None] = field(default_factory=list)  # links the clicks went through
    browser: str = "default"
    session_age: dict[str, int] = field(default_factory=dict)  # seconds, per browser
    recording: Recording | None = None

    def user(self, persona: str | None = None) -> PartnerUser:
        return user_of(self.target, persona or self.persona)

    def minted(self) -> MagicLink:
        assert self.answer is not None, "no magic link was minted in this scenario"
        assert self.answer.status_code == 200, f"expected Nomos to mint a magic link, but it answered {answered(self.answer)}"
        link = self.answer.json().get("link")
        assert isinstance(link, str), f"expected a `link` in Nomos's answer, but it answered {answered(self.answer)}"
        return MagicLink(link)


def pass_time(sso: SsoState, time_passes: TimePasses, seconds: int) -> None:
    """Let time pass on the target; every open portal session ages with it."""
    time_passes(seconds)
    for browser in sso.session_age:
        sso.session_age[browser] += seconds


def open_energy_account(scenario: Scenario, sso: SsoState, watches: Watches, browser: str) -> MagicLink | None:
    """Click 'Open energy account' on the partner app's home page; note the link it went through."""
    page = scenario.browser(browser)
    watch = watches.watch(page)
    since = watch.mark()
    PartnerHome(page, scenario.target).open_energy_account()
    portal = urlsplit(scenario.target.urls.nomos_portal).netloc
    link = next(
        (MagicLink(url) for url in watch.navigations(since) if urlsplit(url).netloc == portal and "token_hash=" in url),
        None,
    )
    sso.opened.append(link)
    sso.link = link or sso.link
    sso.browser = browser
    sso.session_age[browser] = 0
    return link
