"""Depth steps at the partner app (features/security_depth.feature): its session cookie
and sign-out (SEC-07, SEC-08), two users at once (SEC-10), forms sent straight to its
server (SEC-11), and refused link data that must leave every stored device alone (SEC-14)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pytest_bdd import given, parsers, then, when

from steps.cast import sign_in_to_partner
from steps.clients.clock import ClockClient
from steps.common import Scenario
from steps.manufacturer.journey import ManufacturerFlow
from steps.pages.cookies import SetCookies, session_cookies
from steps.pages.direct_form import DirectForm
from steps.pages.nox import BrandPicker, BrandSignIn
from steps.pages.partner import PartnerHome, PartnerSignIn
from steps.pages.partner_devices import PartnerCallback
from steps.pages.partner_stored import StoredDevices
from steps.pages.portal import AccountHub, Checkout
from steps.pages.supplier_oauth import SupplierOAuth
from steps.pictures import capture_devices
from steps.security.journey import SecurityState, browser_of, expect_cookie_flags, stored
from steps.security.vocabulary import HER
from steps.security.vocabulary import PERSONA_BROWSER as PERSONA
from steps.supplier.callback import DEFECTS, Callback, broken, encode, is_callback
from steps.supplier.journey import SupplierFlow, forged_payload
from suite.browser_watch import Watches
from suite.evidence import Evidence
from suite.http import RequestLedger
from suite.plugin import Run

ACCOUNTS = {"first": 0, "second": 1}

# ------------------------------------------------------------- signing in and out


@given(parsers.re(rf"{PERSONA} has signed in to the partner app in {HER} browser"))
def has_signed_in(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    """A precondition (the steps that follow open the page they act on): the sign-in
    form posted over HTTP, the session handed to her browser (steps.cast.FormSignIn)."""
    sec.browser = browser_of(scenario, persona)
    scenario.signed_in(persona, sec.browser, home=False)


@when(parsers.re(rf"{PERSONA} signs in to the partner app, in a browser that notes every cookie it is given"))
def sign_in_noted(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    sec.browser = browser_of(scenario, persona)
    page = scenario.browser(sec.browser)
    sec.set_cookies = SetCookies(page.context)
    sign_in_to_partner(page, scenario.target, scenario.user(persona))  # the browser itself is given the cookie


def partner_signed_in(scenario: Scenario, page_name: str) -> bool:
    home = PartnerHome(scenario.browser(page_name), scenario.target).open()
    home.settle()
    return home.is_shown()


@then("the partner app's session cookie is HttpOnly and SameSite, and Secure if the partner app is on https")
def partner_cookie_flags(sec: SecurityState, scenario: Scenario) -> None:
    url = scenario.target.urls.partner_app
    cookies = session_cookies(scenario.browser(sec.browser), url, lambda: partner_signed_in(scenario, sec.browser))
    expect_cookie_flags(sec, "the partner app", url, cookies)


@when(parsers.re(rf"{PERSONA} signs out of the partner app in {HER} browser"))
def signs_out_of_partner(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    sec.old_cookies = list(page.context.cookies(scenario.target.urls.partner_app))
    assert sec.old_cookies, f"the partner app set no cookie in {persona}'s browser: nothing holds the session"
    PartnerHome(page, scenario.target).open().sign_out()


@then(parsers.re(rf"{HER} browser is asked to sign in to the partner app again"))
def asked_to_sign_in(sec: SecurityState, scenario: Scenario) -> None:
    home = PartnerHome(scenario.browser(sec.browser), scenario.target)
    assert not partner_signed_in(scenario, sec.browser), f"expected the partner app to ask for a sign-in, but {home.describe()}"
    PartnerSignIn(scenario.browser(sec.browser), scenario.target).expect_shown()


@then(parsers.re(rf"the partner app's old session cookie no longer signs {PERSONA} in"))
def old_partner_cookie(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    scenario.browser(sec.browser).context.add_cookies(sec.old_cookies)
    asked_to_sign_in(sec, scenario)


# ------------------------------------------------------------- two users at once


@when(parsers.re(rf"{PERSONA} opens {HER} energy account in {HER} browser"))
def opens_account_in_own_browser(scenario: Scenario, persona: str) -> None:
    PartnerHome(scenario.browser(browser_of(scenario, persona)), scenario.target).open().open_energy_account()


@then(parsers.re(rf"{PERSONA}'s browser shows her account hub and (?P<other>[A-Z]\w*)'s browser shows his hosted "
                 "checkout"))
def each_own_account(scenario: Scenario, evidence: Evidence, persona: str, other: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    AccountHub(page, scenario.target).expect_for(scenario.user(persona))
    evidence.capture(page, f"{persona}'s account hub, with {other} signed in to the partner app at the same time")
    checkout = Checkout(scenario.browser(browser_of(scenario, other)), scenario.target)
    checkout.expect_shown()
    evidence.capture(checkout.page, f"{other}'s hosted checkout, in {other}'s own browser at the same time")


@when(parsers.re(rf"{PERSONA} starts connecting a heat pump in {HER} browser"))
def starts_connecting(sec: SecurityState, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    sec.marks[persona] = browser_watch.watch(page, block_foreign=False).mark()
    PartnerHome(page, scenario.target).open().connect("hp")
    BrandPicker(page, scenario.target).expect_shown()


@when(parsers.re(rf"{PERSONA} signs in at the partner's usual brand with its (?P<which>first|second) account in "
                 rf"{HER} browser"))
def signs_in_at_usual_brand(sec: SecurityState, scenario: Scenario, browser_watch: Watches, persona: str,
                            which: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    brands = scenario.target.brands["hp"]
    account = sec.accounts[persona] = brands.accounts[ACCOUNTS[which]]
    BrandPicker(page, scenario.target).choose(brands.brand)
    BrandSignIn(page, scenario.target).sign_in(account)
    watch = browser_watch.watch(page, block_foreign=False)
    sec.arrivals[persona] = [Callback(url) for url in watch.navigations(sec.marks.get(persona, 0))
                             if is_callback(url, scenario.target.nox.supplier_redirect_url)]


@then("each browser came back to the partner with link data naming its own user")
def each_own_link_data(sec: SecurityState, scenario: Scenario) -> None:
    assert len(sec.arrivals) >= 2, "fewer than two people linked a device in this scenario"
    for persona, arrivals in sec.arrivals.items():
        page = scenario.browser(browser_of(scenario, persona))
        with_data = [a for a in arrivals if a.data is not None]
        assert with_data, f"expected {persona}'s browser back at the partner with link data, but " + (
            PartnerCallback(page, scenario.target).describe())
        named = with_data[-1].payload()["supplier_user_id"]
        user = scenario.user(persona)
        assert named == user.id, (
            f"expected the link data in {persona}'s browser to name {persona} ({user.id}), but it names {named!r}"
        )
        refusal = PartnerCallback(page, scenario.target).refusal()
        assert not refusal, f"expected the partner app to accept {persona}'s own link data, but it says {refusal!r}"


@then("the partner app shows each of them the device they connected and not the other's")
def each_own_device(sec: SecurityState, scenario: Scenario, evidence: Evidence) -> None:
    problems, shown = [], {}
    for persona, account in sec.accounts.items():
        shown[persona] = stored(scenario, persona)
        listed = [device for device, _ in shown[persona]]
        others = [a.device_id for p, a in sec.accounts.items() if p != persona]
        if account.device_id not in listed:
            problems.append(f"{persona}'s home lacks {account.device_id}, the device {persona} connected")
        problems += [f"{persona}'s home lists {device}, which another user connected" for device in others
                     if device in listed]
    for persona, account in sec.accounts.items():  # each browser shows its person's home now
        other = " and ".join(p for p in sec.accounts if p != persona) or "another user"
        home = StoredDevices(scenario.browser(browser_of(scenario, persona)), scenario.target)
        capture_devices(evidence, home, shown[persona], [account.device_id], persona,
                        f"{persona}'s devices, connected while {other} connected one at the same time")
    assert not problems, "expected each user's devices to be their own, but " + "; ".join(problems)


# -------------------------------------------- forms sent straight to the server


@given(parsers.re(rf"{PERSONA} has the partner app's sign-in page open"))
def sign_in_page_open(sec: SecurityState, scenario: Scenario, persona: str) -> None:
    sec.browser = browser_of(scenario, persona)
    PartnerSignIn(scenario.browser(sec.browser), scenario.target).open().expect_shown()


@when(parsers.re(rf"{PERSONA}'s browser sends the sign-in form straight to the partner app without a password"))
def sign_in_without_password(sec: SecurityState, scenario: Scenario, ledger: RequestLedger, persona: str) -> None:
    page = scenario.browser(browser_of(scenario, persona))
    PartnerSignIn(page, scenario.target).fill_in(scenario.user(persona), password="")
    sec.answer = DirectForm(page, PartnerSignIn.FORM, ledger, scenario.target).send()


@then("the partner app refuses that sign-in")
def partner_refuses_sign_in(sec: SecurityState, scenario: Scenario) -> None:
    answer = sec.answer
    assert answer is not None, "nothing was sent in this scenario"
    sign_in_path = urlsplit(scenario.browser(sec.browser).url).path
    assert not answer.redirects or urlsplit(answer.location).path == sign_in_path, (
        f"expected the partner app to refuse a sign-in without a password, but it answered {answer.describe()}"
    )
    assert answer.status < 500, f"expected a refusal, but the partner app failed with {answer.status}"


@when(parsers.re(rf"{PERSONA}'s browser sends the partner's sign-in form straight to the partner without accepting "
                 "its terms"))
def oauth_without_terms(man_flow: ManufacturerFlow, sec: SecurityState, scenario: Scenario, ledger: RequestLedger,
                        persona: str) -> None:
    page = scenario.browser()
    oauth = SupplierOAuth(page, scenario.target)
    oauth.expect_shown()
    oauth.fill_in(scenario.user(persona), accept_terms=False)
    sec.answer = DirectForm(page, SupplierOAuth.FORM, ledger, scenario.target).send()


@then("the partner refuses that sign-in")
def partner_refuses_oauth(sec: SecurityState, scenario: Scenario) -> None:
    answer = sec.answer
    assert answer is not None, "nothing was sent in this scenario"
    partner = urlsplit(scenario.target.urls.partner_app).netloc
    assert not answer.redirects or urlsplit(answer.location).netloc == partner, (
        f"expected the partner to refuse a sign-in without its terms, but it answered {answer.describe()}"
    )
    assert answer.redirects or answer.shows(SupplierOAuth.ERROR), (
        f"expected the partner to say why it refused the sign-in, but it answered {answer.describe()} without one"
    )


# ----------------------------------------------------------- a refusal stores nothing


@given(parsers.re(r"the devices the partner app shows (?P<first>[A-Z]\w*) and (?P<second>[A-Z]\w*) on their home "
                  "pages are noted"))
def devices_noted(sec: SecurityState, scenario: Scenario, first: str, second: str) -> None:
    for persona in (first, second):
        sec.noted[persona] = stored(scenario, persona)
    assert sec.noted[first], f"{first} has no stored device, so a refusal that deletes one would go unseen"


@when(parsers.re(rf"link data the partner must refuse arrives at its callback in {PERSONA}'s browser, broken in every "
                 r"way and made for (?P<other>[A-Z]\w*)"))
def refused_data_arrives(sec: SecurityState, sup_flow: SupplierFlow, scenario: Scenario, run: Run,
                         clock: ClockClient, persona: str, other: str) -> None:
    """Each broken payload carries the brand of the device the persona already has, so a
    partner that clears that brand before checking would show it."""
    page = scenario.browser(browser_of(scenario, persona))
    brand = sup_flow.linking.brand or scenario.target.brands["hp"].brand
    sent = {defect: broken(defect, {**forged_payload(sup_flow, run, clock, scenario.user(persona)), "brand": brand})
            for defect in DEFECTS}
    sent[f"made for {other}"] = encode({**forged_payload(sup_flow, run, clock, scenario.user(other)), "brand": brand})
    for what, data in sent.items():
        PartnerCallback(page, scenario.target).deliver(data)
        sec.after_refusals.append((what, {p: stored(scenario, p) for p in sec.noted}))


@then(parsers.re(r"after each refusal the partner app shows (?P<first>[A-Z]\w*) and (?P<second>[A-Z]\w*) exactly the "
                 "devices noted"))
def devices_as_noted(sec: SecurityState, first: str, second: str) -> None:
    assert sec.after_refusals, "no link data arrived in this scenario"
    changed = []
    for what, seen in sec.after_refusals:
        for persona in (first, second):
            before, after = set(sec.noted[persona]), set(seen[persona])
            if before != after:
                gone = ", ".join(f"{d} ({b})" for d, b in sorted(before - after)) or "nothing"
                new = ", ".join(f"{d} ({b})" for d, b in sorted(after - before)) or "nothing"
                changed.append(f"after link data {what}, {persona}'s devices lost {gone} and gained {new}")
    assert not changed, "expected refused link data to store nothing, but " + "; ".join(changed)
