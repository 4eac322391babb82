"""NOX's Authenticator UI in the supplier-initiated flow and the manufacturers' sign-in
pages it opens (interfaces.md §1, NOX Authenticator UI and brand pages).

Text is never matched: the UI speaks four languages, and ``<html lang>`` says which.
"""

from __future__ import annotations

from urllib.parse import urljoin

from playwright.sync_api import Route

from steps.pages.base import PageObject
from suite.target import BrandAccount

BRAND_OPTION = "brand-option-"
REFUSALS = ("expired", "invalid", "completed")


class BrandPicker(PageObject):
    """``brand-picker`` with one ``brand-option-<slug>`` per brand offered."""

    def open(self, link_url: str) -> BrandPicker:
        self.page.goto(link_url)
        self.settle()
        return self

    def is_shown(self) -> bool:
        return self.sees("brand-picker")

    def expect_shown(self) -> None:
        self.expect("brand-picker", "NOX's brand picker")

    def offered(self) -> list[str]:
        """Slugs of the brands offered, in the order shown."""
        picker = self.expect("brand-picker", "NOX's brand picker")
        ids = picker.locator(f'[data-testid^="{BRAND_OPTION}"]').evaluate_all("els => els.map(e => e.dataset.testid)")
        return [test_id.removeprefix(BRAND_OPTION) for test_id in ids]

    def choose(self, brand: str) -> None:
        option = self.by_test_id(f"{BRAND_OPTION}{brand}").first
        if not self.appears(f"{BRAND_OPTION}{brand}"):
            offered = ", ".join(self.offered()) if self.is_shown() else ""
            raise AssertionError(
                f"expected NOX's brand picker to offer {brand}, but "
                + (f"it offers {offered or 'no brand at all'}" if self.is_shown() else self.describe())
            )
        option.click()
        self.settle()


class BrandSignIn(PageObject):
    """A manufacturer's sign-in page: ``brand-login`` with ``data-brand``, username,
    password, ``brand-accept-terms`` where the brand asks, ``brand-authorize``."""

    def is_shown(self) -> bool:
        return self.sees("brand-login")

    def expect_shown(self, brand: str | None = None) -> None:
        form = self.expect("brand-login", f"{brand or 'the manufacturer'}'s sign-in page")
        shown = form.get_attribute("data-brand") or ""
        if brand is not None:
            assert shown == brand, f"expected {brand}'s sign-in page, but the browser shows {shown or 'an unnamed brand'}'s"

    def brand(self) -> str:
        return self.expect("brand-login", "a manufacturer's sign-in page").get_attribute("data-brand") or ""

    def asks_for_terms(self) -> bool:
        return self.sees("brand-accept-terms")

    FORM = "brand-login"

    def fill_in(self, account: BrandAccount, *, password: str | None = None, accept_terms: bool = True) -> None:
        """Fill in the form; ``password`` overrides the account's (a wrong one)."""
        self.expect(self.FORM, "a manufacturer's sign-in page")
        self.by_test_id("brand-username").fill(account.username)
        self.by_test_id("brand-password").fill(password if password is not None else account.password.reveal())
        if self.asks_for_terms():
            self.by_test_id("brand-accept-terms").set_checked(accept_terms)

    def sign_in(self, account: BrandAccount, *, password: str | None = None, accept_terms: bool = True) -> None:
        """Fill in and submit; ``password`` overrides the account's (a wrong one)."""
        self.fill_in(account, password=password, accept_terms=accept_terms)
        self.by_test_id("brand-authorize").click()
        self.settle()

    def sign_in_holding_return(self, account: BrandAccount) -> str | None:
        """Sign in, but do not follow the manufacturer's answer: return the address it sends
        the browser back to (None when it sends it nowhere). Playwright does not route
        redirects, so the form's own request is fetched without following them. The form
        may post to another host than the one showing it (NOX may serve the brand's page
        at its own link), so the submission is held wherever it goes."""
        held: list[str] = []

        def hold(route: Route) -> None:
            request = route.request
            if request.method != "POST" or not request.is_navigation_request():
                route.fallback()
                return
            answer = route.fetch(max_redirects=0)
            location = answer.headers.get("location")
            if location:
                held.append(urljoin(request.url, location))
                route.fulfill(status=200, content_type="text/html", body="<!doctype html><title>held</title>")
            else:
                route.fulfill(response=answer)

        self.page.route("**/*", hold)
        try:
            self.sign_in(account)
        finally:
            self.page.unroute("**/*", hold)
        return held[0] if held else None

    def refusal(self) -> str:
        """The alert the page shows after a refused sign-in ('' when none)."""
        alerts = [t.strip() for t in self.page.get_by_role("alert").all_inner_texts() if t.strip()]
        return " / ".join(alerts)


class SessionRefused(PageObject):
    """NOX's ``session-error`` page, with ``data-reason`` expired, invalid or completed."""

    def reason(self) -> str:
        """The reason NOX shows, or '' when the browser is not on a refusal."""
        if not self.sees("session-error"):
            return ""
        return self.by_test_id("session-error").first.get_attribute("data-reason") or "no reason"

    def expect_reason(self, reason: str) -> None:
        assert reason in REFUSALS, f"the feature names refusal {reason!r}; known: {', '.join(REFUSALS)}"
        self.settle()
        shown = self.reason()
        if not shown:
            raise AssertionError(f"expected NOX to refuse the link as {reason}, but {self.describe()}")
        assert shown == reason, f"expected NOX to refuse the link as {reason}, but it refuses it as {shown}"
