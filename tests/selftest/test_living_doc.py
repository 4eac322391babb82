"""The living document says what happened, to a reader who never saw a terminal: one
run under ``-n 2`` with passing, failing, pending and known-exception checks (see
``living_doc_run.py``), then the HTML is read the way a person would.

What it costs to write is printed by the suite and measured by ``scripts/bench.py``;
the size and time budget of the main job's document is checked in
``test_living_doc_render.py``.
"""

from __future__ import annotations

import html
import re

import pytest

from suite.living_doc.features import load_features
from suite.living_doc.terms import used, visible_text
from suite.living_doc.words import PLAIN, limits_of, plain_requirement
from suite.requirements import catalog
from tests.selftest.living_doc_run import DocumentedRun, documented_run


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> DocumentedRun:
    return documented_run(tmp_path_factory)


def first_screen(run: DocumentedRun) -> str:
    """The text above the search bar: what a reader sees before scrolling."""
    above = re.sub(r"<style>.*?</style>", "", run.html[:run.html.index('<div class="toolbar">')], flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", above)))


def our_words(run: DocumentedRun) -> str:
    """The document's own words (the first screen and the requirements), not the Gherkin's."""
    start = run.html.index('id="requirements"')
    html = run.html[:run.html.index("</section>", start)]
    html = re.sub(r"<(style|script)>.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def block(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[html.rindex("<details", 0, start):html.index("</details>", start)]


def test_the_run_says_where_the_document_is_and_what_it_cost(run: DocumentedRun) -> None:
    assert re.search(r"living documentation: .*living\.html \(written in \d+\.\d\ds\)", run.stdout)


def test_it_opens_offline_from_disk(run: DocumentedRun) -> None:
    assert run.page.external == [], f"the document needs the network or other files: {run.page.external}"
    images = [src for src in run.page.images if src]  # the enlarged view gets its picture on a click
    assert images and all(src.startswith("data:image/") for src in images)
    pictures = [link for link in run.page.links if link.startswith("screenshots/")]
    assert pictures and all((run.out.parent / link).is_file() for link in pictures), "full pictures sit beside it"


def test_the_first_screen_gives_the_verdict_the_target_and_what_needs_a_decision(run: DocumentedRun) -> None:
    said = first_screen(run)
    found = re.search(r'<h1 id="verdict">(.*?)</h1>', run.html)
    assert found and 'class="verdict tone-red"' in run.html
    verdict = html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))
    assert re.match(r"\d of \d+ requirements failed: .*SUP-09 \(NOX offers only brands", verdict), verdict
    assert "SUP-14 (a device connected by two partner customers ends up with only the last one) is not checkable yet" \
        in verdict
    assert "CON-02 holds with 6 known exceptions" in verdict
    assert "Failed (" in said and "Connecting a device from the partner app offers only brands" in said
    assert "Checked against the built-in sandbox" in said and "no real system was touched" in said
    assert re.search(r"\d{4}, \d\d:\d\d UTC . took (less than a minute|about (a|\d+) minutes?) . code version [0-9a-f]{7}", said)
    assert "Since the previous run" in said and "No earlier run on record" in said
    assert "Needs a decision" in said and "Not checked (1)" in said and "SUP-14" in said
    assert re.search(r"Not checkable yet ?: NOX documents that when one device's owner links it", said)  # a term link
    assert "Known exceptions: CON-02" in said and "6 checks expected to fail" in said
    assert "should NOX be asked to fix them?" in said and "Owner: Tom de Vries" in said, "whose decision, by when"
    engineers = run.html[run.html.index('id="engineers"'):]  # the vendor's field names stay with the engineers
    assert "vendor page 003: request example omits required asset_type" in engineers, "each known exception says why"


def test_each_feature_has_its_narrative_and_its_flow(run: DocumentedRun) -> None:
    said = run.page.said
    for name, narrative in (
        ("Portal single sign-on", "The partner backend mints a magic link"),
        ("Connecting a heat pump or solar panels from the partner app", "The partner backend asks NOX for a link session"),
        ("Connecting the energy supplier from the manufacturer's app", "NOX shows an energy-supplier selector"),
    ):
        assert name in said and narrative in said, f"feature {name!r} or its narrative is missing"
    assert run.page.svgs == len(load_features()), "each feature should have one flow diagram"
    assert "Manufacturer" in run.html and "chooses the brand of her device" in said


def test_a_failed_scenario_is_open_with_what_went_wrong_and_the_step_that_failed(run: DocumentedRun) -> None:
    failed = block(run.html, "scn-test_connecting_a_device_from_the_partner_app_offers_only_brands_of_that_kind_of_device")
    assert failed.split(">")[0].endswith(" open"), "a failed scenario is open"
    assert 'badge b-failed">failed' in failed and "Went wrong at:</b> And no brand that makes only" in failed
    assert "expected no brand that makes only" in failed, "the failure should say what a person would have seen"
    assert 's-failed"><span class="kw">And</span> no brand that makes only' in failed


def test_a_passing_outline_shows_each_examples_pictures(run: DocumentedRun) -> None:
    passing = block(run.html, "scn-test_alice_connects_her_device_from_the_partner_app_and_sees_it_among_her_devices")
    assert 'badge b-passed">passed' in passing and " open" not in passing.split(">")[0]
    assert passing.count("<figcaption>her devices at the partner") == 2, "one picture per example, once"
    assert "<td>heat pump</td>" in passing and "<td>solar panels</td>" in passing


def test_the_requirements_table_lists_every_requirement_in_plain_words(run: DocumentedRun) -> None:
    table = run.html[run.html.index('id="requirements"'):]
    rows = re.findall(r'<tr data-filter data-flow="[^"]*" data-status="(\w+)"[^>]*><td><b>([A-Z]+-\d+)</b></td><td>(.*?)</td>',
                      table)
    assert [f"REQ-{r[1]}" for r in rows] == list(catalog()), "every requirement, in the order of the catalog"
    status = {r[1]: r[0] for r in rows}
    assert status["SUP-09"] == status["SUP-01"] == "failed" and status["SUP-14"] == "pending"
    assert status["SUP-15"] == status["MAN-02"] == "passed"
    assert status["MAN-06"] == "notrun"
    assert status["CON-02"] == "exceptions", "a requirement with expected failures is not shown as plainly passed"
    assert "proved, with known exceptions" in table and "6 known exceptions" in table
    unsaid = [r[1] for r in rows if r[1] not in PLAIN]
    assert not unsaid, f"requirements with no plain sentence in suite/living_doc/words.py: {unsaid}"
    limits = limits_of(run.record.run)
    assert all(visible_text(r[2]) == plain_requirement(r[1], "", limits) for r in rows), "each in plain words"


def test_words_for_a_reader_who_never_saw_a_terminal(run: DocumentedRun) -> None:
    said = our_words(run)
    for engineer_words in ("**", "`", "expires_at", "base64url", "x-api-key", "401", "supplier_user_id", "tests/"):
        assert engineer_words not in said, f"{engineer_words!r} belongs in the section for engineers"
    said_of_runs = re.sub(r"\b\d+ seconds (before|after)\b", "", said)  # a limit's edge is said in seconds
    assert not re.search(r"\d(\.\d+)? ?s\b|seconds", said_of_runs), "durations in minutes and hours, not seconds"
    examples = re.findall(r'<table class="examples">.*?</table>', run.html, flags=re.S)
    assert examples and not any(re.search(r"<td>\d+\.\d+ ?s</td>", table) for table in examples)
    for term in used(run.html):  # the glossary explains the words this document uses
        assert f'<dt id="{term.anchor}">{html.escape(term.word)}</dt>' in run.html
    assert "Our own app" in run.html
    engineers = run.html[run.html.index('id="engineers"'):]
    assert "<code>expires_at == created_at + 600</code>" in engineers, "the catalog's Markdown is rendered there"
    assert "test_api_contract" in engineers or "test_example_validates_against_its_schema" in engineers


def test_every_skip_and_known_exception_says_why(run: DocumentedRun) -> None:
    not_run = [t for t in run.record.tests if t.outcome in ("skipped", "pending", "xfailed")]
    assert len(not_run) >= 7, "the pending scenario and the six vendor disagreements"
    for test in not_run:
        assert test.reason and test.reason != "no reason given", test.nodeid
        assert test.reason.replace("'", "&#x27;") in run.html, f"{test.nodeid}: its reason is not in the document"
    pending = block(run.html, "scn-test_one_device_linked_under_two_partner_users_ends_with_only_the_last_one")
    assert "<b>Pending:</b> NOX documents that when one device" in pending


def test_search_and_filters_reach_every_scenario_and_requirement(run: DocumentedRun) -> None:
    for control in ('id="q"', 'id="flow"', 'id="status"', 'value="attention"'):
        assert control in run.html
    scenarios = re.findall(r'<details class="scn" id="scn-[^"]+" data-filter data-flow="(\w+)" data-status="(\w+)" '
                           r'data-search="([^"]*)"', run.html)
    assert len(scenarios) >= 60 and all(flow and status and search for flow, status, search in scenarios)
    assert "addEventListener('input',apply)" in run.html


def test_junit_names_target_commit_seed_and_each_tests_requirements(run: DocumentedRun) -> None:
    junit = (run.reports / "junit.xml").read_text()
    for name in ("target", "commit", "contract_seed"):
        assert f'<property name="{name}" value="' in junit
    assert '<property name="requirements" value="REQ-SUP-09' in junit
