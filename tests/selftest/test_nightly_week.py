"""A week of nights (issue 22): the staging example's budget (request_budget = 600, two
shards) against the sandbox served as a remote target.

Cheap by design: the seven nights' plans are the pure function (suite/plan.py) over the
real selection with its measured costs, each night's passes added to the history as the
nightly adds them; then night 1 runs for real, both shards at once with ``-n 1``, to show
the plan is honoured: both shards print the same plan, each stays within its 300, together
they run exactly the simulated night's tests, and the merged night in the history gives
the simulated night 2.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite.living_doc import history as hist
from suite.plan import Candidate, fits, make_plan, nights_to_prove_all, simulate
from tests.selftest.remote_sandbox import served

ROOT = Path(__file__).resolve().parents[2]
BUDGET, SHARDS, NIGHTS = 600, 2, 7  # targets/staging.example.toml; the workflow's matrix; a week
TARGET = "staging-week"
DUMP = '''
import json, os
def pytest_collection_finish(session):
    from suite.budget import Costs, kind_of
    from suite.contract import settings
    from suite.plan import candidate
    costs, cases = Costs.load(), settings(session.config).max_examples
    found = [candidate(i, costs.of(kind_of(i), cases)).__dict__ for i in session.items]
    open(os.environ["PLAN_CANDIDATES"], "w").write(json.dumps(found))
'''


def staging_like(profile: Path) -> None:
    """The served sandbox's profile with the staging example's budget and contract examples
    (its pace stays the sandbox's: at 2 requests/s a night takes minutes)."""
    staging = (ROOT / "targets" / "staging.example.toml").read_text()
    text = profile.read_text()
    for key in ("request_budget", "contract_max_examples"):
        value = re.search(rf"^{key} = (\S+)", staging, re.M).group(1)  # type: ignore[union-attr]
        text = re.sub(rf"^{key} = .*$", f"{key} = {value}", text, count=1, flags=re.M)
    text = re.sub(r'^name = .*$', f'name = "{TARGET}"', text, count=1, flags=re.M)
    profile.write_text(text)


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    began = time.monotonic()
    folder = tmp_path_factory.mktemp("week")
    (folder / "dump_candidates.py").write_text(DUMP)
    with served(folder / "sandbox") as sandbox:
        staging_like(sandbox.profile)
        env = {**os.environ, **sandbox.secrets, "SUITE_TARGET": str(sandbox.profile), "PLAN_CANDIDATES": str(folder / "c.json"),
               "PYTHONPATH": f"{folder}{os.pathsep}{ROOT}"}
        env.pop("PYTEST_ADDOPTS", None)
        done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "--co", "-q",
                               "-p", "dump_candidates"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        candidates = [Candidate(**{**c, "requirements": tuple(c["requirements"])})
                      for c in json.loads((folder / "c.json").read_text())]
        plans = simulate(candidates, TARGET, BUDGET, SHARDS, NIGHTS, start=time.time() - NIGHTS * 86400)
        history = folder / "history.jsonl"
        runs = {}
        started = {}
        for shard in range(1, SHARDS + 1):  # both shards at once, as the workflow's matrix
            reports = folder / f"shard-{shard}"
            started[shard] = subprocess.Popen(
                [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", "-n", "1", "-rA",
                 "--shard", f"{shard}/{SHARDS}", "--fit-budget", "--plan-history", str(history), "--history", "none",
                 "--contract-seed", "1234", "--living-doc", str(reports / "living-documentation.html")],
                cwd=ROOT, env={**env, "SUITE_REPORTS_DIR": str(reports)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True)
        for shard, process in started.items():
            out, err = process.communicate(timeout=900)
            runs[shard] = (process.returncode, out, err)
        merged = subprocess.run([sys.executable, "-m", "suite.shard", "merge", *(str(folder / f"shard-{s}") for s in runs),
                                 "-o", str(folder / "merged"), "--history", str(history)],
                                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return {"candidates": candidates, "plans": plans, "runs": runs, "folder": folder, "merged": merged,
            "history": hist.load(history), "seconds": time.monotonic() - began}


def plan_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("plan")]


def test_every_night_fits_and_every_requirement_is_proved_within_the_week(week: dict[str, object]) -> None:
    candidates, plans = week["candidates"], week["plans"]
    assert isinstance(candidates, list) and isinstance(plans, list)
    total = sum(c.cost for c in candidates)
    assert total > BUDGET, "the whole selection does not fit: that is the point"
    for plan in plans:
        assert plan.planned and fits([c for c in candidates if c.nodeid in plan.chosen], BUDGET, SHARDS)
        assert {c.nodeid for c in candidates if c.smoke} <= set(plan.chosen), "the smoke core every night"
    nights = nights_to_prove_all(candidates, plans)
    assert nights is not None and nights <= NIGHTS, f"not every check ran within {NIGHTS} nights"
    print(f"\nnights needed: {nights} (at least {-(-int(total) // BUDGET)} by the costs alone); "
          f"requests planned per night: {[p.cost for p in plans]}; night 1: {plans[0].lines()}")


def test_both_shards_run_the_same_plan_within_their_share(week: dict[str, object]) -> None:
    runs, plans = week["runs"], week["plans"]
    assert isinstance(runs, dict) and isinstance(plans, list)
    said = {shard: plan_lines(out) for shard, (_, out, _) in runs.items()}
    for shard, (code, out, err) in runs.items():
        assert code == 0, f"shard {shard}:\n{out[-3000:]}{err[-2000:]}"
        assert said[shard] and said[shard] == plans[0].lines(), f"shard {shard} printed {said[shard]}"
        assert f"request budget: {BUDGET // SHARDS} requests" in out, f"shard {shard}'s header names another budget than its share"
    ran: set[str] = set()
    for shard in runs:
        summary = json.loads((week["folder"] / f"shard-{shard}" / "request-summary.json").read_text())  # type: ignore[operator]
        assert summary["sent"] <= BUDGET // SHARDS, f"shard {shard} sent {summary['sent']} of {BUDGET // SHARDS}"
        record = json.loads((week["folder"] / f"shard-{shard}" / "run-record.json").read_text())  # type: ignore[operator]
        ran |= {t["nodeid"] for t in record["tests"]}
        print(f"\nshard {shard}: {summary['sent']} requests sent of {BUDGET // SHARDS} (estimated {summary['estimate']})")
    chosen = set(plans[0].chosen)
    subtests = {n for n in ran - chosen if any(n.startswith(c) for c in chosen)}  # Schemathesis' subtest records
    assert ran - subtests == chosen, "together the shards ran the night's plan, no more, no less"


def test_the_merged_night_enters_the_history_and_plans_night_two(week: dict[str, object]) -> None:
    merged, history, plans, candidates = week["merged"], week["history"], week["plans"], week["candidates"]
    assert isinstance(merged, subprocess.CompletedProcess) and merged.returncode == 0, merged.stderr
    assert isinstance(history, list) and len(history) == 1 and history[0].target == TARGET
    assert isinstance(plans, list) and isinstance(candidates, list)
    assert make_plan(candidates, history, TARGET, BUDGET, SHARDS).chosen == plans[1].chosen, "night 2 as simulated"
    doc = (week["folder"] / "merged" / "living-documentation.html").read_text()  # type: ignore[operator]
    assert 'id="proof"' in doc and f"requirements were proved on {TARGET} within the last 7 nights" in doc
    print(f"\nwall time of the week's fixture: {week['seconds']:.0f} s")
