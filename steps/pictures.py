"""What a picture of a person's devices marks and what its caption adds: the devices
this scenario connected are outlined (by the page object, before the screenshot), and
the caption names the others and why they are there.

Test people keep their data: on the sandbox, between the scenarios of a run (each
worker's sandbox lives for the whole run); on a staging whose test identities keep what
earlier nights stored, between nights too. A picture that shows only "Alice's devices"
would look as if the scenario connected all of them.
"""

from __future__ import annotations

from steps.pages.partner_devices import PartnerDevices
from steps.pages.partner_stored import StoredDevices
from suite.evidence import Evidence


def marked_words(connected: list[tuple[str, str]]) -> str:
    """'the daikin device this scenario connected (daikin-hp-0001)'."""
    brands = sorted({brand.lower() for _, brand in connected})
    what = "device" if len(connected) == 1 else f"{len(connected)} devices"
    return f"the {' and '.join(brands)} {what} this scenario connected ({', '.join(d for d, _ in connected)})"


def also_words(persona: str, others: list[tuple[str, str]]) -> str:
    """What else the page lists and why, or '' when it lists nothing else."""
    if not others:
        return ""
    listed = ", ".join(f"{device} ({brand.lower()})" for device, brand in others)
    what = "another device" if len(others) == 1 else f"{len(others)} other devices"
    return (f"{what} {persona} connected before this scenario: {listed}. The partner app keeps every device a person "
            f"connected, and the test people keep theirs between scenarios (on a staging target, between nights too)")


def capture_devices(evidence: Evidence, devices: PartnerDevices | StoredDevices, listed: list[tuple[str, str]],
                    connected_ids: list[str], persona: str, moment: str) -> None:
    """Picture the devices page with this scenario's devices outlined and the others named."""
    connected = [(d, b) for d, b in listed if d in connected_ids]
    others = [(d, b) for d, b in listed if d not in connected_ids]
    devices.mark(connected_ids)
    evidence.capture(devices.page, moment, marked=marked_words(connected) if connected else "",
                     also=also_words(persona, others))
