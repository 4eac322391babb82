"""A budget that holds: ``request_budget`` and ``requests_per_second`` hold for the whole
run across workers and count every request, the browser's included; before sending, the
run says whether the budget covers the selection; running out ends the run in one line.

The run-level tests take the staging example's limits onto the embedded sandbox (a
temporary copy of targets/sandbox.toml with the [limits] of targets/staging.example.toml):
the run either stays within them or refuses before sending anything.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

from suite.http import BudgetSpent, RequestLedger

ROOT = Path(__file__).resolve().parents[2]
STAGING = (ROOT / "targets" / "staging.example.toml").read_text(encoding="utf-8")
LIMITS = tomllib.loads(STAGING)["limits"]
LIMITS_TABLE = re.compile(r"^\[limits\]\n.*?(?=^\[)", re.M | re.S)


def profile(tmp_path: Path, **overrides: Any) -> Path:
    """targets/sandbox.toml with the staging example's [limits] (and ``overrides``)."""
    limits = {**LIMITS, **overrides}
    table = "[limits]\n" + "".join(f"{key} = {value}\n" for key, value in limits.items()) + "\n"
    text = LIMITS_TABLE.sub(lambda _: table, (ROOT / "targets" / "sandbox.toml").read_text(encoding="utf-8"))
    path = tmp_path / "staging-limits.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "SUITE_REPORTS_DIR": str(tmp_path / "reports"), **(env or {})}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--living-doc", "none", *args], cwd=ROOT, env=environment,
                          capture_output=True, text=True, timeout=600)


def sent(tmp_path: Path) -> dict[str, Any] | None:
    path = tmp_path / "reports" / "request-summary.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


# ------------------------------------------------------------------ the ledger


def _spend(path: str, budget: int, tries: int) -> tuple[int, int]:
    ledger = RequestLedger(budget, path=Path(path))
    done = 0
    for _ in range(tries):
        try:
            ledger.spend()
            done += 1
        except BudgetSpent:
            pass
    return done, ledger.refused


def test_the_budget_holds_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "ledger")
    with multiprocessing.get_context("spawn").Pool(3) as pool:
        results = pool.starmap(_spend, [(path, 250, 100)] * 3)
    assert sum(done for done, _ in results) == 250, results
    assert sum(refused for _, refused in results) == 50, results
    assert RequestLedger(250, path=Path(path)).sent == 250


def test_the_pace_holds_across_processes(tmp_path: Path) -> None:
    """Two ledgers on one file (two workers) book slots 1/rps apart, one after the other."""
    first, second = (RequestLedger(100, requests_per_second=4, path=tmp_path / "ledger") for _ in range(2))
    waits = [ledger.reserve() for ledger in (first, second, first, second)]
    assert all(w is not None for w in waits)
    assert waits == sorted(waits), waits  # each later booking waits longer
    assert waits[3] == pytest.approx(0.75, abs=0.1), waits  # the fourth request of the run, 3 slots of 0.25 s on


def test_a_browser_booking_leaves_room_for_redirects() -> None:
    ledger = RequestLedger(10)
    for _ in range(5):
        assert ledger.reserve("browser", keep=5) is not None
    assert ledger.reserve("browser", keep=5) is None, "the sixth navigation would leave no room for its redirects"
    assert ledger.reserve("api") is not None
    for _ in range(5):
        ledger.note("browser")  # the hops the browser followed on its own
    assert ledger.sent == 11 and ledger.refused == 2


# ------------------------------------------------------------- whole runs


def test_the_staging_limits_refuse_a_main_job_before_sending(tmp_path: Path) -> None:
    done = run(tmp_path, "-n", "2", f"--target={profile(tmp_path)}")
    output = done.stdout + done.stderr
    if done.returncode == 0:  # the example's budget covers a main job: it must have stayed within it
        counts = sent(tmp_path)
        assert counts is not None and counts["sent"] <= LIMITS["request_budget"], counts
        return
    assert done.returncode == 4, output[-3000:]
    lines = [line for line in output.splitlines() if "request budget:" in line]
    assert len(lines) == 1, output[-3000:]
    assert f"more than the budget of {LIMITS['request_budget']}" in lines[0] and "raise it" in lines[0]
    assert "Traceback" not in output and "passed" not in output and "failed" not in output
    assert sent(tmp_path) is None, "requests were sent before the run refused"


def test_the_staging_limits_hold_for_a_selection_they_cover(tmp_path: Path) -> None:
    done = run(tmp_path, "-n", "2", f"--target={profile(tmp_path)}", "-m", "sso and api")
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert re.search(rf"sends about \d+ requests .*within the budget of {LIMITS['request_budget']}", done.stdout)
    counts = sent(tmp_path)
    assert counts is not None and 0 < counts["sent"] <= LIMITS["request_budget"], counts
    per_test = sum(kind["requests"] for kind in counts["kinds"].values())
    assert per_test == counts["sent"], f"the workers' tests account for {per_test} requests, the run's ledger for {counts['sent']}"


CHEAP = """\
[scenarios]
"sso browser" = 0.5
"sso api" = 0.5
[operations]
"POST /oauth/token" = { fixed = 1, per_case = 0.1 }
"""


@pytest.mark.parametrize(("selection", "pace"), [
    (["-n", "2", "-m", "sso"], 50),  # paced: browser requests are held and blocked once the budget is spent
    (["-n", "2", "-m", "sso and browser"], 0),  # unpaced: browser requests are counted as they go
    (["-m", "contract", "-k", "nomos_token"], 0),
], ids=["paced-browser-and-api", "unpaced-browser", "contract"])
def test_running_out_ends_the_run_in_one_line(tmp_path: Path, selection: list[str], pace: int) -> None:
    """The estimate is told too little (a costs file that under-estimates), so the run
    starts and runs out: the tests that found the budget spent are skipped with its line,
    the run stops, nothing is reported as a failure of the system under test."""
    costs = tmp_path / "cheap.toml"
    costs.write_text(CHEAP, encoding="utf-8")
    target = profile(tmp_path, request_budget=30, requests_per_second=pace)
    done = run(tmp_path, f"--target={target}", *selection, env={"SUITE_REQUEST_COSTS": str(costs)})
    output = done.stdout + done.stderr
    assert done.returncode == 2, output[-3000:]
    stop = [line for line in output.splitlines() if "Interrupted: request budget of 30 requests" in line]
    assert len(stop) == 1 and "raise [limits] request_budget in" in stop[0] and target.name in stop[0], output[-3000:]
    assert "failed" not in output.lower().split("interrupted")[-1] and "FAILED" not in output and "curl" not in output
    counts = sent(tmp_path)
    assert counts is not None, output[-3000:]
    if pace or "contract" in selection:
        assert counts["sent"] <= 30, counts  # held: nothing is sent past the budget
    else:  # counted as they go: at most the rest of the test that crossed it, on each worker
        overshoot = 2 * max(kind["max"] for kind in counts["kinds"].values())
        assert counts["sent"] <= 30 + overshoot, counts
