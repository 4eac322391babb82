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
        super().__init__(page, target)
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
        return self.by_test_id("callback-error").first.inner_text().strip() if self.sees("callback-error") else ""

    def expect_refused(self) -> str:
        message = self.refusal()
        if not message:
            raise AssertionError(f"expected the partner app to say the device was not connected, but {self.describe()}")
        role = self.by_test_id("callback-error").first.get_attribute("role")
        assert role == "alert", f"expected the refusal to be announced as an alert, but its role is {role!r}"
        return message


# Each ``device`` element's own text is the device id; its ``device-brand`` may sit inside
# it (then its text is not part of the id) or beside it (then they pair up in order).
READ_DEVICES = """(devices, brands) => devices.map((device, i) => {
  const own = device.cloneNode(true);
  own.querySelectorAll('[data-testid="device-brand"]').forEach(e => e.remove());
  const inside = device.querySelector('[data-testid="device-brand"]');
  const brand = inside || brands[i];
  return [own.textContent.trim(), brand ? brand.textContent.trim() : null];
})"""


def devices_listed(page: PageObject) -> list[tuple[str, str]]:
    """(device id, brand) of every ``device`` the page lists, in order."""
    brands = page.by_test_id("device-brand").element_handles()
    pairs = page.by_test_id("device").evaluate_all(READ_DEVICES, brands)
    unbranded = [device for device, brand in pairs if brand is None]
    assert not unbranded, f"{len(pairs)} devices are listed, {', '.join(unbranded)} without a brand"
    return [(device, brand) for device, brand in pairs]


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
        return devices_listed(self)
