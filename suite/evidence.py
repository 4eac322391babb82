"""Screenshots of the moments a person would want to see, for the living documentation.

``evidence.capture(page, "the portal account hub")`` saves a JPEG under
``reports/screenshots/`` and records it on the test report (``user_properties``), which
xdist carries from the workers to the controller that writes the report.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

REPORTS_DIR = Path(os.environ.get("SUITE_REPORTS_DIR", Path(__file__).resolve().parent.parent / "reports"))
SCREENSHOTS_DIR = REPORTS_DIR / "screenshots"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


@dataclass
class Evidence:
    item: pytest.Item
    taken: list[tuple[str, str]] = field(default_factory=list)

    def capture(self, page: Page, moment: str) -> None:
        """Screenshot the page as a person sees it now (after any navigation has loaded)."""
        folder = SCREENSHOTS_DIR / slug(self.item.nodeid)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(self.taken) + 1:02d}-{slug(moment)}.jpg"
        try:
            page.wait_for_load_state("load")
            page.screenshot(path=path, full_page=True, type="jpeg", quality=70)
        except PlaywrightError:
            return  # evidence is a courtesy: never fail a scenario for a missing picture
        self.taken.append((moment, str(path.relative_to(REPORTS_DIR))))
        self.item.user_properties.append(("screenshot", f"{moment}|{path.relative_to(REPORTS_DIR)}"))


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    return Evidence(request.node)
