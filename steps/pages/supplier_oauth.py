"""The partner's supplier OAuth page of the manufacturer-initiated flow (interfaces.md §1,
partner app; vendor-docs/nox-energy-supplier-integration.txt §2.1).

NOX sends the browser here with the authentication session in the ``state`` query
parameter (interfaces.md §2); the page presents the partner's terms and conditions and
signs the user in with the partner account.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import Page

from steps.pages.base import PageObject
from suite.target import PartnerUser, Target


class SupplierOAuth(PageObject):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def expect_shown(self) -> None:
        self.expect("supplier-oauth", f"{self.target.nox.supplier_name}'s sign-in page for linking a device")
        here = urlsplit(self.page.url).netloc
        partner = urlsplit(self.target.urls.partner_app).netloc
        assert here == partner, (
            f"expected the sign-in page to be served by {self.target.nox.supplier_name} ({partner}), "
            f"but it is served by {here}"
        )

    def expect_terms_presented(self) -> None:
        self.expect("terms-link", "a link to the terms and conditions on the supplier's sign-in page")
        self.expect("accept-terms", "a box to accept the terms and conditions on the supplier's sign-in page")

    def state(self) -> str:
        """The NOX authentication session this page was opened for (its ``state`` query)."""
        query = dict(parse_qsl(urlsplit(self.page.url).query))
        state = query.get("state", "")
        assert state, f"expected NOX to open the supplier's sign-in page with its session, but {self.describe()}"
        return state

    FORM, ERROR = "supplier-oauth", "oauth-error"

    def fill_in(self, user: PartnerUser, *, accept_terms: bool) -> None:
        form = self.expect(self.FORM, f"{self.target.nox.supplier_name}'s sign-in page")
        form.get_by_label("Email").fill(user.email)
        form.get_by_label("Password").fill(user.password.reveal())
        self.by_test_id("accept-terms").set_checked(accept_terms)

    def sign_in(self, user: PartnerUser, *, accept_terms: bool) -> None:
        self.fill_in(user, accept_terms=accept_terms)
        self.by_test_id("supplier-oauth-submit").click()
        self.settle()

    def expect_refused(self, why: str) -> None:
        self.expect(self.ERROR, f"the supplier's sign-in page to refuse the sign-in ({why})")

    def shows_error(self) -> bool:
        return self.sees("oauth-error")
