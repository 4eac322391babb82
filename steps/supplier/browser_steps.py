"""Supplier steps in the browser (features/supplier_device_link.feature): NOX's brand
picker and the manufacturer's sign-in (``steps/pages/nox.py``), the partner app's
"Connect" buttons, callback and devices (``steps/pages/partner.py``,
``steps/pages/partner_devices.py``). The journeys they take are in
:mod:`steps.supplier.journey`; the link data is read in :mod:`steps.supplier.callback`."""

from __future__ import annotations

import secrets

import pytest
from pytest_bdd import given, parsers, then, when

from steps.cast import LANGUAGES, PERSONA
from steps.clients.clock import ClockClient
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.pages.nox import BrandPicker, BrandSignIn, SessionRefused
from steps.pages.partner import PartnerHome
from steps.pages.partner_devices import PartnerCallback, PartnerDevices
from steps.pictures import capture_devices
from steps.supplier.callback import Callback, broken, decode, encode, encoding_problems
from steps.supplier.journey import (
    Linking,
    SupplierFlow,
    begin,
    browser,
    choose,
    connect,
    expect_back_with_data,
    expect_devices,
    forged_payload,
    link_data,
    open_link,
    sign_in_at_brand,
    start,
)
from steps.supplier.vocabulary import DEVICE, OTHER, USUAL_BRAND, asset
from suite.browser_watch import Watches
from suite.evidence import Evidence
from suite.plugin import Run

# --------------------------------------------------------- NOX's Authenticator UI


@given(parsers.parse("{persona} has opened a link to connect her {device}"))
def has_opened_link(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, nox: NoxClient,
                    persona: str, device: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    start(sup_flow, nox, scenario.user(persona), asset(device))
    open_link(sup_flow, page)
    BrandPicker(page, scenario.target).expect_shown()


@when(parsers.parse("{persona} opens the link"))
def opens_link(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    open_link(sup_flow, browser(sup_flow, scenario, browser_watch))


@when(parsers.parse("{persona} opens the link and chooses the partner's usual brand"))
def opens_link_and_chooses(sup_flow: SupplierFlow, scenario: Scenario, browser_watch: Watches, persona: str) -> None:
    page = browser(sup_flow, scenario, browser_watch)
    open_link(sup_flow, page)
    choose(sup_flow, page, USUAL_BRAND)


@then(parsers.re(r"the brand picker was in (?P<language>\w+)"))
def picker_was_in(sup_flow: SupplierFlow, language: str) -> None:
    assert sup_flow.picker_language == LANGUAGES[language], (
        f"expected NOX's brand picker in {language} ({LANGUAGES[language]}), but it was in {sup_flow.picker_language!r}"
    )


@then(parsers.re(r"the manufacturer's sign-in page is in (?P<language>\w+)"))
def brand_page_in(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence, language: str) -> None:
    page = BrandSignIn(scenario.browser(), scenario.target)
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
    picker = BrandPicker(scenario.browser(), scenario.target)
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
    offered = BrandPicker(scenario.browser(), scenario.target).offered()
    shown = [slug for slug in offered if slug in wrong]
    assert not shown, f"expected no brand that makes only {others}, but the brand picker offers {', '.join(shown)}"


@then("she sees that manufacturer's sign-in page without choosing a brand")
def straight_to_brand(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    page = BrandSignIn(scenario.browser(), scenario.target)
    brand = sup_flow.linking.session.get("brand") or sup_flow.brands().brand
    if BrandPicker(page.page, scenario.target).is_shown():
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
    choose(sup_flow, scenario.browser(), USUAL_BRAND)


@when(parsers.parse("{persona} signs in at the manufacturer"))
def signs_in_at_manufacturer(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    begin(sup_flow)
    sign_in_at_brand(sup_flow, scenario.browser())


@then("she is back at the partner's callback with the link data")
def back_with_data(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    arrival = expect_back_with_data(sup_flow, scenario.browser())
    devices = PartnerDevices(scenario.browser(), scenario.target)
    try:  # a callback page that lists no devices (or lists them oddly: later steps judge that) is pictured as it is
        listed = devices.listed() if devices.is_shown() else []
    except AssertionError:
        listed = []
    if not listed:
        evidence.capture(scenario.browser(), "back at the partner")
        return
    capture_devices(evidence, devices, listed, linked_devices(arrival), scenario.persona, "back at the partner")


def linked_devices(arrival: Callback) -> list[str]:
    """The devices the link data names, for the picture; none when it cannot be read
    (the steps that judge the data say what is wrong with it)."""
    try:
        named = decode(arrival.data or "").get("device_ids", [])
    except (AssertionError, AttributeError):
        return []
    return [str(d) for d in named] if isinstance(named, list) else []


@then("the manufacturer refuses the sign-in")
def manufacturer_refuses(sup_flow: SupplierFlow, scenario: Scenario, evidence: Evidence) -> None:
    page = BrandSignIn(scenario.browser(), scenario.target)
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
    choose(sup_flow, page, USUAL_BRAND)
    assert sup_flow.linking.account is not None
    begin(sup_flow)
    brand_sign_in = BrandSignIn(page, scenario.target)
    back = brand_sign_in.sign_in_holding_return(sup_flow.linking.account)
    assert back, f"expected {sup_flow.linking.brand}'s sign-in to send the browser back to NOX, but {brand_sign_in.describe()}"
    mine, other = sup_flow.linking.session["link_token"], sup_flow.other["link_token"]
    if mine not in back:
        pytest.skip("the manufacturer's way back to NOX does not name the link session, so it cannot be sent for another")
    SessionRefused(page, scenario.target).go(back.replace(mine, other))


@then(parsers.re(r"NOX refuses the link as (?P<reason>expired|invalid|completed)"))
def nox_refuses_link(scenario: Scenario, evidence: Evidence, reason: str) -> None:
    refused = SessionRefused(scenario.browser(), scenario.target)
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
    devices = PartnerDevices(scenario.browser(), scenario.target)
    shown = devices.listed()
    listed = [device for device, _ in shown]
    capture_devices(evidence, devices, shown, [second.device_id], scenario.persona, "her devices after linking again")
    assert second.device_id in listed, (
        f"expected her devices to show {second.device_id}, but they show {', '.join(listed) or 'none'}"
    )
    assert first.device_id not in listed, (
        f"expected {first.device_id} to be replaced by {second.device_id}, but her devices still show it"
    )


# ------------------------------------------------------------------ the partner's callback


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
    devices = PartnerDevices(page, scenario.target)
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
