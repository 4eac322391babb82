"""The manufacturer app's page at its ``redirect_url``, where NOX returns the user at the
end of the manufacturer-initiated flow (interfaces.md §1, manufacturer app, *assumed*:
``manufacturer-result`` with ``data-status`` ``success`` or ``error``)."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Page

from steps.pages.base import PageObject
from suite.target import Target


class ManufacturerResult(PageObject):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def is_shown(self) -> bool:
        return self.sees("manufacturer-result")

    def status(self) -> str:
        """The outcome the manufacturer app shows (``success`` or ``error``)."""
        result = self.expect("manufacturer-result", f"{self.target.nox.manufacturer_name}'s app to show the outcome")
        return result.get_attribute("data-status") or ""

    def reason(self) -> str:
        """Why NOX said the link failed (the ``reason`` NOX sent the browser back with)."""
        return dict(parse_qsl(urlsplit(self.page.url).query)).get("reason", "")

    def is_at_redirect_url(self) -> bool:
        """The browser is at the manufacturer's ``redirect_url`` (any query)."""
        here, wanted = urlsplit(self.page.url), urlsplit(self.target.nox.manufacturer_redirect_url)
        return (here.scheme, here.netloc, here.path) == (wanted.scheme, wanted.netloc, wanted.path)
