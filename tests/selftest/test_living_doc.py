"""The living document says what happened: one run under ``-n 2`` with a passing, a
failing, a pending and a contract test, then the HTML is read the way a person would.

The run breaks NOX's brand picker on purpose (``nox-ui-shows-all-brands``) so that the
document has a failure to explain. What it costs to write is printed by the suite and
measured by ``scripts/bench.py``, not asserted here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from suite.requirements import catalog

ROOT = Path(__file__).resolve().parents[2]
SELECTION = "REQ-SUP-09 or REQ-SUP-14 or REQ-SUP-15 or REQ-CON-02"


class Page(HTMLParser):
    """The parts of the document a reader meets: text, images, links, scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.external: list[str] = []
        self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src") or "")
        if tag == "svg":
            self.svgs += 1
        for name in ("src", "href"):
            value = values.get(name) or ""
            if re.match(r"(https?:)?//", value) and tag != "svg":
                self.external.append(f"{tag} {name}={value}")
        if tag in ("script", "link"):
            self.external.append(tag)

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Page, str]:
    reports = tmp_path_factory.mktemp("reports")
    out = reports / "living.html"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/flows", "tests/contracts/test_vendor_examples.py", "-m", SELECTION,
         "-n", "2", "-q", "-p", "no:randomly", "--sandbox-fault", "nox-ui-shows-all-brands",
         "--living-doc", str(out)],
        cwd=ROOT, env={**os.environ, "SUITE_REPORTS_DIR": str(reports)}, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 1, f"the run should fail at the broken brand picker:\n{done.stdout[-3000:]}"
    assert out.exists(), f"no living document was written:\n{done.stdout[-2000:]}"
    html = out.read_text(encoding="utf-8")
    page = Page()
    page.feed(html)
    return html, page, done.stdout


def text(page: Page) -> str:
    return " ".join(page.text)


def test_the_run_says_where_the_document_is_and_what_it_cost(document: tuple[str, Page, str]) -> None:
    assert re.search(r"living documentation: .*living\.html \(written in \d+\.\d\ds\)", document[2])


def test_it_opens_offline_from_disk(document: tuple[str, Page, str]) -> None:
    _, page, _ = document
    assert page.external == [], f"the document needs the network or other files: {page.external}"
    assert page.images and all(src.startswith("data:image/") for src in page.images)


def test_each_feature_has_its_narrative_and_its_flow(document: tuple[str, Page, str]) -> None:
    html, page, _ = document
    said = text(page)
    for name, narrative in (
        ("Portal single sign-on", "The partner backend mints a magic link"),
        ("Connecting a heat pump or solar panels from the partner app", "The partner backend asks NOX for a link session"),
        ("Connecting the energy supplier from the manufacturer's app", "NOX shows an energy-supplier selector"),
    ):
        assert name in said and narrative in said, f"feature {name!r} or its narrative is missing"
    assert page.svgs == 3, "each feature should have one flow diagram"
    assert "Manufacturer" in html and "chooses the brand of her device" in said


def test_the_header_names_target_commit_time_and_totals(document: tuple[str, Page, str]) -> None:
    said = text(document[1])
    assert re.search(r"Target sandbox: Embedded sandbox", said)
    assert re.search(r"commit [0-9a-f]{7}", said)
    assert re.search(r"run \d{4}-\d\d-\d\d \d\d:\d\d", said)
    assert re.search(r"\d+ passed", said) and re.search(r"\d+ failed", said)


def scenario_block(html: str, name: str) -> str:
    start = html.index(f"{name} ")
    return html[start:html.index("</details>", start)]


def test_a_failed_scenario_is_open_with_what_went_wrong_and_the_step_that_failed(document: tuple[str, Page, str]) -> None:
    html = document[0]
    name = "Connecting a device from the partner app offers only brands of that kind of device"
    block = html[html.rindex("<details", 0, html.index(name)):]
    block = block[:block.index("</details>")]
    assert block.startswith('<details class="scenario"') and " open>" in block.split("\n")[0][:200]
    assert "b-failed" in block and "What went wrong" in block
    assert "expected no brand that makes only" in block, "the failure should say what a person would have seen"
    assert 's-failed"><span class="kw">And</span> no brand that makes only' in block


def test_a_passing_browser_scenario_shows_its_screenshots(document: tuple[str, Page, str]) -> None:
    block = scenario_block(document[0], "Alice connects her device from the partner app and sees it among her devices")
    assert "b-passed" in block
    assert "<figcaption>her devices at the partner (heat pump)</figcaption>" in block
    assert 'src="data:image/jpeg;base64,' in block


def test_the_requirements_table_lists_every_requirement_with_its_status(document: tuple[str, Page, str]) -> None:
    html = document[0]
    table = html[html.index('<section id="requirements">'):]
    rows = re.findall(r"<tr><td><b>([A-Z]+-\d+)</b></td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>", table)
    assert [f"REQ-{r[0]}" for r in rows] == list(catalog()), "every requirement, in the order of requirements.md"
    status = {r[0]: r[2] for r in rows}
    assert "b-failed" in status["SUP-09"]
    assert "b-passed" in status["SUP-15"]
    assert "b-pending" in status["SUP-14"] or "b-skipped" in status["SUP-14"]
    assert "not run" in status["MAN-06"]
    assert "b-xfailed" in status["CON-02"] or "b-passed" in status["CON-02"]


def test_the_pending_scenario_says_why(document: tuple[str, Page, str]) -> None:
    block = scenario_block(document[0], "One device linked under two partner users ends with only the last one")
    assert "No endpoint NOX offers a supplier shows" in block
    assert re.search(r'class="(pending|skipped)">(Pending|Skipped): ', block)
