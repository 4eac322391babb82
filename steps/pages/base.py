"""What every page object shares: finding elements by test id, and failure messages
that say what a person would have seen instead of which selector timed out."""

from __future__ import annotations

import contextlib
import re
from typing import Self
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from suite.redaction import redact
from suite.target import Target

# The test ids that tell which page of the flows the browser is on (interfaces.md §1). A
# page may be built by a script after load, so whether an element is on a page is asked
# once the page shows one of these: before that, "not there" only means "not yet".
LANDMARKS = (
    "partner-login", "partner-home", "devices", "callback-error", "supplier-oauth", "oauth-error",
    "portal-hub", "invoice", "checkout", "portal-signed-out", "link-error",
    "brand-picker", "brand-login", "supplier-picker", "session-error", "manufacturer-result",
)


def says(shown: str, expected: str) -> bool:
    """An element whose text is a value (a name, an invoice number) says ``expected``: its
    text is that value, or holds it as a whole word (the test id may sit on a wrapper
    around the value, with words around it: "Signed in as Alice")."""
    return shown == expected or re.search(rf"(?<![\w-]){re.escape(expected)}(?![\w-])", shown) is not None


def language_of(page: Page) -> str:
    """The page's language, as ``<html lang>`` says it: its primary subtag (BCP 47), lower
    case, so ``nl-NL`` and ``nl`` both read as Dutch."""
    return (page.locator("html").get_attribute("lang") or "").split("-")[0].strip().lower()


class PageObject:
    """Base of the page objects. Subclasses own their test ids; steps call their methods."""

    def __init__(self, page: Page, target: Target) -> None:
        self.page = page
        # How long an expected element may take to appear: the profile's `[limits] page_wait_seconds`.
        self.wait_ms = round(target.limits.page_wait_seconds * 1000)

    def by_test_id(self, test_id: str) -> Locator:
        return self.page.get_by_test_id(test_id)

    def expect(self, test_id: str, what: str, timeout: int | None = None) -> Locator:
        """Wait for an element a person would see; fail with a description of the page instead."""
        locator = self.by_test_id(test_id).first
        try:
            locator.wait_for(state="visible", timeout=self.wait_ms if timeout is None else timeout)
        except PlaywrightError:
            raise AssertionError(f"expected {what}, but {self.describe()}") from None
        return locator

    def language(self) -> str:
        return language_of(self.page)

    def sees(self, test_id: str) -> bool:
        """The element is shown, once the page shows what page it is (a landmark, or the
        element itself, within the page wait): a page built by a script is read when built."""
        known = self.page.locator(",".join(f'[data-testid="{t}"]' for t in dict.fromkeys((test_id, *LANDMARKS))))
        with contextlib.suppress(PlaywrightError):
            known.first.wait_for(state="visible", timeout=self.wait_ms)
        return self.by_test_id(test_id).first.is_visible()

    def appears(self, test_id: str) -> bool:
        """The element is shown within the page wait (for one a page may add after the rest)."""
        try:
            self.by_test_id(test_id).first.wait_for(state="visible", timeout=self.wait_ms)
        except PlaywrightError:
            return False
        return True

    def expect_absent(self, test_id: str, what: str) -> None:
        if self.sees(test_id):
            raise AssertionError(f"expected no {what}, but {self.describe()}")

    def highlight(self, test_id: str, texts: list[str]) -> int:
        """Outline, for a picture, the rows whose ``test_id`` element reads one of ``texts``
        (what this scenario did, among what was there before); returns how many were marked.
        Only styles change: what the page says, and so what a step reads, stays the same."""
        return int(self.by_test_id(test_id).evaluate_all(
            """(els, texts) => els.filter(e => texts.includes(e.textContent.trim())).map(e => {
                 const row = e.closest('li, tr') || e;
                 row.style.outline = '3px solid #d97706'; row.style.outlineOffset = '2px';
                 row.style.background = '#fef3c7'; return 1; }).length""", texts))

    def go(self, url: str) -> Self:
        """Send the browser to an address it was given (not one a person types) and let it load."""
        self.page.goto(url)
        self.settle()
        return self

    def settle(self) -> None:
        """Wait until a navigation started by the last action has loaded."""
        self.page.wait_for_load_state("load")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.page.url)
        return f"{parts.scheme}://{parts.netloc}"

    def describe(self) -> str:
        """One redacted sentence about what the browser shows right now."""
        with contextlib.suppress(PlaywrightError):
            self.page.wait_for_load_state("load", timeout=2_000)
        parts = urlsplit(self.page.url)
        where = f"{parts.netloc}{parts.path}" if parts.netloc else self.page.url
        try:
            title = self.page.title()
            alerts = [t.strip() for t in self.page.get_by_role("alert").all_inner_texts() if t.strip()]
            heading = self.page.locator("h1").first.inner_text(timeout=500) if self.page.locator("h1").count() else ""
            test_ids = self.page.eval_on_selector_all(
                "[data-testid]", "els => els.slice(0, 8).map(e => e.dataset.testid)"
            )
        except PlaywrightError:
            return redact(f"the browser is at {where} and the page could not be read")
        said = f"the browser shows {where!s} titled {title!r}"
        if heading:
            said += f", heading {heading!r}"
        if alerts:
            said += f", saying {' / '.join(alerts)!r}"
        if test_ids:
            said += f" (elements: {', '.join(test_ids)})"
        return redact(said)
