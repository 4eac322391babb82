"""History across runs: what changed since the previous run, flaky checks, each
requirement's last 30 runs, and the workflow that keeps the file between CI runs.

Built from small run records in memory: no suite run needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from suite.living_doc import history, write
from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.status import requirement_statuses
from suite.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
REQS = {f"REQ-SUP-{n:02d}": Requirement(f"SUP-{n:02d}", f"behaviour {n}", "004") for n in (9, 10, 15)}
A = "tests/flows/test_flows.py::test_offers_only_brands[heat pump]"
B = "tests/flows/test_flows.py::test_back_at_the_partner[heat pump]"
C = "tests/flows/test_flows.py::test_sees_her_devices"


def record(outcomes: dict[str, str], code: str = "abc1234", at: float = 1000.0, flaky: str = "") -> RunRecord:
    tags = {A: "REQ-SUP-09", B: "REQ-SUP-10", C: "REQ-SUP-15"}
    tests = [TestRecord(nodeid, outcome=outcome, requirements=[tags[nodeid]], scenario=nodeid.split("::")[1],
                        flaky=flaky if nodeid == C else "") for nodeid, outcome in outcomes.items()]
    run = {"started": at - 60, "finished": at, "commit": code[:7], "code": code, "target": {"name": "staging"}}
    return RunRecord(run=run, tests=tests)


def night(path: Path, outcomes: dict[str, str], code: str, at: float) -> None:
    rec = record(outcomes, code, at)
    history.append(path, history.entry_of(rec, requirement_statuses(rec.tests, REQS)))


def test_no_history_yet_is_said_and_nothing_is_compared(tmp_path: Path) -> None:
    found = history.changes(history.load(tmp_path / "absent.jsonl"), record({A: "passed"}))
    assert found.previous is None and not (found.newly_failing or found.newly_passing or found.flaky)


def test_a_run_says_what_newly_fails_and_what_newly_passes(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    night(path, {A: "passed", B: "failed", C: "passed"}, "aaa1111", 1000)
    found = history.changes(history.load(path), record({A: "failed", B: "passed", C: "passed"}, "bbb2222", 2000))
    assert [t.nodeid for t in found.newly_failing] == [A]
    assert [t.nodeid for t in found.newly_passing] == [B], "a fix in new code is newly passing, not flaky"
    assert not found.flaky


def test_failed_then_passed_with_the_same_code_is_flaky_not_fixed(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    night(path, {A: "passed", B: "failed"}, "same999", 1000)
    found = history.changes(history.load(path), record({A: "passed", B: "passed"}, "same999", 2000))
    assert not found.newly_passing and [t.nodeid for t, _ in found.flaky] == [B]
    states, flaky = history.strip(history.load(path), "staging", "REQ-SUP-10",
                                  requirement_statuses(record({B: "passed"}).tests, REQS)["REQ-SUP-10"], "same999")
    assert states == ["f", "p"] and flaky


def test_passed_on_a_retry_is_flaky_in_this_run() -> None:
    found = history.changes([], record({C: "passed"}, flaky="passed on retry 2 of 3"))
    assert [t.nodeid for t, _ in found.flaky] == [C]
    assert requirement_statuses(record({C: "passed"}, flaky="x").tests, REQS)["REQ-SUP-15"].key == "flaky"


def test_a_partial_run_compares_each_test_with_its_own_latest_state(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    night(path, {A: "passed", B: "passed"}, "aaa1111", 1000)
    night(path, {C: "passed"}, "aaa1111", 1500)  # only one test selected
    found = history.changes(history.load(path), record({A: "failed"}, "bbb2222", 2000))
    assert [t.nodeid for t in found.newly_failing] == [A]


def test_other_targets_and_broken_lines_are_not_history(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    night(path, {A: "failed"}, "aaa1111", 1000)
    with path.open("a") as file:
        file.write('{"torn line\n')
        file.write(json.dumps({"at": 1200, "commit": "x", "code": "x", "target": "sandbox", "tests": {}}) + "\n")
    entries = history.load(path)
    assert len(entries) == 2
    found = history.changes(entries, record({A: "passed"}, "bbb2222", 2000))
    assert found.previous is not None and found.previous.target == "staging"
    assert [t.nodeid for t in found.newly_passing] == [A]


def test_the_file_keeps_only_the_last_runs_and_the_document_shows_thirty(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    for night_number in range(history.KEEP + 5):
        night(path, {A: "passed" if night_number % 2 else "failed"}, f"c{night_number}", 1000 + night_number)
    entries = history.load(path)
    assert len(entries) == history.KEEP
    now = requirement_statuses(record({A: "passed"}).tests, REQS)["REQ-SUP-09"]
    states, flaky = history.strip(entries, "staging", "REQ-SUP-09", now, "new")
    assert len(states) == history.SHOWN and states[-1] == "p"
    assert not flaky, "failed then passed with a different commit each night is not flaky"
    assert path.stat().st_size < 40_000, "a small file"


def test_writing_the_document_appends_one_run_and_reads_the_earlier_ones(tmp_path: Path) -> None:
    path, out = tmp_path / "h" / "history.jsonl", tmp_path / "doc.html"
    write(record({A: "passed", B: "passed"}, "aaa1111", 1000), out, path)
    write(record({A: "failed", B: "passed"}, "bbb2222", 2000), out, path)
    assert len(history.load(path)) == 2
    html = out.read_text()
    assert "Newly failing (1)" in html and "Compared with the run of" in html
    write(record({A: "passed"}, "ccc3333", 3000), out, None)
    assert "No earlier run on record" in out.read_text(), "no history file: the document says so and carries on"


def test_the_nightly_workflow_keeps_the_history_between_runs() -> None:
    """The nightly runs in shards (suite/shard.py): the job that merges them keeps the history."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "staging.yml").read_text())
    steps = workflow["jobs"]["merge"]["steps"]
    uses = [str(step.get("uses", "")) for step in steps]
    restore = next(i for i, u in enumerate(uses) if u.startswith("actions/cache/restore@"))
    save = next(i for i, u in enumerate(uses) if u.startswith("actions/cache/save@"))
    suite = next(i for i, step in enumerate(steps) if "--history reports/history.jsonl" in str(step.get("run", "")))
    assert restore < suite < save, "restore the history before the merged run is added, save it after"
    runs = [str(step.get("run", "")) for step in workflow["jobs"]["suite"]["steps"]]
    shards = [run for run in runs if "scripts/suite" in run]
    assert shards and all("--history none" in run for run in shards), "only the merged run enters the history"
    assert steps[save].get("if") == "always()", "a red night is history too"
    for index in (restore, save):
        assert steps[index]["with"]["path"] == "main/reports/history.jsonl", "the suite's default history file"
    assert steps[restore]["with"]["restore-keys"].strip() in steps[save]["with"]["key"]
