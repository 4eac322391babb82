"""A run that fits its budget and proof over nights (issue 22): the --fit-budget plan as
a pure function, and what the history and the living document make of it."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from suite.living_doc import history as hist
from suite.living_doc import proof
from suite.living_doc.record import RunRecord, TestRecord
from suite.plan import Candidate, fits, make_plan, nights_to_prove_all, simulate
from suite.requirements import Requirement
from suite.target import TargetError, load

DAY = 86400.0


def checks(n: int, tag: str, cost: float = 10.0, **extra: object) -> list[Candidate]:
    return [Candidate(f"tests/flows/t.py::{tag}_{i}", cost, (f"REQ-{tag}",), **extra) for i in range(n)]  # type: ignore[arg-type]


SELECTION = [*checks(2, "SSO-01", smoke=True), *checks(4, "SSO-02"), *checks(4, "SUP-01"), *checks(4, "MAN-01"),
             *checks(1, "CON-01", cost=40.0, weight=5)]


def entry(at: float, states: dict[str, str], requirements: dict[str, str]) -> hist.Entry:
    return hist.Entry(at=at, commit="c", code="c", target="staging", requirements=requirements,
                      tests={hist.key(n): s for n, s in states.items()}, run=f"night at {at:g}")


def test_a_selection_that_fits_is_not_planned() -> None:
    plan = make_plan(SELECTION, [], "staging", 10_000, 2)
    assert not plan.planned and len(plan.chosen) == len(SELECTION) and "whole selection fits" in plan.lines()[0]


def test_the_smoke_core_always_runs_and_the_plan_fits_every_shard() -> None:
    plan = make_plan(SELECTION, [], "staging", 120, 2)
    assert plan.planned and {c.nodeid for c in SELECTION if c.smoke} <= set(plan.chosen)
    assert fits([c for c in SELECTION if c.nodeid in plan.chosen], 120, 2)
    assert plan.deferred == len(SELECTION) - len(plan.chosen) > 0 and len(plan.lines()) == 2


def test_failed_last_time_then_never_proved_then_proved_longest_ago() -> None:
    selection = [c for c in SELECTION if "CON" not in c.nodeid]
    of = {tag: [c.nodeid for c in selection if tag in c.nodeid] for tag in ("SSO-01", "SSO-02", "SUP-01", "MAN-01")}
    night1 = entry(1 * DAY, {n: "p" for n in of["SSO-01"] + of["SSO-02"] + of["SUP-01"]}, {"REQ-SUP-01": "p"})
    night2 = entry(2 * DAY, {**{n: "p" for n in of["SSO-02"]}, of["SUP-01"][0]: "f"}, {"REQ-SUP-01": "f"})
    plan = make_plan(selection, [night1, night2], "staging", 108, 2)  # 50 a shard: the smoke core and 8 checks
    assert plan.chosen[:2] == of["SSO-01"], "the smoke core first"
    assert sorted(plan.chosen[2:6]) == of["SUP-01"], "then what failed last time"
    assert sorted(plan.chosen[6:]) == of["MAN-01"], "then what was never proved"
    assert plan.deferred_requirements == ["REQ-SSO-02"], "what was proved last waits"
    night2_sso_old = entry(2 * DAY, {n: "p" for n in of["SUP-01"] + of["MAN-01"]}, {})
    plan = make_plan(selection, [night1, night2_sso_old], "staging", 108, 2)
    assert sorted(plan.chosen[2:6]) == of["SSO-02"], "proved longest ago before proved lately"


def test_the_plan_is_a_pure_function_every_shard_computes_alike() -> None:
    history = [entry(1 * DAY, {c.nodeid: "p" for c in SELECTION if "MAN-01" in c.nodeid}, {})]
    first = make_plan(SELECTION, history, "staging", 120, 2)
    shuffled = SELECTION[:]
    random.Random(7).shuffle(shuffled)
    assert make_plan(shuffled, history, "staging", 120, 2).chosen == first.chosen
    assert make_plan(SELECTION, history, "another-target", 120, 2).chosen != first.chosen, "only this target's history"


def test_over_nights_every_check_runs_and_every_night_fits() -> None:
    plans = simulate(SELECTION, "staging", 120, 2, 7)
    assert all(fits([c for c in SELECTION if c.nodeid in p.chosen], 120, 2) for p in plans)
    assert nights_to_prove_all(SELECTION, plans) is not None and nights_to_prove_all(SELECTION, plans) <= 3


# ------------------------------------------------------------------ proof over nights


def record(at: float, outcomes: dict[str, str], **run: object) -> RunRecord:
    tests = [TestRecord(n, outcome=o, requirements=[f"REQ-{n.split('::')[1].rsplit('_', 1)[0]}"]) for n, o in outcomes.items()]
    return RunRecord(run={"started": at, "finished": at, "target": {"name": "staging"}, "run": f"night at {at:g}",
                          "proof_window_nights": 2, **run}, tests=tests)


REQS = {"REQ-SSO-02": Requirement("SSO-02", "x", "s"), "REQ-SUP-01": Requirement("SUP-01", "y", "s")}


def test_a_requirement_is_proved_as_of_its_stalest_check_over_nights() -> None:
    a, b = "tests/flows/t.py::SSO-02_0", "tests/flows/t.py::SSO-02_1"
    night1 = entry(1 * DAY, {a: "p"}, {})
    now = record(2 * DAY, {b: "passed"}, plan={"planned": True, "deferred": {a: ["REQ-SSO-02"]}})
    found = proof.proved([night1], now, REQS)
    assert found["REQ-SSO-02"].at == 1 * DAY and found["REQ-SSO-02"].runs == ["night at 86400", "night at 172800"]
    assert found["REQ-SUP-01"].at is None
    assert proof.sentence(found, now) == "1 of 2 requirements were proved on staging within the last 2 nights."
    later = record(4 * DAY, {b: "passed"}, plan={"planned": True, "deferred": {a: ["REQ-SSO-02"]}})
    assert proof.within(proof.proved([night1], later, REQS), later) == 0, "outside the window"
    failed = record(2 * DAY, {b: "failed"})
    assert proof.proved([night1], failed, REQS)["REQ-SSO-02"].at is None, "a check that fails since unproves it"


def test_only_whole_runs_enter_the_history() -> None:
    assert proof.enters_history({"faults": [], "partial": False})
    assert not proof.enters_history({"faults": [], "partial": True})
    assert not proof.enters_history({"faults": ["x"], "partial": False})


def test_the_document_shows_the_proof(tmp_path: Path) -> None:
    from suite.living_doc.render import render

    html = render(record(2 * DAY, {"tests/flows/t.py::SSO-02_0": "passed"}), [], tmp_path / "d.html", REQS)
    assert 'id="proof"' in html and "within the last 2 nights" in html and "never in full on this target" in html


def test_the_proof_window_is_the_profiles(tmp_path: Path) -> None:
    text = (Path(__file__).resolve().parents[2] / "targets" / "sandbox.toml").read_text()
    (tmp_path / "a.toml").write_text(text + "\n[nightly]\nproof_window_nights = 3\n")
    assert load(str(tmp_path / "a.toml")).proof_window_nights == 3
    assert load("sandbox").proof_window_nights == 7
    (tmp_path / "b.toml").write_text(text + "\n[nightly]\nproof_window_nights = 0\n")
    with pytest.raises(TargetError, match="proof_window_nights"):
        load(str(tmp_path / "b.toml"))
