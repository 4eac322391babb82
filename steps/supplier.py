"""Steps of the supplier-initiated device link (features/supplier_device_link.feature).

The suite's NOX client plays the partner backend where a scenario is about NOX's API or
needs a link session shaped a certain way (a language, a pre-selected brand); the
partner app's own "Connect" buttons start it where the scenario is about the partner app.
Everything else goes through Alice's browser, signed in to the partner app: NOX's brand
picker, the manufacturer's sign-in page, and the partner's callback with the link data.

What NOX sends back is read off the browser's way back (the ``data`` of the callback
address it was sent to), so the same steps work against staging, where the suite sees
nothing of NOX from the inside.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page
from pytest_bdd import given, parsers, then, when

from steps import link_sessions
from steps.callback import Callback, broken, encode, encoding_problems, is_callback
from steps.clients.clock import ClockClient
from steps.clients.nox import KEY_DEFAULT, NoxClient
from steps.common import IN_LANGUAGE, LANGUAGES, PERSONA, Scenario
from steps.pages.nox import BrandPicker, BrandSignIn, SessionRefused
from steps.pages.partner import PartnerHome, PartnerSignIn
from steps.pages.partner_devices import PartnerCallback, PartnerDevices
from suite.browser_watch import Watch, Watches
from suite.evidence import Evidence
from suite.plugin import Run
from suite.target import BrandAccount, PartnerUser, Target

DEVICES = {"heat pump": "hp", "solar panels": "pv", "heat pumps": "hp"}
DEVICE = r"(?P<device>heat pump|solar panels)"
OTHER = {"hp": "pv", "pv": "hp"}
# A link session is open for 10 minutes (vendor-docs/nox-energy-supplier-integration.txt).
LINK_SESSION_FIELDS = ("link_url", "link_token", "language", "asset_type", "redirect_url", "supplier",
                       "supplier_user_id", "created_at", "expires_at", "brand", "completed_at")
# Where the partner asks NOX to send the link data; the partner registers no such address.
UNREGISTERED_RETURN = "https://evil.example/callback"
WHO = "partner backend"


# --------------------------------------------------------------------------- state


@dataclass
class Linking:
    """One pass through NOX: the session, the brand and account used, what came back."""

    asset_type: str
    session: dict[str, Any] = field(default_factory=dict)
    brand: str = ""
    account: BrandAccount | None = None
    callback: Callback | None = None


@dataclass
class SupplierFlow:
    """What one scenario's steps share; a fresh one per scenario."""

    target: Target
    persona: str = "Alice"
    signed_in: bool = False
    asked: dict[str, Any] = field(default_factory=dict)  # the last body sent to NOX
    answer: httpx.Response | None = None  # NOX's answer to the last link-session request
    linkings: list[Linking] = field(default_factory=list)
    other: dict[str, Any] = field(default_factory=dict)  # a second session, for the grafting scenario
    watch: Watch | None = None
    since: int = 0  # the watch's mark when the scenario's action started
    picker_language: str = ""
    forged: dict[str, Any] = field(default_factory=dict)  # link data the suite made itself
    callback_status: int = 0

    @property
    def linking(self) -> Linking:
        assert self.linkings, "no device link was started in this scenario"
        return self.linkings[-1]

    def brands(self, asset_type: str | None = None) -> Any:
        return self.target.brands[asset_type or self.linking.asset_type]

    def callbacks(self) -> list[Callback]:
        """Arrivals at the partner's callback since the scenario's action started."""
        assert self.watch is not None, "the browser was not watched in this scenario"
        return [Callback(url) for url in self.watch.navigations(self.since)
                if is_callback(url, self.target.nox.supplier_redirect_url)]


@pytest.fixture
def sup_flow(target: Target) -> SupplierFlow:
    return SupplierFlow(target)


def asset(words: str) -> str:
    if words not in DEVICES:
        raise AssertionError(f"the feature names device {words!r}; known: {', '.join(DEVICES)}")
    return DEVICES[words]


# ------------------------------------------------------------------- the journey


def browser(flow: SupplierFlow, scenario: Scenario, watches: Watches) -> Page:
    """Alice's browser, signed in to the partner app with her own account (once)."""
    page = scenario.browser()
    if not flow.signed_in:
        user = scenario.user(flow.persona)
        PartnerSignIn(page, flow.target).open().sign_in(user)
        PartnerHome(page, flow.target).expect_signed_in_as(user)
        flow.signed_in = True
    if flow.watch is None:
        flow.watch = watches.watch(page, block_foreign=False)
    return page


def begin(flow: SupplierFlow) -> None:
    """Mark where the scenario's action starts: what came back before does not count."""
    flow.since = flow.watch.mark() if flow.watch else 0


def start(flow: SupplierFlow, nox: NoxClient, user: PartnerUser, asset_type: str, *,
          brand: str | None = None, language: str | None = None) -> Linking:
    """The partner backend starts a link session for the user; it must succeed."""
    body: dict[str, Any] = {"user_id": user.id, "asset_type": asset_type,
                            "redirect_url": flow.target.nox.supplier_redirect_url}
    if brand:
        body["brand"] = brand
    if language:
        body["language"] = LANGUAGES[language]
    flow.asked, flow.answer = body, nox.create_supplier_session(body)
    linking = Linking(asset_type, link_sessions.created(flow.answer, WHO))
    link_sessions.expect_link(flow.answer, flow.target, WHO)
    flow.linkings.append(linking)
    return linking


def open_link(flow: SupplierFlow, page: Page, link_url: str | None = None) -> None:
    begin(flow)
    BrandPicker(page).open(link_url or flow.linking.session["link_url"])


def choose(flow: SupplierFlow, page: Page, which: str) -> None:
    """Choose the brand the feature names on NOX's brand picker."""
    linking = flow.linking
    brands = flow.brands()
    choices = {
        "the partner's usual brand": (brands.brand, brands.accounts[0]),
        "a brand that asks for its terms": (brands.terms_brand, brands.terms_account),
    }
    if which not in choices:
        raise AssertionError(f"the feature names brand {which!r}; known: {', '.join(choices)}")
    linking.brand, linking.account = choices[which]
    picker = BrandPicker(page)
    picker.expect_shown()
    flow.picker_language = picker.language()
    picker.choose(linking.brand)
    BrandSignIn(page).expect_shown(linking.brand)


def sign_in_at_brand(flow: SupplierFlow, page: Page, *, password: str | None = None, accept_terms: bool = True) -> None:
    linking = flow.linking
    assert linking.account is not None, "no brand was chosen in this scenario"
    BrandSignIn(page).sign_in(linking.account, password=password, accept_terms=accept_terms)


def expect_back_with_data(flow: SupplierFlow, page: Page) -> Callback:
    """The browser went back to the partner's callback with link data; returns that arrival."""
    arrivals = flow.callbacks()
    if not arrivals:
        refusal = SessionRefused(page).reason()
        said = f"NOX refused the link as {refusal}" if refusal else BrandSignIn(page).describe()
        raise AssertionError(f"expected the browser back at the partner's callback with the link data, but {said}")
    with_data = [arrival for arrival in arrivals if arrival.data is not None]
    assert with_data, "expected the browser back at the partner's callback with link data, but it arrived without `data`"
    flow.linking.callback = with_data[-1]
    return with_data[-1]


def link_data(flow: SupplierFlow, scenario: Scenario) -> Callback:
    """The link data of the scenario's last link, read off the browser's way back."""
    return flow.linking.callback or expect_back_with_data(flow, scenario.browser())


def connect(flow: SupplierFlow, scenario: Scenario, watches: Watches, nox: NoxClient, asset_type: str,
            account_index: int = 0) -> Callback:
    """A whole link through NOX with one of the profile's accounts at the usual brand."""
    page = browser(flow, scenario, watches)
    start(flow, nox, scenario.user(flow.persona), asset_type)
    open_link(flow, page)
    choose(flow, page, "the partner's usual brand")
    flow.linking.account = flow.brands().accounts[account_index]
    sign_in_at_brand(flow, page)
    return expect_back_with_data(flow, page)


# ----------------------------------------------------------- the requests, in words


def request_for(words: str, flow: SupplierFlow, user: PartnerUser, asset_type: str) -> tuple[Any, str | None, bytes | None]:
    """Body, key and raw content of the partner backend's request the feature names."""
    target = flow.target
    body = {"user_id": user.id, "asset_type": asset_type, "redirect_url": target.nox.supplier_redirect_url}

    def without(name: str) -> dict[str, Any]:
        return {k: v for k, v in body.items() if k != name}

    choices: dict[str, Callable[[], tuple[Any, str | None, bytes | None]]] = {
        "without its key": lambda: (body, None, None),
        "with a wrong key": lambda: (body, secrets.token_urlsafe(24), None),
        "with the manufacturer's key": lambda: (body, target.nox.manufacturer_api_key.reveal(), None),
        "without saying who the user is": lambda: (without("user_id"), KEY_DEFAULT, None),
        "without saying which kind of device": lambda: (without("asset_type"), KEY_DEFAULT, None),
        "without a return address": lambda: (without("redirect_url"), KEY_DEFAULT, None),
        "for a kind of device NOX does not link": lambda: ({**body, "asset_type": "ev"}, KEY_DEFAULT, None),
        "with a return address that is not an address": lambda: ({**body, "redirect_url": "not an address"}, KEY_DEFAULT, None),
        "with a language NOX does not speak": lambda: ({**body, "language": "de"}, KEY_DEFAULT, None),
        "with a brand NOX does not know": lambda: ({**body, "brand": "no-such-brand"}, KEY_DEFAULT, None),
        "with a request that is not JSON": lambda: (None, KEY_DEFAULT, b"user_id=alice&asset_type=hp"),
        "with a user that is a number": lambda: ({**body, "user_id": 42}, KEY_DEFAULT, None),
        "with a return address the partner has not registered": lambda: (
            {**body, "redirect_url": UNREGISTERED_RETURN}, KEY_DEFAULT, None,
        ),
    }
    if words not in choices:
        raise AssertionError(f"the feature names request {words!r}; known: {', '.join(choices)}")
    return choices[words]()


# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} uses the partner app signed in with her own account"))
def uses_partner_app(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    """Her browser signs in when a step first needs it; API-only scenarios need none."""
    sup_flow.persona = persona
    assert scenario.user(persona).email, f"the target names no partner account for {persona}"


# ------------------------------------------------------------ NOX's API, as the partner


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE}"
                 rf"(?P<usual> of the partner's usual brand)?{IN_LANGUAGE}"))
def partner_starts(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                   usual: str | None, language: str | None) -> None:
    asset_type = asset(device)
    body: dict[str, Any] = {"user_id": scenario.user(persona).id, "asset_type": asset_type,
                            "redirect_url": sup_flow.target.nox.supplier_redirect_url}
    if usual:
        body["brand"] = sup_flow.brands(asset_type).brand
    if language:
        body["language"] = LANGUAGES[language]
    sup_flow.asked, sup_flow.answer = body, nox.create_supplier_session(body)


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE} (?P<words>(?:with|without|for) .+)"))
def partner_starts_badly(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                         words: str) -> None:
    body, api_key, content = request_for(words, sup_flow, scenario.user(persona), asset(device))
    sup_flow.asked = body if isinstance(body, dict) else {}
    sup_flow.answer = nox.create_supplier_session(body, api_key=api_key, content=content)


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE} of a brand that makes only "
                 r"(?P<others>heat pumps|solar panels)"))
def partner_starts_wrong_brand(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                               others: str) -> None:
    asset_type, other = asset(device), asset(others)
    assert other != asset_type, "the feature must name the other kind of device"
    body = {"user_id": scenario.user(persona).id, "asset_type": asset_type,
            "redirect_url": sup_flow.target.nox.supplier_redirect_url,
            "brand": sup_flow.brands(asset_type).other_type_brand}
    sup_flow.asked, sup_flow.answer = body, nox.create_supplier_session(body)


@then("NOX answers the partner with a link to its Authenticator UI")
def answers_with_link(sup_flow: SupplierFlow) -> None:
    link_sessions.expect_link(sup_flow.answer, sup_flow.target, WHO)


@then("the answer describes the whole link session")
def describes_session(sup_flow: SupplierFlow) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    missing = [name for name in LINK_SESSION_FIELDS if name not in body]
    assert not missing, f"expected the answer to describe the whole link session, but it lacks {', '.join(missing)}"
    assert body["asset_type"] == sup_flow.asked["asset_type"], (
        f"expected the session to be for a {sup_flow.asked['asset_type']!r} device, but it is for {body['asset_type']!r}"
    )


@then(parsers.parse("the session is for {persona}'s account at the partner behind the key"))
def session_is_users(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    user, nox = scenario.user(persona), sup_flow.target.nox
    problems = []
    if body.get("supplier_user_id") != user.id:
        problems.append(f"`supplier_user_id` is {body.get('supplier_user_id')!r}, not {persona}'s {user.id!r}")
    if body.get("supplier") != nox.supplier_name:
        problems.append(f"`supplier` is {body.get('supplier')!r}, not {nox.supplier_name!r}")
    assert not problems, "the session does not describe the request: " + "; ".join(problems)


@then(parsers.re(rf"the session is for her {DEVICE} of that brand, returning to the partner's callback, "
                 r"in (?P<language>\w+)"))
def session_echoes(sup_flow: SupplierFlow, device: str, language: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    expected = {"asset_type": asset(device), "brand": sup_flow.asked.get("brand"),
                "redirect_url": sup_flow.asked["redirect_url"], "language": LANGUAGES[language]}
    problems = [f"`{name}` is {body.get(name)!r}, not {value!r}" for name, value in expected.items() if body.get(name) != value]
    assert not problems, "the session does not echo the request: " + "; ".join(problems)


@then(parsers.re(r"the session is in (?P<language>Dutch|English|French|Spanish)"))
def session_language(sup_flow: SupplierFlow, language: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    asked = "asked for" if "language" in sup_flow.asked else "by default, none being asked for"
    assert body.get("language") == LANGUAGES[language], (
        f"expected the session in {language} ({LANGUAGES[language]}) {asked}, but it is in {body.get('language')!r}"
    )


@then("the session has no brand chosen yet")
def session_without_brand(sup_flow: SupplierFlow) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    assert "brand" in body, "expected the session to say which brand is chosen (none), but it has no `brand`"
    assert body["brand"] is None, f"expected no brand chosen, but the session has brand {body['brand']!r}"


@then(parsers.parse("the link session is open for {minutes:d} minutes from now and not yet completed"))
def session_open(sup_flow: SupplierFlow, clock: ClockClient, minutes: int) -> None:
    link_sessions.expect_open_for(sup_flow.answer, clock, minutes, WHO)


@then(parsers.re(r"NOX refuses the partner's link session as (?P<refusal>unauthorised|invalid input)"))
def session_refused(sup_flow: SupplierFlow, refusal: str) -> None:
    link_sessions.expect_refused(sup_flow.answer, refusal, WHO)


@then("the partner gets no link to the Authenticator UI")
def no_link(sup_flow: SupplierFlow) -> None:
    link_sessions.expect_no_link(sup_flow.answer, WHO)


# --------------------------------------------------------- NOX's Authenticator UI


@given(parsers.re(rf"the partner backend has started linking {PERSONA}'s {DEVICE}"
                  rf"(?P<usual> of the partner's usual brand)?{IN_LANGUAGE}"))
def partner_has_started(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                        usual: str | None, language: str | None) -> None:
    asset_type = asset(device)
    brand = sup_flow.brands(asset_type).brand if usual else None
    start(sup_flow, nox, scenario.user(persona), asset_type, brand=brand, language=language)


@given(parsers.parse("{persona} has opened a link to connect her {device}"))
def has_opened_link(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient,
                    persona: str, device: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    start(sup_flow, nox, scenario.user(persona), asset(device))
    open_link(sup_flow, page)
    BrandPicker(page).expect_shown()


@when(parsers.parse("{persona} opens the link"))
def opens_link(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    open_link(sup_flow, browser(sup_flow, scenario, browser_watch))


@when(parsers.parse("{persona} opens the link and chooses the partner's usual brand"))
def opens_link_and_chooses(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    open_link(sup_flow, page)
    choose(sup_flow, page, "the partner's usual brand")


@then(parsers.re(r"the brand picker was in (?P<language>\w+)"))
def picker_was_in(sup_flow: SupplierFlow, language: str) -> None:
    assert sup_flow.picker_language == LANGUAGES[language], (
        f"expected NOX's brand picker in {language} ({LANGUAGES[language]}), but it was in {sup_flow.picker_language!r}"
    )


@then(parsers.re(r"the manufacturer's sign-in page is in (?P<language>\w+)"))
def brand_page_in(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence, language: str) -> None:
    page = BrandSignIn(scenario.browser())
    page.expect_shown(sup_flow.linking.brand)
    evidence.capture(page.page, f"the manufacturer's sign-in page in {language}")
    shown = page.language()
    assert shown == LANGUAGES[language], (
        f"expected {sup_flow.linking.brand}'s sign-in page in {language} ({LANGUAGES[language]}), but it is in {shown!r}"
    )


@when(parsers.re(rf"{PERSONA} asks the partner app to connect her {DEVICE}"))
def asks_partner_to_connect(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str,
                            device: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    asset_type = asset(device)
    sup_flow.linkings.append(Linking(asset_type))
    begin(sup_flow)
    PartnerHome(page, sup_flow.target).open().connect(asset_type)


@then(parsers.re(rf"she is offered the brands that make {DEVICE}"))
def offered_brands(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence, device: str) -> None:
    picker = BrandPicker(scenario.browser())
    picker.expect_shown()
    evidence.capture(picker.page, f"the brand picker for {device}")
    brands = sup_flow.brands(asset(device))
    missing = [slug for slug in (brands.brand, brands.terms_brand) if slug not in picker.offered()]
    assert not missing, (
        f"expected the brand picker to offer the brands that make {device}, but {', '.join(missing)} "
        f"{'is' if len(missing) == 1 else 'are'} missing among {', '.join(picker.offered()) or 'no brand at all'}"
    )


@then(parsers.re(r"no brand that makes only (?P<others>heat pumps|solar panels)"))
def no_other_brands(sup_flow: SupplierFlow, scenario: Scenario, others: str) -> None:
    other = asset(others)
    wrong = {sup_flow.brands(other).brand, sup_flow.brands(other).terms_brand, sup_flow.brands(OTHER[other]).other_type_brand}
    offered = BrandPicker(scenario.browser()).offered()
    shown = [slug for slug in offered if slug in wrong]
    assert not shown, f"expected no brand that makes only {others}, but the brand picker offers {', '.join(shown)}"


@then("she sees that manufacturer's sign-in page without choosing a brand")
def straight_to_brand(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    page = BrandSignIn(scenario.browser())
    brand = sup_flow.linking.session.get("brand") or sup_flow.brands().brand
    if BrandPicker(page.page).is_shown():
        raise AssertionError(f"expected {brand}'s sign-in page straight away, but NOX shows its brand picker")
    page.expect_shown(brand)
    evidence.capture(page.page, "straight to the manufacturer's sign-in page")


# ------------------------------------------------------- signing in at the manufacturer


@when(parsers.re(rf"{PERSONA} chooses (?P<which>the partner's usual brand|a brand that asks for its terms) "
                 r"and signs in there(?P<how> without accepting them| with a wrong password)?"))
def chooses_and_signs_in(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence, persona: str, which: str,
                         how: str | None) -> None:
    page = scenario.browser()
    choose(sup_flow, page, which)
    evidence.capture(page, "the manufacturer's sign-in page")
    begin(sup_flow)
    if how == " with a wrong password":
        sign_in_at_brand(sup_flow, page, password=secrets.token_urlsafe(12))
    else:
        sign_in_at_brand(sup_flow, page, accept_terms=how is None)


@given(parsers.parse("{persona} has chosen the partner's usual brand"))
def has_chosen_brand(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    choose(sup_flow, scenario.browser(), "the partner's usual brand")


@when(parsers.parse("{persona} signs in at the manufacturer"))
def signs_in_at_manufacturer(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    begin(sup_flow)
    sign_in_at_brand(sup_flow, scenario.browser())


@then("she is back at the partner's callback with the link data")
def back_with_data(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    expect_back_with_data(sup_flow, scenario.browser())
    evidence.capture(scenario.browser(), "back at the partner")


@then("the manufacturer refuses the sign-in")
def manufacturer_refuses(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    page = BrandSignIn(scenario.browser())
    if not page.is_shown():
        raise AssertionError(f"expected {sup_flow.linking.brand}'s sign-in page to refuse the sign-in, but {page.describe()}")
    assert page.refusal(), f"expected {sup_flow.linking.brand}'s sign-in page to say why it refused, but it says nothing"
    evidence.capture(page.page, "the manufacturer refuses the sign-in")


@then("she is not sent back to the partner")
def not_sent_back(sup_flow: SupplierFlow) -> None:
    arrivals = sup_flow.callbacks()
    with_data = [arrival for arrival in arrivals if arrival.data is not None]
    assert not with_data, (
        f"expected no way back to the partner with link data, but the browser arrived at the partner's callback "
        f"{len(with_data)} time(s) with it"
    )


@then("the link data is base64url without padding")
def data_encoding(sup_flow: SupplierFlow, scenario: Scenario) -> None:
    data = link_data(sup_flow, scenario).data
    assert data is not None, "no link data came back in this scenario"
    problems = encoding_problems(data)
    assert not problems, "expected the link data as base64url without padding, but " + " and ".join(problems)


@then(parsers.parse("the link data names {persona}, her NOX user, the brand she chose and her devices"))
def data_names(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    linking = sup_flow.linking
    payload = link_data(sup_flow, scenario).payload()
    assert linking.account is not None, "no brand account was used in this scenario"
    user = scenario.user(persona)
    problems = []
    if payload["supplier_user_id"] != user.id:
        problems.append(f"`supplier_user_id` is not {persona}'s user id {user.id!r} from the session")
    if not payload["nox_user_id"]:
        problems.append("`nox_user_id` is empty")
    if payload["brand"] != linking.brand:
        problems.append(f"`brand` is {payload['brand']!r}, not the one she chose, {linking.brand!r}")
    if linking.account.device_id not in payload["device_ids"]:
        problems.append(f"`device_ids` lacks the device of the account she signed in with ({linking.account.device_id})")
    assert not problems, "the link data does not describe the link: " + "; ".join(problems)


@then("the link data says it was connected after the session was created")
def data_connected_at(sup_flow: SupplierFlow, scenario: Scenario, clock: ClockClient) -> None:
    linking = sup_flow.linking
    connected, created = link_data(sup_flow, scenario).payload()["connected_at"], linking.session["created_at"]
    assert connected >= created, f"expected `connected_at` not before the session's `created_at` ({created}), but it is {connected}"
    if clock.available:
        now = clock.now()
        assert connected <= now, f"expected `connected_at` not after now ({now}), but it is {connected}"


@given(parsers.parse("the partner backend has started another link for {persona}'s {device}"))
def another_link(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str) -> None:
    sup_flow.other = start(sup_flow, nox, scenario.user(persona), asset(device)).session
    sup_flow.linkings.pop()  # Alice's own link stays the one she is on


@when(parsers.parse("{persona}'s manufacturer sign-in comes back to NOX for the other link"))
def graft(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    """Alice signs in for her first link, but the manufacturer's way back to NOX is opened
    with the other link's session in it, as a stolen or replayed sign-in would be."""
    page = scenario.browser()
    choose(sup_flow, page, "the partner's usual brand")
    assert sup_flow.linking.account is not None
    begin(sup_flow)
    back = BrandSignIn(page).sign_in_holding_return(sup_flow.linking.account)
    assert back, f"expected {sup_flow.linking.brand}'s sign-in to send the browser back to NOX, but {BrandSignIn(page).describe()}"
    mine, other = sup_flow.linking.session["link_token"], sup_flow.other["link_token"]
    if mine not in back:
        pytest.skip("the manufacturer's way back to NOX does not name the link session, so it cannot be sent for another")
    page.goto(back.replace(mine, other))
    page.wait_for_load_state("load")


@then(parsers.re(r"NOX refuses the link as (?P<reason>expired|invalid|completed)"))
def nox_refuses_link(scenario: Scenario, evidence: Evidence, reason: str) -> None:
    refused = SessionRefused(scenario.browser())
    refused.expect_reason(reason)
    evidence.capture(refused.page, f"NOX refuses the link as {reason}")


# ------------------------------------------------------------------ time and reuse


@given(parsers.parse("{persona} has connected her {device} through a link"))
def has_connected(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str,
                  device: str) -> None:
    connect(sup_flow, scenario, browser_watch, nox, asset(device))


@when(parsers.parse("{persona} opens the same link again"))
def opens_again(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    open_link(sup_flow, browser(sup_flow, scenario, browser_watch))


@given(parsers.re(rf"{PERSONA} has connected her {DEVICE} with her first account at the partner's usual brand"))
def connected_first(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str,
                    device: str) -> None:
    connect(sup_flow, scenario, browser_watch, nox, asset(device), account_index=0)


@when(parsers.re(rf"{PERSONA} connects her {DEVICE} again with her second account at that brand"))
def connects_second(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient, persona: str,
                    device: str) -> None:
    connect(sup_flow, scenario, browser_watch, nox, asset(device), account_index=1)


@then(parsers.parse("the link data names the same NOX user and the same {persona} as before"))
def same_users(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    assert len(sup_flow.linkings) >= 2, "this scenario linked only once"
    first, last = (linking.callback for linking in sup_flow.linkings[-2:])
    assert first is not None and last is not None, "a link in this scenario sent no link data"
    before, now = first.payload(), last.payload()
    assert now["nox_user_id"] == before["nox_user_id"], "expected re-linking to keep her NOX user, but NOX gave a new `nox_user_id`"
    user = scenario.user(persona)
    assert before["supplier_user_id"] == now["supplier_user_id"] == user.id, (
        f"expected both links to name {persona} ({user.id}) as the partner's user, but they do not"
    )


@then("the link data names only the second account's device")
def only_second_device(sup_flow: SupplierFlow) -> None:
    linking = sup_flow.linking
    assert linking.callback is not None and linking.account is not None, "no link data came back in this scenario"
    devices = linking.callback.payload()["device_ids"]
    assert devices == [linking.account.device_id], (
        f"expected the link data to name only the second account's device {linking.account.device_id}, "
        f"but it names {', '.join(map(str, devices))}"
    )


@then("her devices show the second account's device and not the first one's")
def devices_replaced(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    first, second = (linking.account for linking in sup_flow.linkings[-2:])
    assert first is not None and second is not None
    devices = PartnerDevices(scenario.browser())
    listed = [device for device, _ in devices.listed()]
    evidence.capture(devices.page, "her devices after linking again")
    assert second.device_id in listed, (
        f"expected her devices to show {second.device_id}, but they show {', '.join(listed) or 'none'}"
    )
    assert first.device_id not in listed, (
        f"expected {first.device_id} to be replaced by {second.device_id}, but her devices still show it"
    )


# ------------------------------------------------------------------ the partner's callback


def expect_devices(flow: SupplierFlow, scenario: Scenario, evidence: Evidence | None = None) -> list[str]:
    """The partner's devices page after the last link lists, of the brand linked, exactly
    the devices in the link data, shown with that brand; returns that brand's devices."""
    linking = flow.linking
    sent = link_data(flow, scenario).payload()["device_ids"]
    devices = PartnerDevices(scenario.browser())
    if not devices.is_shown():
        raise AssertionError(f"expected the partner app to show her devices, but {devices.describe()}")
    if evidence is not None:
        evidence.capture(devices.page, "her devices at the partner")
    listed = devices.listed()
    shown = ", ".join(f"{device} ({brand})" for device, brand in listed) or "no device at all"
    of_brand = [device for device, brand in listed if brand.lower() == linking.brand]
    assert sorted(of_brand) == sorted(sent), (
        f"expected her {linking.brand} devices to be the ones just linked ({', '.join(sent)}), "
        f"but the partner app shows {shown}"
    )
    return of_brand


@given(parsers.re(rf"{PERSONA}'s {DEVICE} of the partner's usual brand is connected with her second account there"))
def connected_with_second(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient,
                          persona: str, device: str) -> None:
    connect(sup_flow, scenario, browser_watch, nox, asset(device), account_index=1)
    expect_devices(sup_flow, scenario)


@then("she sees her devices at the partner, with the device she just connected in place of the earlier one")
def sees_devices(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    linking = sup_flow.linking
    expect_back_with_data(sup_flow, scenario.browser())
    assert linking.account is not None, "no brand account was used in this scenario"
    of_brand = expect_devices(sup_flow, scenario, evidence)
    assert linking.account.device_id in of_brand, (
        f"expected her devices to include {linking.account.device_id}, the device she just connected, "
        f"but her {linking.brand} devices are {', '.join(of_brand) or 'none'}"
    )


def forged_payload(flow: SupplierFlow, run: Run, clock: ClockClient, user: PartnerUser) -> dict[str, Any]:
    """Link data in the documented form, made by the suite, with devices no one owns."""
    now = clock.now() if clock.available else 0
    return {"nox_user_id": run.unique("nox-user"), "supplier_user_id": user.id,
            "brand": flow.target.brands["hp"].terms_brand, "device_ids": [run.unique("forged-device")],
            "connected_at": now}


@when(parsers.re(rf"link data (?P<defect>.+) arrives at the partner's callback in {PERSONA}'s browser"))
def broken_data_arrives(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, run: Run,
                        clock: ClockClient, defect: str, persona: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    if defect.startswith("made for "):
        owner = defect.removeprefix("made for ")
        sup_flow.forged = forged_payload(sup_flow, run, clock, scenario.user(owner))
        data = encode(sup_flow.forged)
    else:
        sup_flow.forged = forged_payload(sup_flow, run, clock, scenario.user(persona))
        data = broken(defect, sup_flow.forged)
    sup_flow.callback_status = PartnerCallback(page, sup_flow.target).deliver(data).status


@then("the partner says the device was not connected")
def partner_refuses(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    callback = PartnerCallback(scenario.browser(), sup_flow.target)
    callback.expect_refused()
    evidence.capture(callback.page, "the partner refuses the link data")


@then("the partner does not fail with a server error")
def no_server_error(sup_flow: SupplierFlow) -> None:
    assert 0 < sup_flow.callback_status < 500, (
        f"expected the partner app to refuse the link data calmly, but it answered with status {sup_flow.callback_status}"
    )


@then(parsers.parse("none of the devices in that data are among {persona}'s devices"))
def nothing_stored(sup_flow: SupplierFlow, scenario: Scenario, run: Run, clock: ClockClient, persona: str) -> None:
    """The partner app shows a user's devices after an accepted callback, so a well-formed
    callback with a device of another brand shows what is stored, refused data included."""
    probe = {**forged_payload(sup_flow, run, clock, scenario.user(persona)),
             "brand": sup_flow.target.brands["pv"].terms_brand, "device_ids": [run.unique("probe-device")]}
    page = scenario.browser()
    PartnerCallback(page, sup_flow.target).deliver(encode(probe))
    devices = PartnerDevices(page)
    if not devices.is_shown():
        raise AssertionError(
            f"expected the partner app to show {persona}'s devices after a valid callback, but {devices.describe()}"
        )
    listed = [device for device, _ in devices.listed()]
    assert probe["device_ids"][0] in listed, (
        f"expected {persona}'s devices to list the device of a valid callback, so the check means something, but they do not"
    )
    stored = [device for device in sup_flow.forged.get("device_ids", []) if device in listed]
    assert not stored, f"expected nothing stored from the refused link data, but {persona}'s devices list {', '.join(stored)}"
