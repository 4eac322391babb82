"""Screenshots of the moments a person would want to see, for the living documentation.

``evidence.capture(page, "the portal account hub")`` saves a JPEG and a small copy
(the thumbnail the document embeds) under ``reports/screenshots/`` and describes the
picture on the test report: its caption, the step it was taken in, the outline example,
the page's ``<html lang>``, title, address and visible text, and the SHA-256 of both
files. The document shows a picture only while the file still has that hash, so a
picture can never sit under another example's caption.

Every run gets its own folder (the xdist run id, shared by its workers), and in it every
test its own (named after the test and a hash of its full node id, plus the attempt when
a test is retried): outline examples, xdist workers and runs that share a reports folder
never write the same file. Run folders older than :data:`KEEP_RUNS_FOR` are removed when
a run starts. When a scenario step fails, every open page is captured at that moment
(``at_failure``), before anything is torn down.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import re
import secrets
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from suite.paths import REPORTS_DIR
from suite.redaction import redact

SCREENSHOTS_DIR = REPORTS_DIR / "screenshots"
THUMB_SIZE = (320, 400)  # the document's thumbnails: the top of the page, 1/4 scale
TEXT_LIMIT = 1500  # characters of visible text recorded with each picture
EVIDENCE_KEY = pytest.StashKey["Evidence"]()
KEEP_RUNS_FOR = 2 * 3600  # seconds: older run folders are removed (the documents embed their thumbnails)
_RUN: dict[str, str] = {}  # this process's run folder

try:  # the thumbnails need Pillow; without it the document links the pictures instead
    from PIL import Image, ImageChops
except ImportError:  # pragma: no cover - Pillow is a dependency
    Image = ImageChops = None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def run_folder(config: pytest.Config) -> Path:
    """The run's folder: xdist gives its workers one run id; a run without workers draws its own."""
    if "name" not in _RUN:
        uid = getattr(config, "workerinput", {}).get("testrunuid") or secrets.token_hex(8)
        _RUN["name"] = f"run-{uid[:12]}"
    return SCREENSHOTS_DIR / _RUN["name"]


def pytest_sessionstart(session: pytest.Session) -> None:
    """Before a run (not in its workers): remove the pictures of runs long finished."""
    if hasattr(session.config, "workerinput") or not SCREENSHOTS_DIR.is_dir():
        return
    now = time.time()
    for folder in SCREENSHOTS_DIR.iterdir():
        try:
            if folder.is_dir() and now - folder.stat().st_mtime > KEEP_RUNS_FOR:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue


def folder_for(nodeid: str, attempt: int = 1) -> str:
    """One folder per test and attempt: readable, and unique however long the node id."""
    name = nodeid.split("::")[-1]
    folder = f"{slug(name)[:40].rstrip('-')}-{hashlib.sha1(nodeid.encode()).hexdigest()[:8]}"
    return folder + (f"-retry{attempt - 1}" if attempt > 1 else "")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def content_box(picture: Any, scale: int = 4) -> tuple[int, int, int] | None:
    """Left, right and bottom edge of what the page shows (near its top), ignoring bars
    that span the window."""
    probe = picture.reduce(scale).convert("L")  # found on a tiny grey copy
    background = Image.new("L", probe.size, probe.getpixel((probe.width - 1, probe.height - 1)))
    mask = ImageChops.difference(probe, background).point([0] * 25 + [255] * 231)
    left, right, bottom = probe.width, 0, 0
    for y in range(min(probe.height, THUMB_SIZE[1] * 2 // scale)):
        row = mask.crop((0, y, probe.width, y + 1)).getbbox()
        if row and row[2] - row[0] < probe.width * 0.9:
            left, right, bottom = min(left, row[0]), max(right, row[2]), y
    return (left * scale, right * scale, (bottom + 1) * scale) if right > left else None


def thumbnail(data: bytes) -> bytes | None:
    """A small copy of the picture, cropped to what the page shows (sandbox and vendor
    pages are narrow columns on a wide window) and cut at :data:`THUMB_SIZE`."""
    if Image is None:
        return None
    with Image.open(io.BytesIO(data)) as picture:
        picture.draft("RGB", (picture.width // 2, picture.height // 2))  # JPEG decodes at 1/2 directly
        half = picture.convert("RGB")
    box = content_box(half)
    bottom = half.height
    if box:  # at least a thumbnail's width around the content, within the page
        span = max(box[1] - box[0] + 24, THUMB_SIZE[0])
        left = max(0, min((box[0] + box[1] - span) // 2, half.width - span))
        half, bottom = half.crop((left, 0, min(half.width, left + span), half.height)), box[2] + 24
    width = THUMB_SIZE[0]
    height = min(half.height, bottom, round(THUMB_SIZE[1] * half.width / width))  # only the top is shown
    small = half.crop((0, 0, half.width, height)).resize((width, max(1, round(height * width / half.width))),
                                                         Image.Resampling.BOX)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=60, optimize=True)
    return out.getvalue()


def page_facts(page: Page) -> dict[str, str]:
    """What the picture shows, in words: language, title, address (no query), text."""
    facts = {"lang": "", "title": "", "url": "", "text": ""}
    try:
        url = urlsplit(page.url)
        facts["url"] = redact(f"{url.scheme}://{url.netloc}{url.path}")
        facts["lang"] = page.locator("html").get_attribute("lang", timeout=2000) or ""
        facts["title"] = redact(page.title())
        text = " ".join(page.locator("body").inner_text(timeout=2000).split())
        facts["text"] = redact(text[:TEXT_LIMIT])
    except PlaywrightError:
        pass  # a page that went away mid-way keeps what was read
    return facts


@dataclass
class Evidence:
    item: pytest.Item
    attempt: int = 1
    step: str = ""  # the scenario step running now (pytest-bdd tells us)
    taken: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def of(cls, item: pytest.Item) -> Evidence:
        if EVIDENCE_KEY not in item.stash:
            item.stash[EVIDENCE_KEY] = cls(item, getattr(item, "execution_count", 1))
        return item.stash[EVIDENCE_KEY]

    def capture(self, page: Page, moment: str, at_failure: bool = False, *, marked: str = "", also: str = "") -> None:
        """Screenshot the page as a person sees it now (after any navigation has loaded): the
        window's view, as the customer has it (half the cost of the whole page), and the
        whole page at a failure, where what lies below may explain it. ``marked`` says what
        the page object outlined (what this scenario did), ``also`` what else the page shows
        and why (data the person kept from earlier scenarios); the caption carries both."""
        folder = run_folder(self.item.config) / folder_for(self.item.nodeid, self.attempt)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{len(self.taken) + 1:02d}-{slug(moment)[:50]}.jpg"
        try:
            page.wait_for_load_state("load", timeout=5000 if at_failure else None)
            if not at_failure:  # a page a script builds after load is pictured once built (any test id shown)
                with contextlib.suppress(PlaywrightError):
                    page.locator("[data-testid]").first.wait_for(state="visible", timeout=2000)
            data = page.screenshot(path=path, full_page=at_failure, type="jpeg", quality=70)
        except PlaywrightError:
            return  # evidence is a courtesy: never fail a scenario for a missing picture
        picture: dict[str, Any] = {
            "caption": moment, "step": self.step, "path": path.relative_to(REPORTS_DIR).as_posix(),
            "sha256": sha256(data), "at_failure": at_failure, "taken_at": time.time(), **page_facts(page),
        }
        picture.update({k: v for k, v in (("marked", marked), ("also", also)) if v})
        small = thumbnail(data)
        if small is not None:
            thumb = path.with_name(path.stem + ".thumb.jpg")
            thumb.write_bytes(small)
            picture.update(thumb=thumb.relative_to(REPORTS_DIR).as_posix(), thumb_sha256=sha256(small))
        self.taken.append(picture)
        self.item.user_properties.append(("screenshot", f"{moment}|{picture['path']}"))


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> Evidence:
    return Evidence.of(request.node)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[EVIDENCE_KEY] = Evidence(item, getattr(item, "execution_count", 1))  # fresh for every attempt


def pytest_bdd_before_step(request: pytest.FixtureRequest, step: Any) -> None:
    Evidence.of(request.node).step = f"{step.keyword} {step.name}"


def pytest_bdd_step_error(request: pytest.FixtureRequest, step: Any) -> None:
    """The failing step's pictures, at the moment of failure: every page still open."""
    if "page" not in request.fixturenames:  # an API scenario, or no browser started yet
        return
    try:
        browser = request.getfixturevalue("page").context.browser
        pages = [p for context in (browser.contexts if browser else []) for p in context.pages if not p.is_closed()]
    except (PlaywrightError, pytest.FixtureLookupError):
        return
    evidence = Evidence.of(request.node)
    for number, page in enumerate(pages, 1):
        which = f" (browser {number} of {len(pages)})" if len(pages) > 1 else ""
        evidence.capture(page, f"when it went wrong: {step.keyword} {step.name}{which}", at_failure=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Every report carries the pictures taken so far (xdist carries them to the controller)."""
    report = yield
    if EVIDENCE_KEY in item.stash and item.stash[EVIDENCE_KEY].taken:
        report.pictures = list(item.stash[EVIDENCE_KEY].taken)
    return report
