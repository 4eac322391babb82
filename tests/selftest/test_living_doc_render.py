"""The living document from run records made here: its size at the main job's scale,
flaky checks and vendor deviations on the first screen, reasons for every skip and
known exception, the collector's reading of pytest's reports, and the merge command.

No suite run needed: records, reports and pictures are made in the test.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import re
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from _pytest.reports import TestReport
from PIL import Image, ImageDraw

from suite.evidence import thumbnail
from suite.living_doc import write
from suite.living_doc.__main__ import main
from suite.living_doc.collect import Collector
from suite.living_doc.features import bound_function, load_features
from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.render import render

BUDGET = 1_500_000  # bytes: the main job's document
RUN = {"started": 1000.0, "finished": 1090.0, "commit": "abc1234", "code": "abc1234", "dirty": False,
       "target": {"name": "sandbox", "description": "Embedded sandbox", "embedded": True, "hosts": {}},
       "seed": 7, "selection": "", "faults": [], "workers": 2, "shards": 1}


def page_picture(folder: Path, name: str, seed: int) -> dict[str, str]:
    """A page-like screenshot (a card of text lines on a wide window), as evidence records it."""
    rng = random.Random(seed)
    image = Image.new("RGB", (1280, 900), (245, 247, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1280, 40), fill=(29, 39, 51))
    draw.rectangle((380, 80, 900, 80 + rng.randint(200, 600)), fill=(255, 255, 255))
    for line in range(rng.randint(6, 20)):
        words = " ".join(rng.choice(["Kies", "je", "energieleverancier", "Device", "not", "connected", "NOX"])
                         for _ in range(rng.randint(3, 9)))
        draw.text((400, 100 + 22 * line), words, fill=(30, 30, 30))
    data = io.BytesIO()
    image.save(data, "JPEG", quality=70)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.jpg").write_bytes(data.getvalue())
    small = thumbnail(data.getvalue())
    assert small is not None
    (folder / f"{name}.thumb.jpg").write_bytes(small)
    return {"caption": f"picture {name}", "step": "Then she sees it", "path": f"screenshots/{folder.name}/{name}.jpg",
            "sha256": hashlib.sha256(data.getvalue()).hexdigest(), "thumb": f"screenshots/{folder.name}/{name}.thumb.jpg",
            "thumb_sha256": hashlib.sha256(small).hexdigest(), "lang": "nl", "title": "t", "url": "", "text": words}


def main_job_record(reports: Path, pictures: int) -> RunRecord:
    """Every scenario of the features (three examples each), contract checks, and pictures."""
    tests, made = [], 0
    for feature in load_features():
        for template in feature.scenarios.values():
            tags = sorted(t for t in template.tags if t.startswith("REQ-"))
            for example in range(3 if template.examples else 1):
                nodeid = f"tests/flows/test_flows.py::{bound_function(template)}" + (f"[ex{example}]" if template.examples else "")
                test = TestRecord(nodeid, requirements=tags, scenario=template.name, flow=Path(feature.filename).stem,
                                  example={"language": f"ex{example}"} if template.examples else {})
                if made < pictures and "browser" in template.tags:
                    test.pictures = [page_picture(reports / "screenshots" / f"t{made}", "01-page", made)]
                    made += 1
                tests.append(test)
    tests += [TestRecord(f"tests/contracts/test_api_contracts.py::test_case[{n}]", requirements=["REQ-CON-01"],
                         flow="contracts", duration=0.1) for n in range(100)]
    while made < pictures:  # more pictures than browser scenarios: a second moment each
        test = tests[made % 60]
        test.pictures.append(page_picture(reports / "screenshots" / f"t{made}", "02-page", made))
        made += 1
    return RunRecord(run=dict(RUN), tests=tests, base=reports)


def test_the_main_jobs_document_stays_within_its_size(tmp_path: Path) -> None:
    record = main_job_record(tmp_path, pictures=130)  # twice what the main job takes (64)
    began = time.perf_counter()
    html = render(record, [], tmp_path / "living.html")
    took = time.perf_counter() - began
    embedded = html.count('src="data:image/jpeg')
    print(f"\nliving document at the main job's scale: {len(record.tests)} tests, {embedded} pictures, "
          f"{len(html) / 1e6:.2f} MB, rendered in {took:.2f} s")
    assert embedded == 130, "every picture is shown, once"
    assert len(html.encode()) <= BUDGET, f"{len(html.encode())} bytes: over the {BUDGET} the main job may take"


def doc(tmp_path: Path, tests: list[TestRecord], history: Path | None = None) -> str:
    out = tmp_path / "living.html"
    write(RunRecord(run=dict(RUN), tests=tests, base=tmp_path), out, history)
    return out.read_text()


def test_flaky_checks_and_vendor_deviations_are_on_the_first_screen(tmp_path: Path) -> None:
    soon, past = date.today() + timedelta(days=30), date.today() - timedelta(days=3)
    tests = [
        TestRecord("tests/flows/test_flows.py::test_a", requirements=["REQ-SUP-10"], scenario="A",
                   flaky="passed on retry 1; attempt 1 failed: timeout waiting for NOX"),
        TestRecord("tests/flows/test_flows.py::test_b", requirements=["REQ-SUP-09"], scenario="B",
                   deviations=[f"NOX-17: the brand list lacks Vaillant on staging (until {soon})"]),
        TestRecord("tests/flows/test_flows.py::test_c", outcome="skipped", requirements=["REQ-SUP-08"], scenario="C",
                   deviations=[f"NOX-21: Spanish pages are missing (until {past})"], reason="deviation NOX-21"),
    ]
    html = doc(tmp_path, tests)
    first = html[:html.index('<div class="toolbar">')]
    assert "SUP-10 passed only on a retry" in first and "Flaky (1)" in first
    assert "timeout waiting for NOX" in first, "the flaky check says how it failed first"
    assert "Known vendor deviations (2)" in first
    assert f"Accepted until {soon} (30 days left)" in first
    assert f"Accepted until {past}: 3 days overdue, fix it or extend it." in first
    status = re.search(r'data-status="(\w+)" data-search="[^"]*"><td><b>SUP-09</b>', html)
    assert status and status.group(1) == "exceptions", "a deviation is not a plain pass"
    assert "tone-amber" in html, "flaky is not a plain pass"


def test_a_check_skipped_without_a_reason_says_so(tmp_path: Path) -> None:
    collector = Collector(tmp_path, tmp_path)
    nodeid = "tests/flows/test_flows.py::test_skipped"
    collector.absorb(TestReport(nodeid, ("f", 1, "t"), {"REQ-SUP-12": 1}, "skipped", ("f", 1, "Skipped: "), "setup"))
    assert collector.records()[0].reason == "no reason given"
    assert "no reason given" in doc(tmp_path, collector.records())


def report(nodeid: str, outcome: str, when: str = "call", longrepr: object = None, **extra: object) -> TestReport:
    made = TestReport(nodeid, ("f", 1, "t"), {"REQ-CON-02": 1}, outcome, longrepr, when,
                      user_properties=list(extra.pop("user_properties", [])))  # type: ignore[arg-type]
    made.__dict__.update(extra)
    return made


def test_the_collector_keeps_each_outcome_and_its_reason() -> None:
    collector = Collector(Path("/r"), Path("/r"))
    collector.absorb(report("t::skip_xdist", "skipped", longrepr=["f.py", 3, "Skipped: needs 11 minutes to pass"]))
    collector.absorb(report("t::pending", "skipped", longrepr=("f.py", 3, "pending: no endpoint shows it")))
    collector.absorb(report("t::xfail", "skipped", longrepr="AssertionError", wasxfail="vendor page 003: no asset_type"))
    collector.absorb(report("t::retry", "rerun", longrepr="AssertionError: timeout",
                            pictures=[{"path": "screenshots/a/01.jpg", "caption": "first try"}]))
    collector.absorb(report("t::retry", "passed", user_properties=[("flaky", "passed on retry 1"),
                                                                   ("deviation", "NOX-1: slow (until 2099-01-01)")],
                            pictures=[{"path": "screenshots/a-retry1/01.jpg", "caption": "second try"}]))
    tests = {t.nodeid.split("::")[1]: t for t in collector.records()}
    assert (tests["skip_xdist"].outcome, tests["skip_xdist"].reason) == ("skipped", "needs 11 minutes to pass")
    assert (tests["pending"].outcome, tests["pending"].reason) == ("pending", "no endpoint shows it")
    assert (tests["xfail"].outcome, tests["xfail"].reason) == ("xfailed", "vendor page 003: no asset_type")
    retry = tests["retry"]
    assert retry.outcome == "passed" and retry.flaky == "passed on retry 1" and "timeout" in retry.first_failure
    assert [p["caption"] for p in retry.pictures] == ["second try"], "only the last attempt's pictures"
    assert retry.deviations == ["NOX-1: slow (until 2099-01-01)"]


def test_records_merge_into_one_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A smoke test of the seam for a sharded main job (its selftest belongs to the sharding)."""
    shards = []
    for number in (1, 2):
        reports = tmp_path / f"shard{number}"
        test = TestRecord(f"tests/flows/test_flows.py::test_{number}", requirements=["REQ-SUP-15"], scenario=f"S{number}",
                          pictures=[page_picture(reports / "screenshots" / "t", "01-page", number)])
        RunRecord(run={**RUN, "started": 1000.0 * number}, tests=[test], base=reports).save(reports / "run-record.json")
        shards.append(str(reports / "run-record.json"))
    out = tmp_path / "merged" / "living.html"
    assert main(["merge", *shards, "-o", str(out), "--record", str(out.parent / "run-record.json")]) == 0
    merged = json.loads((out.parent / "run-record.json").read_text())
    assert [t["nodeid"][-6:] for t in merged["tests"]] == ["test_1", "test_2"] and merged["run"]["shards"] == 2
    assert merged["tests"][0]["pictures"][0]["path"] == "../shard1/screenshots/t/01-page.jpg"
    html = out.read_text()
    assert html.count('src="data:image/jpeg') == 2 and 'href="../shard2/screenshots/t/01-page.jpg"' in html
    assert main(["merge", str(tmp_path / "nothing.json"), "-o", str(out)]) == 2
    assert "not a readable run record" in capsys.readouterr().err
