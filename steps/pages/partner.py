"""The partner app's sign-in and home pages (interfaces.md §1, partner app)."""

from __future__ import annotations

from playwright.sync_api import Page

from steps.pages.base import PageObject, says
from suite.target import PartnerUser, Target


class PartnerSignIn(PageObject):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def open(self, path: str = "/login") -> PartnerSignIn:
        self.page.goto(self.target.urls.partner_app + path)
        return self

    def expect_shown(self) -> None:
        self.expect("partner-login", "the partner app's sign-in page")

    FORM = "partner-login"

    def fill_in(self, user: PartnerUser, *, password: str | None = None) -> None:
        """Fill in the form; ``password`` overrides the user's (an empty one, say)."""
        form = self.expect(self.FORM, "the partner app's sign-in page")
        form.get_by_label("Email").fill(user.email)
        form.get_by_label("Password").fill(user.password.reveal() if password is None else password)

    def sign_in(self, user: PartnerUser) -> None:
        self.fill_in(user)
        self.by_test_id("partner-login-submit").click()
        self.settle()


class PartnerHome(PageObject):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def open(self) -> PartnerHome:
        self.page.goto(self.target.urls.partner_app + "/")
        return self

    def is_shown(self) -> bool:
        return self.sees("partner-home")

    def expect_signed_in_as(self, user: PartnerUser) -> None:
        self.expect("partner-home", f"the partner app's home page for {user.name}")
        shown = self.by_test_id("partner-user-name").first.inner_text().strip()
        assert says(shown, user.name), f"expected the home page to greet {user.name}, but it shows {shown!r}"

    def open_energy_account(self) -> None:
        self.expect("open-energy-account", "the 'Open energy account' button").click()
        self.settle()

    def energy_account_href(self) -> str:
        return self.expect("open-energy-account", "the 'Open energy account' button").get_attribute("href") or ""

    def connect(self, asset_type: str) -> None:
        self.expect(f"connect-{asset_type}", f"the button to connect a {asset_type} device").click()
        self.settle()

    def sign_out(self) -> None:
        self.expect("partner-sign-out", "the partner app's sign-out button").click()
        self.settle()


class PartnerPortalEntry(PageObject):
    """The partner app's entry point to the Nomos portal (interfaces.md §2, `GET /portal`):
    the address the 'Open energy account' button links to. Signed in, it mints a magic
    link and redirects there; signed out, it must send the visitor to sign in."""

    PATH = "/portal"

    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)
        self.target = target

    def visit(self) -> None:
        self.page.goto(self.target.urls.partner_app + self.PATH)
        self.settle()
