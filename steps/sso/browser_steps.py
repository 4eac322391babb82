"""SSO steps in the browser (features/portal_sso.feature): the partner app and the hosted
portal as a customer sees them, through the page objects of ``steps/pages/partner.py``
and ``steps/pages/portal.py``; time passing for links and portal sessions."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pytest_bdd import given, parsers, then, when

from steps.cast import PERSONA
from steps.clients.nomos import NomosClient
from steps.common import Scenario, TimePasses
from steps.pages.partner import PartnerHome, PartnerPortalEntry, PartnerSignIn
from steps.pages.portal import AccountHub, Checkout, Invoice, Portal, SignedOut
from steps.sso.journey import SsoState, open_energy_account, pass_time
from steps.sso.vocabulary import DEVICE, FORGERIES, HER, JWT, SHE, MagicLink
from suite.browser_watch import Item, Watches, find
from suite.evidence import Evidence

# --------------------------------------------------------------------- the browser


@given(parsers.re(rf"everything {PERSONA}'s browser sends and receives is recorded"))
def recorded_browser(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    assert not scenario.pages, "the recording must start before the scenario's browser is used"
    sso.recording = browser_watch.recording()
    scenario.pages["default"] = sso.recording.page
    scenario.shortcut = None  # the recording must see her sign in, too


@given(parsers.re(rf"{PERSONA} has opened {HER} energy account(?: on {HER} {DEVICE})?"))
def has_opened_energy_account(
    scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str, device: str | None
) -> None:
    sso.persona = persona
    browser = device or "default"
    user = sso.user(persona)
    scenario.signed_in(persona, browser)
    open_energy_account(scenario, sso, browser_watch, browser)
    AccountHub(scenario.browser(browser), scenario.target).expect_for(user)


@when(parsers.re(rf"{PERSONA} opens {HER} energy account"))
def opens_energy_account(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    open_energy_account(scenario, sso, browser_watch, "default")


@when(parsers.re(rf"{PERSONA} opens {HER} energy account twice"))
def opens_energy_account_twice(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    for _ in range(2):
        PartnerHome(scenario.browser(), scenario.target).open()
        open_energy_account(scenario, sso, browser_watch, "default")


@when(parsers.re(rf"{PERSONA} opens (?P<which>the magic link.*|a link with an invented token)"))
def opens_link(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str, which: str) -> None:
    if which not in FORGERIES:
        raise AssertionError(f"the feature names link {which!r}; known: {', '.join(FORGERIES)}")
    assert sso.link is not None, "no magic link was minted in this scenario"
    sso.persona = persona
    page = scenario.browser()
    browser_watch.watch(page)
    Portal(page, scenario.target).open_link(FORGERIES[which](sso.link).url)
    sso.browser = "default"


@when(parsers.re(rf"{HER} magic link is opened again (?P<where>in another browser|after {SHE} signed out of the portal)"))
def link_opened_again(scenario: Scenario, sso: SsoState, browser_watch: Watches, where: str) -> None:
    assert sso.link is not None, "no magic link was opened in this scenario"
    if where == "in another browser":
        sso.browser = "another browser"
    else:
        AccountHub(scenario.browser(sso.browser), scenario.target).sign_out()
    page = scenario.browser(sso.browser)
    browser_watch.watch(page)
    Portal(page, scenario.target).open_link(sso.link.url)


@when(parsers.re(rf"{PERSONA} returns to {HER} account hub in the same browser"))
def returns_to_hub(scenario: Scenario, sso: SsoState, persona: str) -> None:
    sso.persona = persona
    AccountHub(scenario.browser(sso.browser), scenario.target).visit_hub()


@when(parsers.re(rf"{SHE} signs out of the portal on {HER} {DEVICE}"))
def signs_out_on(scenario: Scenario, device: str) -> None:
    AccountHub(scenario.browser(device), scenario.target).visit_hub().sign_out()


@when(parsers.re(rf"{PERSONA} goes straight to the partner app's energy account entry"))
def goes_to_portal_entry(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    page = scenario.browser()
    browser_watch.watch(page)
    PartnerPortalEntry(page, scenario.target).visit()


# ------------------------------------------------------------------- time passing


@when("the magic link's lifetime has passed")
def link_lifetime_passed(sso: SsoState, time_passes: TimePasses) -> None:
    pass_time(sso, time_passes, sso.target.magic_link_lifetime + 5)


@when("most of the magic link's lifetime has passed")
def most_of_link_lifetime_passed(sso: SsoState, time_passes: TimePasses) -> None:
    lifetime = sso.target.magic_link_lifetime
    pass_time(sso, time_passes, lifetime - min(30, lifetime // 2))


@given("the portal session's lifetime has passed")
@when("the portal session's lifetime has passed")
def session_lifetime_passed(sso: SsoState, time_passes: TimePasses) -> None:
    pass_time(sso, time_passes, sso.target.portal_session_lifetime + 60)


@given("half of the portal session's lifetime has passed")
def half_session_lifetime_passed(sso: SsoState, time_passes: TimePasses) -> None:
    pass_time(sso, time_passes, sso.target.portal_session_lifetime // 2)


@when(parsers.re(rf"{HER} {DEVICE}'s portal session expires"))
def device_session_expires(sso: SsoState, time_passes: TimePasses, device: str) -> None:
    assert device in sso.session_age, f"no portal session was opened on the {device} in this scenario"
    remaining = sso.target.portal_session_lifetime - sso.session_age[device]
    pass_time(sso, time_passes, remaining + 60)
    younger = [b for b, age in sso.session_age.items() if b != device and age >= sso.target.portal_session_lifetime]
    assert not younger, f"the scenario let the session on {', '.join(younger)} expire too; it would prove nothing"


# ------------------------------------------------------------------- what they see


@then(parsers.re(rf"{SHE} sees {HER} account hub with {HER} name"))
def sees_hub(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    AccountHub(page, scenario.target).expect_for(sso.user())
    evidence.capture(page, f"{sso.persona}'s account hub in the Nomos portal")


@then(parsers.re(rf"the hub offers quick links to {HER} data, invoices, orders, tariff and help"))
def hub_quick_links(scenario: Scenario, sso: SsoState) -> None:
    missing = AccountHub(scenario.browser(sso.browser), scenario.target).missing_quick_links()
    assert not missing, (
        f"expected quick links to data, invoices, orders, tariff and help, but the hub has none to {', '.join(missing)}"
    )


@then(parsers.re(rf"{SHE} sees the portal's signed-out page"))
def sees_signed_out(scenario: Scenario, sso: SsoState) -> None:
    SignedOut(scenario.browser(sso.browser), scenario.target).expect_signed_out()


@then("the portal refuses the link")
def link_refused(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    SignedOut(page, scenario.target).expect_link_refused()
    evidence.capture(page, "the portal refusing a magic link")


@then("no one is signed in to the portal in that browser")
def nobody_signed_in(scenario: Scenario, sso: SsoState) -> None:
    SignedOut(scenario.browser(sso.browser), scenario.target).visit_hub().expect_signed_out()


@then(parsers.re(rf"{SHE} sees that invoice"))
def sees_invoice(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    invoice_id = sso.user().invoice_id
    assert invoice_id, "the target names no invoice for this persona"
    Invoice(page, scenario.target).expect_invoice(invoice_id)
    evidence.capture(page, f"invoice {invoice_id} in the Nomos portal")


@then(parsers.re(rf"{HER} browser stays on the portal"))
def stays_on_portal(scenario: Scenario, sso: SsoState, browser_watch: Watches) -> None:
    page = scenario.browser(sso.browser)
    portal = Portal(page, scenario.target)
    foreign = browser_watch.watch(page).foreign()
    assert not foreign, (
        f"after opening the link the browser was sent off the portal to {', '.join(foreign)} (blocked by the suite); "
        "expected the portal to keep `next` on the portal"
    )
    expected = MagicLink(scenario.target.urls.nomos_portal).origin
    assert portal.origin == expected, f"expected the browser to stay on the portal {expected}, but {portal.describe()}"


@then(parsers.re(rf"{SHE} sees the hosted checkout"))
def sees_checkout(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    Checkout(page, scenario.target).expect_shown()
    evidence.capture(page, "the hosted checkout of the Nomos portal")


@then(parsers.re(rf"{HER} {DEVICE} is signed out of the portal"))
def device_signed_out(scenario: Scenario, device: str) -> None:
    SignedOut(scenario.browser(device), scenario.target).visit_hub().expect_signed_out()


@then(parsers.re(rf"{HER} {DEVICE} is still signed in to the portal"))
def device_signed_in(scenario: Scenario, sso: SsoState, device: str) -> None:
    AccountHub(scenario.browser(device), scenario.target).visit_hub().expect_for(sso.user())


@then(parsers.re(rf"{SHE} sees the partner app's sign-in page"))
def sees_partner_sign_in(scenario: Scenario, evidence: Evidence) -> None:
    page = scenario.browser()
    PartnerSignIn(page, scenario.target).expect_shown()
    evidence.capture(page, "the partner app's sign-in page")


@then(parsers.re(rf"{HER} browser never reached the portal"))
def never_reached_portal(scenario: Scenario, browser_watch: Watches) -> None:
    watch = browser_watch.watch(scenario.browser())
    portal = urlsplit(scenario.target.urls.nomos_portal).netloc
    reached = [watch.places.of(url) for url in watch.requested() if urlsplit(url).netloc == portal]
    assert not reached, (
        f"the browser of a visitor not signed in to the partner app was sent to {reached[0]}: "
        "expected the entry to mint nothing and ask for the partner sign-in"
    )


@then("each opening used a different magic link")
def different_links(sso: SsoState, scenario: Scenario) -> None:
    assert len(sso.opened) >= 2, "the scenario opened the energy account fewer than two times"
    for number, link in enumerate(sso.opened, start=1):
        assert link is not None and link.token, (
            f"expected click {number} on 'Open energy account' to go through a magic link to the portal, "
            f"but {Portal(scenario.browser(sso.browser), scenario.target).describe()}"
        )
    tokens = [link.token for link in sso.opened if link]
    assert len(set(tokens)) == len(tokens), (
        f"{len(tokens)} clicks on 'Open energy account' went through only {len(set(tokens))} distinct magic link(s): "
        "expected a fresh one-time link per click"
    )


@then(parsers.re(rf"nothing {HER} browser sent, received, stored or showed carries a Nomos access token"))
def no_access_token_in_browser(sso: SsoState, nomos: NomosClient) -> None:
    assert sso.recording is not None, "the scenario did not record the browser"
    items: list[Item] = sso.recording.finish()
    seen = {party for party in ("the partner app", "the Nomos portal") if any(party in item.where for item in items)}
    assert seen == {"the partner app", "the Nomos portal"}, (
        f"the recording saw only {', '.join(sorted(seen)) or 'nothing'}; without both the partner app and the portal "
        "the leak check would prove nothing"
    )
    patterns = {
        "a JWT-shaped value": JWT,
        "the Nomos access token the suite's own client holds": re.compile(re.escape(nomos.access_token().reveal())),
        "the word 'access_token'": re.compile(r"access_token", re.I),
        "a 'Bearer ' credential": re.compile(r"Bearer\s"),
    }
    findings = find(items, patterns)
    more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
    assert not findings, "expected no trace of a Nomos access token in the browser, but " + "; ".join(findings[:5]) + more
