"""Evidence that cannot lie: each picture belongs to the scenario example and the
moment it captions, once.

Outlines whose examples look different are compared with what each picture recorded
when it was taken (the page's ``<html lang>`` and visible text): the energy-supplier
selector and the manufacturer's sign-in page per language, the partner's device list
per device kind, the partner's refusal per kind of broken link data. The picture files
are bound to those records by their SHA-256; swapping two examples' files, or their
records, is caught.
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from suite.living_doc.record import RunRecord, TestRecord, picture_problem
from suite.living_doc.render import render
from suite.living_doc.words import LANGUAGE_CODES
from suite.target import load
from tests.selftest.living_doc_run import DocumentedRun, documented_run

# Words the partner's refusal must contain for each kind of broken link data.
REFUSALS = {
    "that is not base64url": "not base64url:",
    "that is base64url but not JSON": "decode",
    "that is JSON but not an object": "not an object",
    "without devices": "device_ids",
    "whose devices are not a list": "list",
    "without a NOX user": "nox_user_id",
    "whose connection time is not a number": "connected_at",
    "with base64 padding": "'='",
}
DEVICE_KINDS = {"heat pump": "hp", "solar panels": "pv"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> DocumentedRun:
    return documented_run(tmp_path_factory)


def example_problems(test: TestRecord) -> list[str]:
    """Where a picture's recorded page contradicts the example it is captioned with."""
    problems = []
    brands = load("sandbox").brands
    for picture in test.pictures:
        if picture.get("at_failure"):
            continue
        said, lang, where = str(picture.get("text", "")).lower(), picture.get("lang"), f"{test.name}: {picture['caption']}"
        language = test.example.get("language")
        if language and lang != LANGUAGE_CODES[language]:
            problems.append(f"{where}: the page is in {lang!r}, the example says {language}")
        device = test.example.get("device")
        if device and "devices at the partner" in picture["caption"]:
            brand = brands[DEVICE_KINDS[device]].brand
            if f"connected 1 {brand} device" not in said:
                problems.append(f"{where}: the page does not say a {brand} device was connected ({said[:120]!r})")
        defect = test.example.get("defect")
        if defect and REFUSALS[defect].lower() not in said:
            problems.append(f"{where}: the refusal does not say {REFUSALS[defect]!r} ({said[:160]!r})")
    return problems


def outline_examples(record: RunRecord, *columns: str) -> dict[str, list[TestRecord]]:
    found: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        if any(c in test.example for c in columns) and test.pictures:
            found[test.scenario].append(test)
    return found


def test_every_picture_is_taken_once_in_a_file_of_its_own(run: DocumentedRun) -> None:
    paths = [p["path"] for t in run.record.tests for p in t.pictures]
    assert len(paths) >= 20, f"the selection should take many pictures, took {len(paths)}"
    assert len(paths) == len(set(paths)), "two pictures share a file, or one picture is listed twice"
    problems = [f"{t.name}: {p['caption']}: {why}" for t in run.record.tests for p in t.pictures
                for why in [picture_problem(run.record, p), picture_problem(run.record, p, "thumb")] if why]
    assert not problems, problems
    shown = [src for src in run.page.images if src.startswith("data:image/jpeg")]
    assert len(shown) == len(paths), "each picture appears once in the document"


def test_outline_pictures_show_their_own_example(run: DocumentedRun) -> None:
    outlines = outline_examples(run.record, "language", "device", "defect")
    assert {"The link opens the energy-supplier selector, which offers the partner",
            "The link opens NOX and the manufacturer's sign-in in the language asked for",
            "Alice connects her device from the partner app and sees it among her devices",
            "The partner refuses link data that is broken, and stores nothing"} <= set(outlines)
    problems = [p for tests in outlines.values() for t in tests for p in example_problems(t)]
    assert not problems, "\n".join(problems)
    for scenario, tests in outlines.items():  # and the examples' pictures differ from each other
        for caption in {p["caption"] for t in tests for p in t.pictures if not p.get("at_failure")}:
            texts = [p["text"] for t in tests for p in t.pictures if p["caption"] == caption]
            if len(texts) > 1 and scenario.startswith(("The link opens", "Alice connects", "The partner refuses")):
                assert len(set(texts)) == len(texts), f"{scenario}: two examples show the same page at {caption!r}"


def swap(record: RunRecord, a: TestRecord, b: TestRecord, key: str) -> None:
    pa, pb = a.pictures[0], b.pictures[0]
    if key == "files":
        for name in ("path", "thumb"):
            one, other = record.path_of(pa[name]), record.path_of(pb[name])
            spare = one.with_suffix(".swap")
            one.rename(spare)
            other.rename(one)
            spare.rename(other)
    else:
        a.pictures[0], b.pictures[0] = pb, pa


@pytest.mark.parametrize("what", ["files", "records"])
def test_two_examples_pictures_swapped_are_caught(run: DocumentedRun, tmp_path: Path, what: str) -> None:
    copy = tmp_path / "reports"
    shutil.copytree(run.reports, copy, ignore=shutil.ignore_patterns("playwright"))
    record = RunRecord.load(copy / "run-record.json")
    tests = {t.example.get("language"): t for t in record.tests
             if t.scenario == "The link opens the energy-supplier selector, which offers the partner"}
    swap(record, tests["Dutch"], tests["French"], what)
    if what == "files":
        withheld = [t.example["language"] for t in record.tests for p in t.pictures if picture_problem(record, p)]
        assert sorted(withheld) == ["Dutch", "French"], "a picture file that is not the one taken must be caught"
        html = render(record, [], copy / "living.html")
        assert "2 pictures could not be verified" in html and "Pictures withheld" in html
    else:
        problems = example_problems(tests["Dutch"]) + example_problems(tests["French"])
        assert len(problems) == 2 and "the example says Dutch" in problems[0], problems


def test_a_failing_step_is_pictured_when_it_failed_with_its_trace_linked(run: DocumentedRun) -> None:
    failed = [t for t in run.record.tests if t.outcome == "failed"]
    assert failed, "the broken brand picker should fail a scenario"
    for test in failed:
        at_failure: list[dict[str, Any]] = [p for p in test.pictures if p.get("at_failure")]
        assert at_failure, f"{test.name}: no picture at the moment of failure"
        assert at_failure[0]["step"] == test.failed_step, "the picture is of the step that failed"
        assert test.failed_step in at_failure[0]["caption"]
    block = run.html[run.html.index('id="scn-test_connecting_a_device_from_the_partner_app_offers_only_brands_of_that'):]
    block = block[:block.index("</details>")]
    assert "when it went wrong: And no brand that makes only" in block
    assert 'class="shot failed"' in block, "the failure picture is marked as such"
    trace = next(t for t in failed if t.artifacts.get("trace")).artifacts["trace"][0]
    assert Path(trace).is_file() and "the trace (every click, request and page, step by step)" in block
