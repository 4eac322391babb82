"""What every page object shares: finding elements by test id, and failure messages
that say what a person would have seen instead of which selector timed out."""

from __future__ import annotations

import contextlib
from typing import Self
from urllib.parse import urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page

from suite.redaction import redact

# How long an expected element may take to appear: the target profile's
# `[limits] page_wait_seconds` (steps/common.py sets it for the run).
EXPECT_TIMEOUT_MS = 5_000


def set_page_wait(seconds: float) -> None:
    global EXPECT_TIMEOUT_MS
    EXPECT_TIMEOUT_MS = round(seconds * 1000)


class PageObject:
    """Base of the page objects. Subclasses own their test ids; steps call their methods."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def by_test_id(self, test_id: str) -> Locator:
        return self.page.get_by_test_id(test_id)

    def expect(self, test_id: str, what: str, timeout: int | None = None) -> Locator:
        """Wait for an element a person would see; fail with a description of the page instead."""
        locator = self.by_test_id(test_id).first
        try:
            locator.wait_for(state="visible", timeout=EXPECT_TIMEOUT_MS if timeout is None else timeout)
        except PlaywrightError:
            raise AssertionError(f"expected {what}, but {self.describe()}") from None
        return locator

    def sees(self, test_id: str) -> bool:
        return self.by_test_id(test_id).first.is_visible()

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
