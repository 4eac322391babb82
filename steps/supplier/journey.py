"""The supplier flow's state and its journeys: Alice's signed-in browser, starting a
link session as the partner backend, NOX's brand picker and the manufacturer's
sign-in, the way back to the partner's callback, and what the partner then shows.

What NOX sends back is read off the browser's way back (the ``data`` of the callback
address it was sent to), so the same journeys work against staging, where the suite
sees nothing of NOX from the inside.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
from playwright.sync_api import Page

from steps import link_sessions
from steps.cast import LANGUAGES
from steps.clients.clock import ClockClient
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.pages.nox import BrandPicker, BrandSignIn, SessionRefused
from steps.pages.partner_devices import PartnerDevices
from steps.pictures import capture_devices
from steps.supplier.callback import Callback, is_callback
from steps.supplier.vocabulary import USUAL_BRAND, WHO, brand_choice
from suite.browser_watch import Watch, Watches
from suite.evidence import Evidence
from suite.plugin import Run
from suite.target import AssetBrands, BrandAccount, PartnerUser, Target


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
    """What one scenario's steps share; a fresh one per scenario. The persona it follows
    is the scenario's (:attr:`steps.common.Scenario.persona`)."""

    target: Target
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

    def brands(self, asset_type: str | None = None) -> AssetBrands:
        return self.target.brands[asset_type or self.linking.asset_type]

    def callbacks(self) -> list[Callback]:
        """Arrivals at the partner's callback since the scenario's action started."""
        assert self.watch is not None, "the browser was not watched in this scenario"
        return [Callback(url) for url in self.watch.navigations(self.since)
                if is_callback(url, self.target.nox.supplier_redirect_url)]


# ------------------------------------------------------------- the partner backend


def ask(flow: SupplierFlow, nox: NoxClient, user: PartnerUser, asset_type: str, *,
        brand: str | None = None, language: str | None = None) -> httpx.Response:
    """The partner backend asks NOX for a link session (a language in the feature's words);
    the body and the answer are kept for the checks that follow."""
    body = nox.supplier_session_body(user.id, asset_type, brand=brand or None,
                                     language=LANGUAGES[language] if language else None)
    flow.asked, flow.answer = body, nox.create_supplier_session(body)
    return flow.answer


def start(flow: SupplierFlow, nox: NoxClient, user: PartnerUser, asset_type: str, *,
          brand: str | None = None, language: str | None = None) -> Linking:
    """The partner backend starts a link session for the user; it must succeed."""
    ask(flow, nox, user, asset_type, brand=brand, language=language)
    return started(flow, asset_type)


def started(flow: SupplierFlow, asset_type: str) -> Linking:
    """NOX's answer to the last request started a link session with a link: it becomes
    the scenario's link in play."""
    linking = Linking(asset_type, link_sessions.created(flow.answer, WHO))
    link_sessions.expect_link(flow.answer, flow.target, WHO)
    flow.linkings.append(linking)
    return linking


# ------------------------------------------------------------------- the browser


def browser(flow: SupplierFlow, scenario: Scenario, watches: Watches) -> Page:
    """Alice's browser, signed in to the partner app with her own account (once). Every
    step that uses it goes where it acts itself, so the sign-in loads no page."""
    page = scenario.browser()
    if not flow.signed_in:
        scenario.signed_in(scenario.persona, home=False)
        flow.signed_in = True
    if flow.watch is None:
        flow.watch = watches.watch(page, block_foreign=False)
    return page


def begin(flow: SupplierFlow) -> None:
    """Mark where the scenario's action starts: what came back before does not count."""
    flow.since = flow.watch.mark() if flow.watch else 0


def open_link(flow: SupplierFlow, page: Page, link_url: str | None = None) -> None:
    begin(flow)
    BrandPicker(page, flow.target).open(link_url or flow.linking.session["link_url"])


def choose(flow: SupplierFlow, page: Page, which: str) -> None:
    """Choose the brand the feature names on NOX's brand picker."""
    linking = flow.linking
    linking.brand, linking.account = brand_choice(which, flow.brands())
    picker = BrandPicker(page, flow.target)
    picker.expect_shown()
    flow.picker_language = picker.language()
    picker.choose(linking.brand)
    BrandSignIn(page, flow.target).expect_shown(linking.brand)


def sign_in_at_brand(flow: SupplierFlow, page: Page, *, password: str | None = None, accept_terms: bool = True) -> None:
    linking = flow.linking
    assert linking.account is not None, "no brand was chosen in this scenario"
    BrandSignIn(page, flow.target).sign_in(linking.account, password=password, accept_terms=accept_terms)


def expect_back_with_data(flow: SupplierFlow, page: Page) -> Callback:
    """The browser went back to the partner's callback with link data; returns that arrival."""
    arrivals = flow.callbacks()
    if not arrivals:
        refusal = SessionRefused(page, flow.target).reason()
        said = f"NOX refused the link as {refusal}" if refusal else BrandSignIn(page, flow.target).describe()
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
    start(flow, nox, scenario.user(), asset_type)
    open_link(flow, page)
    choose(flow, page, USUAL_BRAND)
    flow.linking.account = flow.brands().accounts[account_index]
    sign_in_at_brand(flow, page)
    return expect_back_with_data(flow, page)


# ------------------------------------------------------------- the partner's side


def expect_devices(flow: SupplierFlow, scenario: Scenario, evidence: Evidence | None = None) -> list[str]:
    """The partner's devices page after the last link lists, of the brand linked, exactly
    the devices in the link data, shown with that brand; returns that brand's devices."""
    linking = flow.linking
    sent = link_data(flow, scenario).payload()["device_ids"]
    devices = PartnerDevices(scenario.browser(), flow.target)
    if not devices.is_shown():
        raise AssertionError(f"expected the partner app to show her devices, but {devices.describe()}")
    listed = devices.listed()
    if evidence is not None:
        capture_devices(evidence, devices, listed, list(sent), scenario.persona, "her devices at the partner")
    shown = ", ".join(f"{device} ({brand})" for device, brand in listed) or "no device at all"
    of_brand = [device for device, brand in listed if brand.lower() == linking.brand]
    assert sorted(of_brand) == sorted(sent), (
        f"expected her {linking.brand} devices to be the ones just linked ({', '.join(sent)}), "
        f"but the partner app shows {shown}"
    )
    return of_brand


def forged_payload(flow: SupplierFlow, run: Run, clock: ClockClient, user: PartnerUser) -> dict[str, Any]:
    """Link data in the documented form, made by the suite, with devices no one owns."""
    now = clock.now() if clock.available else 0
    return {"nox_user_id": run.unique("nox-user"), "supplier_user_id": user.id,
            "brand": flow.target.brands["hp"].terms_brand, "device_ids": [run.unique("forged-device")],
            "connected_at": now}

