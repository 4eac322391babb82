"""The hosted Nomos customer portal (interfaces.md §1, Nomos customer portal): the
account hub, an invoice, the hosted checkout, and the signed-out page a refused link
ends on. A magic link is opened here by its address, as a customer's browser would."""

from __future__ import annotations

import contextlib
from typing import Self

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from steps.pages.base import PageObject, says
from suite.target import PartnerUser, Target

# The account hub's quick links, in the words of the vendor's guide.
QUICK_LINKS = {
    "data": "hub-link-data",
    "invoices": "hub-link-invoices",
    "orders": "hub-link-orders",
    "tariff": "hub-link-tariff",
    "help": "hub-link-help",
}


class Portal(PageObject):
    """Any page of the portal; the subclasses know what each one shows."""

    HUB_PATH = "/overview"

    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def open_link(self, link: str) -> None:
        """Open a magic link (or a forged one) by its address. A link that sends the
        browser off the portal fails to load on a closed network; judging where the
        browser ended is left to the caller, so the failure can say what happened."""
        with contextlib.suppress(PlaywrightError):
            self.page.goto(link)
        with contextlib.suppress(PlaywrightError):
            self.settle()

    def visit_hub(self) -> Self:
        """Come back to the account hub by its address: no magic link involved."""
        return self.go(self.target.urls.nomos_portal + self.HUB_PATH)


class AccountHub(Portal):
    def is_shown(self) -> bool:
        return self.sees("portal-hub")

    def expect_for(self, user: PartnerUser) -> None:
        self.expect("portal-hub", f"{user.name}'s account hub in the Nomos portal")
        shown = self.expect("portal-customer-name", "the customer's name on the account hub").inner_text().strip()
        assert says(shown, user.name), (
            f"expected the account hub to be {user.name}'s, but it shows the account of {shown!r}"
        )

    def missing_quick_links(self) -> list[str]:
        self.expect("portal-hub", "the account hub in the Nomos portal")
        # (a hub may add its quick links after the rest of the page: each is waited for)
        return [name for name, test_id in QUICK_LINKS.items() if not self.appears(test_id)]

    def sign_out(self) -> None:
        self.expect("portal-sign-out", "the portal's sign-out button").click()
        self.settle()


class Invoice(Portal):
    def expect_invoice(self, invoice_id: str) -> None:
        self.expect("invoice", f"invoice {invoice_id} in the Nomos portal")
        shown = self.expect("invoice-id", "the invoice number").inner_text().strip()
        assert says(shown, invoice_id), f"expected invoice {invoice_id}, but the portal shows invoice {shown!r}"


class Checkout(Portal):
    def expect_shown(self) -> None:
        self.expect("checkout", "the hosted checkout of the Nomos portal")
        self.expect_absent("portal-hub", "account hub (a customer without a subscription has none)")


class SignedOut(Portal):
    def is_shown(self) -> bool:
        return self.sees("portal-signed-out")

    def expect_signed_out(self) -> None:
        self.expect("portal-signed-out", "the portal's signed-out page")
        self.expect_absent("portal-hub", "account hub")

    def expect_link_refused(self) -> None:
        self.expect("link-error", "the portal to refuse the link, on its signed-out page")
        self.expect_signed_out()
