"""The devices the partner app has stored for a user, as its home page shows them
(interfaces.md §1, partner app home: ``devices`` with one ``device`` and its
``device-brand`` each; none when nothing is stored). Viewing home changes nothing, so
a step may look as often as it needs."""

from __future__ import annotations

from playwright.sync_api import Page

from steps.pages.partner import PartnerHome
from steps.pages.partner_devices import devices_listed
from suite.target import PartnerUser, Target


class StoredDevices(PartnerHome):
    def __init__(self, page: Page, target: Target) -> None:
        super().__init__(page, target)

    def on_home(self, user: PartnerUser) -> list[tuple[str, str]]:
        """(device id, brand) of every device the home page lists for the signed-in ``user``, sorted."""
        self.open()
        self.settle()
        self.expect_signed_in_as(user)
        return sorted((device, brand.lower()) for device, brand in devices_listed(self))

    def mark(self, device_ids: list[str]) -> int:
        """Outline the rows of these devices on the home page for the next picture."""
        return self.highlight("device", device_ids)
