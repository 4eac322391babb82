"""One documented run of the suite, shared by the living document's selftests.

Features and contract checks under ``-n 2`` with NOX's brand picker broken on purpose
(``nox-ui-shows-all-brands``), so the document has a failure to explain; outlines whose
examples look different (languages, device brands, refusal messages), a pending
scenario and the vendors' known exceptions (CON-02). Run once per selftest session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest

from suite.living_doc.record import RunRecord

ROOT = Path(__file__).resolve().parents[2]
SELECTION = ("REQ-SUP-09 or REQ-SUP-14 or REQ-SUP-15 or REQ-CON-02 or REQ-MAN-02 or REQ-SUP-08 "
             "or REQ-SUP-16")
FAULT = "nox-ui-shows-all-brands"


class Page(HTMLParser):
    """The parts of the document a reader meets: text, images, links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.external: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "svg":
            self.svgs += 1
        for name in ("src", "href"):
            value = values.get(name) or ""
            if value.startswith(("http:", "https:", "//")) and tag != "svg":
                self.external.append(f"{tag} {name}={value}")
        if tag == "link" or (tag == "script" and values.get("src")):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))

    @property
    def said(self) -> str:
        return " ".join(self.text)


@dataclass
class DocumentedRun:
    reports: Path
    out: Path
    html: str
    page: Page
    stdout: str
    record: RunRecord


_runs: dict[str, DocumentedRun] = {}


def documented_run(tmp_path_factory: pytest.TempPathFactory) -> DocumentedRun:
    if "run" in _runs:
        return _runs["run"]
    reports = tmp_path_factory.mktemp("reports")
    out = reports / "living.html"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/flows", "tests/contracts/test_vendor_examples.py", "-m", SELECTION,
         "-n", "2", "-q", "-p", "no:randomly", "--sandbox-fault", FAULT, "--living-doc", str(out),
         "--junitxml", str(reports / "junit.xml"), "--tracing", "retain-on-failure"],
        cwd=ROOT, env={**os.environ, "SUITE_REPORTS_DIR": str(reports)}, capture_output=True, text=True, timeout=900,
    )
    assert done.returncode == 1, f"the run should fail at the broken brand picker:\n{done.stdout[-3000:]}"
    assert out.exists(), f"no living document was written:\n{done.stdout[-2000:]}"
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    _runs["run"] = DocumentedRun(reports, out, html, page, done.stdout, RunRecord.load(reports / "run-record.json"))
    return _runs["run"]
