"""Evidence a product owner can release on (issue #24), from documents rendered here:

1. each picture shows its own scenario (what it did outlined, what else is there said);
2. every time limit and count a requirement speaks of has this target's value;
3. one way of counting on screen one (requirements, scenarios, examples) that adds up;
4. plain words: every listed term the reader's part uses is in the glossary, and only those;
5. "needs a decision" names each item's owner and date (the profile's [owners], [reviews]);
6. a release answer: a real target's from the history within the proof window, the
   sandbox's saying it is none.

No suite run: records and history are made in the test; one Chromium page for the picture.
"""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image
from playwright.sync_api import Page

import suite.evidence as evidence_module
from steps.pages.partner_devices import PartnerDevices
from steps.pictures import capture_devices
from suite.living_doc import history as hist
from suite.living_doc import terms
from suite.living_doc.features import bound_function, load_features
from suite.living_doc.profile_facts import proof_window_nights
from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.render import render
from suite.living_doc.words import PLAIN
from suite.requirements import catalog
from suite.target import TargetError, load
from tests.selftest.test_living_doc_render import RUN, main_job_record

LIMITS = {"magic_link": 420, "portal_session": 28800, "link_session": 600, "sign_in_window": 900,
          "brands_hp": 23, "brands_pv": 33, "edge": 10}
OWNERS = {"vendors": {"nomos": "Priya (Nomos contact)", "nox": "Tom (NOX contact)"},
          "families": {"SSO": "Priya (portal)", "SUP": "Sanne (devices)", "MAN": "Sanne (devices)",
                       "CON": "Tom (contracts)", "SEC": "Lars (security)"}}


def target_run(embedded: bool = False, **extra: object) -> dict[str, object]:
    target = {"name": "sandbox" if embedded else "staging", "description": "d", "embedded": embedded, "hosts": {},
              "limits": LIMITS, "owners": OWNERS, "reviews": {}, "proof_window_nights": 7, **extra}
    return {**RUN, "target": target, "started": time.time() - 90, "finished": time.time()}


def readers_text(html: str) -> str:
    return terms.visible_text(terms.readers_part(html))


# ------------------------------------------------------------------ 1. each picture its own scenario


def test_a_picture_of_a_person_who_kept_other_devices_marks_this_scenarios_and_names_the_rest(
        page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> None:
    from sandbox.parties.partner_app.devices import devices_page
    from sandbox.seed import PartnerUser

    monkeypatch.setattr(evidence_module, "REPORTS_DIR", tmp_path)
    monkeypatch.setattr(evidence_module, "SCREENSHOTS_DIR", tmp_path / "screenshots")
    alice = PartnerUser(id="usr_alice", email="a@x", password_env="P", name="Alice Janssen", nomos_customer_id="c")
    kept = {"vaillant": ["vaillant-hp-0001"], "sma": ["sma-pv-0001"], "daikin": ["daikin-hp-0001"]}
    partner = SimpleNamespace(state=SimpleNamespace(devices={alice.id: kept}, nox_user_ids={}), supplier_name="Helios")
    page.set_content(devices_page(partner, alice, "Connected 1 daikin device").body.decode())  # the sandbox's own page
    devices = PartnerDevices(page, load("sandbox"))
    evidence = evidence_module.Evidence(request.node)
    capture_devices(evidence, devices, devices.listed(), ["daikin-hp-0001"], "Alice", "her devices at the partner")

    picture = evidence.taken[0]
    assert picture["marked"] == "the daikin device this scenario connected (daikin-hp-0001)"
    assert picture["also"].startswith("2 other devices Alice connected before this scenario: vaillant-hp-0001 "
                                      "(vaillant), sma-pv-0001 (sma). The partner app keeps every device")
    outlined = page.get_by_test_id("device").evaluate_all("els => els.map(e => e.closest('li').style.outlineStyle)")
    assert outlined == ["", "", "solid"], "only the device this scenario connected is outlined"
    with Image.open(tmp_path / picture["path"]) as shot:  # and the outline is in the picture itself
        colours = shot.convert("RGB").getcolors(1 << 24) or []
    amber = sum(n for n, (r, g, b) in colours if r > 190 and 90 < g < 150 and b < 60)
    assert amber > 200, f"the outline is not in the picture ({amber} amber pixels)"

    test = TestRecord("tests/flows/test_flows.py::test_x", requirements=["REQ-SUP-15"], scenario="X",
                      pictures=[picture])
    html = render(RunRecord(run=target_run(True), tests=[test], base=tmp_path), [], tmp_path / "living.html")
    caption = re.search(r'<figure class="shot told">.*?<figcaption>(.*?)</figcaption>', html, flags=re.S)
    assert caption, "the picture is shown with its marks told"
    said = terms.visible_text(caption.group(1))
    assert "her devices at the partner" in said
    assert "Outlined in amber: the daikin device this scenario connected (daikin-hp-0001)." in said
    assert "Also shown: 2 other devices Alice connected before this scenario" in said


# ------------------------------------------------------------------ 2. numbers from the profile


def test_every_limit_a_requirement_speaks_of_says_this_targets_value(tmp_path: Path) -> None:
    timed = [rid for rid, text in PLAIN.items() if re.search(r"minute|hour|second|time|lifetime|window|until|brands",
                                                               text)]
    untimed = ("SUP-06", "SUP-09", "SEC-10", "SEC-12")  # "language", "brands that make", "at the same time", "never"
    hedged = [rid for rid in timed if "{" not in PLAIN[rid] and rid not in untimed]
    assert not hedged, f"plain sentences that speak of a limit without the target's number: {hedged}"
    tests = [TestRecord(f"tests/flows/test_flows.py::test_{n}", requirements=[f"REQ-{rid}"], scenario=rid)
             for n, rid in enumerate(["SSO-10", "SSO-08", "SEC-02", "SEC-13", "MAN-06"])]
    html = render(RunRecord(run=target_run(), tests=tests, base=tmp_path), [], tmp_path / "living.html")
    table = readers_text(html[html.index('id="requirements"'):])
    assert "A link works for 7 minutes on this target; after that it signs nobody in." in table
    assert "for 8 hours on this target" in table
    assert "A sign-in link still works 10 seconds before its 7 minutes on this target are up" in table
    assert "all 23 heat pump brands and 33 solar brands" in table
    assert "within 15 minutes on this target" in table
    for hedge in ("short time", "a target setting", "until the session ends", "just before", "{"):
        assert hedge not in readers_text(html), f"{hedge!r} instead of a number"
    scenario = next(b for b in re.findall(r'<details class="scn".*?</details>', html, flags=re.S)
                    if "A magic link is refused a few seconds after its lifetime is over" in b)
    assert "On this target: a magic link works for 7 minutes; \u201ca few seconds\u201d is 10 seconds." in \
        terms.visible_text(scenario)


# ------------------------------------------------------------------ 3. one way of counting


def test_screen_one_counts_requirements_then_scenarios_then_examples_as_the_sections_list(tmp_path: Path) -> None:
    record = main_job_record(tmp_path, pictures=0)
    record.run = target_run(True)
    for test in record.tests:
        if test.function.endswith("two_partner_users_ends_with_only_the_last_one"):
            test.outcome, test.reason = "xfailed", "a known mistake in the vendor's example"
    record.tests = [t for t in record.tests if "sign_in_page" not in t.function]  # some scenarios not in this run
    record.tests += [TestRecord(f"tests/contracts/test_vendor_examples.py::test_example[nox-{n}]", outcome="xfailed",
                                requirements=["REQ-CON-02"], flow="contracts", reason="a mistake in NOX's example")
                     for n in range(3)]
    html = render(record, [], tmp_path / "living.html")
    numbers = re.search(r'<div class="card" id="numbers">.*?</div>', html, flags=re.S)
    assert numbers
    said = {key: int(n) for key, n in re.findall(r'data-count="(\w+)">(\d+) ', numbers.group(0))}
    table = re.search(r'<section class="box" id="requirements"[^>]*>.*?</section>', html, flags=re.S)
    assert table  # the requirements table (the proof-over-nights table below it lists them again)
    requirement_rows = re.findall(r"<tr data-filter[^>]*><td><b>[A-Z]{3}-\d\d</b>", table.group(0))
    assert said["requirements"] == len(requirement_rows) == len(catalog())
    blocks = re.findall(r'<details class="scn" id="scn-', html)
    sections = [(int(s), int(e)) for s, e in re.findall(r'<p class="note">(\d+) scenarios? \((\d+) examples?\)', html)]
    assert said["scenarios"] == len(blocks) == sum(s for s, _ in sections), "scenarios: screen one = the sections"
    ran = [t for t in record.tests if t.is_scenario]
    assert said["examples"] == len(ran) == sum(e for _, e in sections), "examples: screen one = the sections"
    verdict = terms.visible_text(re.search(r'<h1 id="verdict">.*?</h1>', html, flags=re.S).group(0))
    plainly = sum(1 for k in re.findall(r'data-status="(\w+)"[^>]*><td><b>[A-Z]{3}-\d\d', table.group(0)) if k == "passed")
    assert verdict.startswith(f"{plainly} of {len(catalog())} requirements were proved"), verdict
    assert "CON-02 holds with" in verdict, "a requirement with exceptions is said apart, not counted as proved"


# ------------------------------------------------------------------ 4. plain words


ISSUE_TERMS = ("mints", "access token", "client secret", "client credentials", "deep link", "protocol-relative address",
               "percent-encoded", "double-encoded slashes", "control characters", "HttpOnly", "SameSite", "Secure",
               "base64url", "padding", "UTF-8", "Unix seconds", "JSON", "callback", "hand-off", "post-login redirect",
               "off-by-ones", "fuzzed", "vendored", "schema", "5xx", "401", "asset_type", "contract seed", "commit",
               "workers", "ASVS V3.4.1", "RFC 6265bis", "WHATWG")


def test_the_maintained_list_holds_the_issues_terms() -> None:
    unlisted = [word for word in ISSUE_TERMS if not any(t.regex.search(word) for t in terms.TERMS)]
    assert not unlisted, f"terms of issue #24 missing from suite/living_doc/terms.py: {unlisted}"


def test_every_listed_term_the_reader_meets_is_in_the_glossary_and_only_those(tmp_path: Path) -> None:
    record = main_job_record(tmp_path, pictures=0)  # every scenario the features tell
    html = render(record, [], tmp_path / "living.html")
    assert terms.unexplained(html) == []
    used = {t.anchor for t in terms.used(html)}
    glossary = set(re.findall(r'<dt id="(g-[^"]+)">', html))
    assert glossary == used, f"glossary words this document does not use: {sorted(glossary - used)}"
    linked = set(re.findall(r'<a class="term" href="#(g-[^"]+)"', html))
    assert len(linked) >= len(used) - 5 and linked <= used, "each used term is linked where first met outside diagrams"
    text = readers_text(html)
    for word in ("commit", "contract seed", "workers"):  # the engineers' section's words stay there
        assert not re.search(rf"\b{word}\b", text, flags=re.I), word
    for gone in ("completed_at", "elided illustration", "(each example counts)"):
        assert gone not in text


def test_the_check_fails_on_a_listed_term_without_a_glossary_entry() -> None:
    html = ('<main><p>The portal cookie is HttpOnly.</p><section class="box" id="glossary"><dl></dl></section>'
            '<section class="box" id="engineers"><p>commit abc, seed 7</p></section></main>')
    assert sorted(terms.unexplained(html)) == ["Cookie", "HttpOnly"]
    assert sorted(t.word for t in terms.glossary_entries(html)) == ["Cookie", "HttpOnly"], "not the engineers' words"


def test_the_glossary_leaves_out_words_the_run_never_uses(tmp_path: Path) -> None:
    tests = [TestRecord("tests/flows/test_flows.py::test_a", requirements=["REQ-SSO-09"], scenario="A")]
    html = render(RunRecord(run=target_run(True), tests=tests, base=tmp_path), [], tmp_path / "living.html")
    glossary = re.findall(r'<dt id="g-[^"]+">([^<]+)</dt>', html)
    for unused in ("Flaky", "Skipped", "Vendor deviation"):
        assert unused not in glossary, f"{unused} is explained though this run never uses it"


# ------------------------------------------------------------------ 5. owners and dates


def profile(tmp_path: Path, extra: str) -> Path:
    text = Path("targets/sandbox.toml").read_text()
    text = text[:text.index("[owners.vendors]")] if "[owners.vendors]" in text else text
    path = tmp_path / "owned.toml"
    path.write_text(text + extra)
    return path


def test_the_profile_names_owners_and_review_dates_and_refuses_bad_ones_in_one_line(tmp_path: Path) -> None:
    good = profile(tmp_path, '[owners.vendors]\nnox = "Tom"\n[owners.families]\nSUP = "Sanne"\n[reviews]\nSUP-14 = 2027-01-15\n')
    target = load(str(good))
    assert target.owners.vendors == {"nox": "Tom"} and target.owners.families == {"SUP": "Sanne"}
    assert target.owners.reviews == {"SUP-14": date(2027, 1, 15)}
    assert proof_window_nights(target) == 7, "the proof window's default"
    for bad, says in (('[owners.vendors]\nacme = "X"\n', "owners.vendors.acme"),
                      ('[owners.families]\nSUP = ""\n', "owners.families.SUP"),
                      ('[reviews]\nSUP-14 = "soon"\n', "reviews.SUP-14"),
                      ('[reviews]\nsupport = 2027-01-01\n', "reviews.support"),
                      ('[nightly]\nproof_window_nights = 0\n', "nightly.proof_window_nights")):
        with pytest.raises(TargetError) as refused:
            proof_window_nights(load(str(profile(tmp_path, bad))))
        message = str(refused.value)
        assert says in message and "\n" not in message and "see targets/staging.example.toml" in message, message


def test_each_decision_names_its_owner_and_its_date(tmp_path: Path) -> None:
    soon, past = date.today() + timedelta(days=30), date.today() - timedelta(days=3)
    tests = [
        TestRecord("tests/flows/test_flows.py::test_b", requirements=["REQ-SUP-09"], scenario="B",
                   deviations=[f"NOX-17: the brand list lacks Vaillant on staging (until {soon})"]),
        TestRecord("tests/flows/test_flows.py::test_c", outcome="pending", requirements=["REQ-SUP-14"], scenario="C",
                   reason="NOX offers no way to see it"),
        TestRecord("tests/flows/test_flows.py::test_d", outcome="skipped", requirements=["REQ-SSO-12"], scenario="D",
                   reason="no invoice on this target"),
        TestRecord("tests/contracts/test_vendor_examples.py::test_e[nomos-token-example]", outcome="xfailed",
                   requirements=["REQ-CON-02"], reason="vendor page 002: the example lacks expires_in"),
    ]
    run = target_run(reviews={"SUP-14": soon.isoformat(), "CON-02": past.isoformat()})
    html = render(RunRecord(run=run, tests=tests, base=tmp_path), [], tmp_path / "living.html")
    card = terms.visible_text(re.search(r"<h2>Needs a decision</h2>.*?</div>\s*<div class=\"card\" id=\"numbers\">",
                                        html, flags=re.S).group(0))
    assert f"NOX-17 the brand list lacks Vaillant on staging. SUP-09 Owner: Tom (NOX contact) \u00b7 Accepted until " \
           f"{soon} (30 days left)." in card, card
    assert f"Owner: Sanne (devices) \u00b7 Review by {soon} (30 days left)." in card
    assert "SSO-12" in card and "Owner: Priya (portal) \u00b7 No review date (set [reviews] SSO-12 = YYYY-MM-DD" in card
    assert "should Nomos be asked to fix it? Owner: Priya (Nomos contact) \u00b7 Review by " \
           f"{past}: 3 days overdue" in card
    unowned = target_run()
    unowned["target"]["owners"] = {}  # type: ignore[index]
    html = render(RunRecord(run=unowned, tests=tests[1:2], base=tmp_path), [], tmp_path / "living.html")
    assert "No owner named (set [owners.families] SUP in the target profile)" in terms.visible_text(html)


# ------------------------------------------------------------------ 6. the release answer


def entry(at: float, states: dict[str, str], target: str = "staging") -> hist.Entry:
    return hist.Entry(at=at, commit="c", code="c", target=target, requirements=states)


def release(html: str) -> str:
    return terms.visible_text(re.search(r'<section class="release.*?</section>', html, flags=re.S).group(0))


def test_a_real_target_is_ready_to_release_only_when_every_requirement_was_proved_within_the_window(
        tmp_path: Path) -> None:
    everything = list(catalog())
    now = time.time()
    tonight = [TestRecord("tests/flows/test_flows.py::test_a", requirements=["REQ-SSO-09"], scenario="A")]
    history = [entry(now - 2 * 86400, {t: "p" for t in everything})]
    html = render(RunRecord(run=target_run(), tests=tonight, base=tmp_path), history, tmp_path / "living.html")
    assert release(html).startswith(f"Release Ready to release: all {len(everything)} requirements were proved on "
                                    "staging within the last 7 nights."), release(html)

    old = [entry(now - 9 * 86400, {"REQ-SUP-14": "p"}), entry(now - 2 * 86400,
                                                               {t: "p" for t in everything if t != "REQ-SUP-14"})]
    html = render(RunRecord(run=target_run(), tests=tonight, base=tmp_path), old, tmp_path / "living.html")
    said = release(html)
    assert "Not ready to release: 1 of" in said and "SUP-14" in said and "not checked on staging in the last 7 nights" \
        in said, said
    elsewhere = [entry(now - 86400, {t: "p" for t in everything}, target="staging-2")]
    html = render(RunRecord(run=target_run(), tests=tonight, base=tmp_path), elsewhere, tmp_path / "living.html")
    assert "Not ready to release" in release(html), "another target's runs prove nothing here"

    failing = [TestRecord("tests/flows/test_flows.py::test_a", outcome="failed", requirements=["REQ-SSO-09"],
                          scenario="A")]
    html = render(RunRecord(run=target_run(), tests=failing, base=tmp_path), history, tmp_path / "living.html")
    said = release(html)
    assert "Not ready to release: 1 of" in said and "SSO-09" in said and "(latest: failed, in this run)" in said, said
    assert 'class="release tone-red"' in html

    excepted = [entry(now - 86400, {t: "x" if t == "REQ-CON-02" else "p" for t in everything})]
    html = render(RunRecord(run=target_run(), tests=tonight, base=tmp_path), excepted, tmp_path / "living.html")
    said = release(html)
    assert said.startswith("Release Ready to release once someone accepts the known exceptions") and "CON-02" in said
    assert 'class="release tone-amber"' in html, "exceptions are not a plain proof"


def test_a_sandbox_run_says_it_proves_the_suite_not_the_vendors_deployments(tmp_path: Path) -> None:
    history = [entry(time.time() - 86400, {t: "p" for t in catalog()}, target="sandbox")]
    html = render(RunRecord(run=target_run(True), tests=[], base=tmp_path), history, tmp_path / "living.html")
    said = release(html)
    assert "proves the suite and the flows' logic, not Nomos' or NOX's real deployments" in said
    assert "Ready to release" not in said and 'class="release tone-blue"' in html


def test_every_features_scenario_is_in_the_documents_count(tmp_path: Path) -> None:
    told = sum(len(f.scenarios) for f in load_features())
    record = main_job_record(tmp_path, pictures=0)
    html = render(record, [], tmp_path / "living.html")
    assert f'data-count="scenarios">{told} ' in html
    assert len({bound_function(t) for f in load_features() for t in f.scenarios.values()}) == told
