"""NOX's energy-supplier selector in the Authenticator UI (interfaces.md §1, NOX; the
start of the manufacturer-initiated flow, vendor-docs/nox-energy-supplier-integration.txt §2)."""

from __future__ import annotations

from playwright.sync_api import Page

from steps.pages.base import PageObject
from suite.target import Target

OPTION = "supplier-option-"


class SupplierPicker(PageObject):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def open(self, link_url: str) -> SupplierPicker:
        self.page.goto(link_url)
        self.settle()
        return self

    def expect_shown(self) -> None:
        self.expect("supplier-picker", "NOX's energy-supplier selector")

    def offered(self) -> list[str]:
        """Slugs of the suppliers offered, in the order shown."""
        picker = self.expect("supplier-picker", "NOX's energy-supplier selector")
        ids = picker.locator(f'[data-testid^="{OPTION}"]').evaluate_all("els => els.map(e => e.dataset.testid)")
        return [test_id.removeprefix(OPTION) for test_id in ids]

    def expect_offers(self, slug: str, name: str) -> None:
        self.expect("supplier-picker", "NOX's energy-supplier selector")
        if not self.appears(f"{OPTION}{slug}"):
            offered = ", ".join(self.offered()) or "no supplier at all"
            raise AssertionError(f"expected the energy-supplier selector to offer {name} ({slug}), but it offers {offered}")

    def choose(self, slug: str, name: str) -> None:
        self.expect(f"{OPTION}{slug}", f"{name} ({slug}) among the energy suppliers").click()
        self.settle()
