"""The partner app's side of the supplier-initiated flow (interfaces.md §1 and §2,
partner app): its callback (``GET /callback?data=``), the devices page it shows after an
accepted callback, and the refusal it shows otherwise."""

from __future__ import annotations

from urllib.parse import urlencode

from playwright.sync_api import Page

from steps.pages.base import PageObject
from suite.target import Target


class PartnerCallback(PageObject):
    """Where NOX sends the browser with the link data. The suite opens it directly only to
    deliver data it made itself (a forged or broken callback)."""

    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page)
        self.target = target
        self.status = 0

    def deliver(self, data: str) -> PartnerCallback:
        """Open the callback with ``data`` as NOX would; remember the answer's status."""
        separator = "&" if "?" in self.target.nox.supplier_redirect_url else "?"
        response = self.page.goto(f"{self.target.nox.supplier_redirect_url}{separator}{urlencode({'data': data})}")
        self.settle()
        self.status = response.status if response is not None else 0
        return self

    def refusal(self) -> str:
        """The partner's ``callback-error`` message, or '' when it shows none."""
        error = self.by_test_id("callback-error").first
        return error.inner_text().strip() if error.is_visible() else ""

    def expect_refused(self) -> str:
        message = self.refusal()
        if not message:
            raise AssertionError(f"expected the partner app to say the device was not connected, but {self.describe()}")
        role = self.by_test_id("callback-error").first.get_attribute("role")
        assert role == "alert", f"expected the refusal to be announced as an alert, but its role is {role!r}"
        return message


class PartnerDevices(PageObject):
    """The devices page: ``devices``, each ``device`` (its id) with its ``device-brand``."""

    def is_shown(self) -> bool:
        return self.sees("devices")

    def expect_shown(self) -> None:
        self.expect("devices", "the partner app's page of connected devices")

    def mark(self, device_ids: list[str]) -> int:
        """Outline the rows of these devices for the next picture; how many were found."""
        return self.highlight("device", device_ids)

    def listed(self) -> list[tuple[str, str]]:
        """(device id, brand) of every device listed, in order."""
        self.expect_shown()
        ids = [t.strip() for t in self.by_test_id("device").all_inner_texts()]
        brands = [t.strip() for t in self.by_test_id("device-brand").all_inner_texts()]
        assert len(ids) == len(brands), f"{len(ids)} devices are listed with {len(brands)} brands"
        return list(zip(ids, brands, strict=True))
