"""The contract tests keep their own promises: the thorough budget generates its cases
and passes on the sandbox, every operation has its own test id, a rate-limiting target is waited out, a
seed replays a run, a failing case prints the answer with no secret in it, and a bad
option is one line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from suite.budget import Costs
from suite.contract import THOROUGH_EXAMPLES, remote_cap, resolve_budget, vendored_operations

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = "tests/contracts/test_api_contracts.py"
CANARIES = {
    "NOMOS_CLIENT_SECRET": "canary-nomos-client-secret-77c1",
    "NOX_SUPPLIER_API_KEY": "canary-nox-supplier-key-0b3e",
    "NOX_MANUFACTURER_API_KEY": "canary-nox-manufacturer-key-4d5f",
}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ")


def contracts(reports: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", CONTRACTS, "-q", "-p", "no:randomly", "--living-doc", "none",
         "--junitxml", str(reports / "junit.xml"), *args],
        cwd=ROOT, env={**os.environ, **(env or {}), "SUITE_REPORTS_DIR": str(reports)},
        capture_output=True, text=True, timeout=600,
    )


def summary(reports: Path) -> dict[str, Any]:
    return json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))


def test_thorough_budget_fuzzes_an_operation_with_at_least_its_cases(tmp_path: Path) -> None:
    """``--contract-budget thorough`` on one operation (NOX's post-login redirect, the
    cheapest): it passes and generates at least THOROUGH_EXAMPLES cases. Every operation
    at that depth is for a nightly (`scripts/suite -m contract --contract-budget thorough`)."""
    done = contracts(tmp_path, "--contract-budget", "thorough", "-k", "post_login")
    assert done.returncode == 0, done.stdout[-3000:]
    counts = summary(tmp_path)
    assert counts["max_examples"] >= THOROUGH_EXAMPLES
    assert list(counts["operations"]) == ["POST /post-login-redirect"], counts["operations"]
    cases = counts["operations"]["POST /post-login-redirect"]["cases"]
    assert cases >= THOROUGH_EXAMPLES, f"fuzzed with {cases} cases, fewer than {THOROUGH_EXAMPLES}"


def test_every_operation_is_fuzzed_under_its_own_test_id(tmp_path: Path) -> None:
    done = contracts(tmp_path, "-n", "2", "--contract-budget", "2")
    assert done.returncode == 0, done.stdout[-3000:]
    counts = summary(tmp_path)
    assert sorted(counts["operations"]) == sorted(vendored_operations())
    names = [case.get("name", "") for case in ET.parse(tmp_path / "junit.xml").iter("testcase")
             if case.get("classname", "").endswith("test_api_contracts")]
    assert len(names) == len(set(names)), f"JUnit repeats test ids: {sorted(names)}"
    for operation in counts["operations"]:
        assert any(name.endswith(f"[{operation}]") for name in names), f"no JUnit test names {operation}: {names}"


def test_rate_limited_target_is_waited_out(tmp_path: Path) -> None:
    done = contracts(tmp_path, "--sandbox-rate-limit", "40", "--contract-budget", "5")
    assert done.returncode == 0, done.stdout[-3000:]
    counts = summary(tmp_path)
    assert counts["rate_limited"] >= 1, f"the sandbox never answered 429, so nothing was waited out: {counts}"
    assert counts["requests"] > counts["cases"]


def test_a_seed_replays_the_same_cases(tmp_path: Path) -> None:
    runs = []
    for n, seed in enumerate(("4242", "4242", "4243")):
        reports = tmp_path / f"run{n}"
        done = contracts(reports, "--contract-seed", seed, "--contract-budget", "10", "-k", "magic_link or post_login")
        assert done.returncode == 0, done.stdout[-3000:]
        assert f"--contract-seed {seed}" in done.stdout
        runs.append({op: (stats["cases"], stats["fingerprint"]) for op, stats in summary(reports)["operations"].items()})
    assert runs[0] == runs[1], f"the same seed generated different cases: {runs[:2]}"
    assert runs[0] != runs[2], "another seed generated the very same cases: the seed is not used"


def test_a_failing_case_shows_the_answer_but_no_secret(tmp_path: Path) -> None:
    # The token answer lacks expires_in: the contract test fails on an answer that
    # carries an access token and a refresh token, and prints it with its curl line.
    done = contracts(tmp_path, "-k", "token", "--sandbox-fault", "nomos-token-answer-incomplete", env=CANARIES)
    assert done.returncode == 1, done.stdout[-3000:]
    assert '"expires_in" is a required property' in done.stdout
    assert "«redacted»" in done.stdout and "curl -X POST" in done.stdout, "the failure did not show the answer"
    outputs = {"stdout": done.stdout, "stderr": done.stderr,
               **{p.name: p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()}}
    leaks = [f"{where}: {label}" for where, text in outputs.items() for label, value in CANARIES.items() if value in text]
    leaks += [f"{where}: a JWT-shaped token" for where, text in outputs.items() if JWT.search(text)]
    assert not leaks, "secrets in the output: " + "; ".join(leaks)


@pytest.mark.parametrize(("option", "message"), [
    (["--contract-budget", "lots"], "--contract-budget 'lots' is not a budget"),
    (["--contract-seed", "abc"], "--contract-seed 'abc' is not a seed"),
])
def test_a_bad_option_is_one_line(tmp_path: Path, option: list[str], message: str) -> None:
    done = contracts(tmp_path, *option)
    assert done.returncode == 4
    assert message in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "junit.xml").exists(), "a refused run half-wrote its reports"


def remote(budget: int = 600, quick: int = 10) -> Any:
    limits = SimpleNamespace(request_budget=budget, contract_max_examples=quick)
    return SimpleNamespace(name="staging", embedded=False, limits=limits)


def test_remote_targets_cap_the_budget_by_what_the_phases_send() -> None:
    operations = vendored_operations()
    examples, note = resolve_budget("thorough", remote(), operations)
    assert examples < THOROUGH_EXAMPLES and "capped" in note
    assert resolve_budget("quick", remote(), operations) == (10, "")
    with pytest.raises(pytest.UsageError, match="more than target 'staging' allows"):
        resolve_budget(500, remote(), operations)
    sandbox = SimpleNamespace(name="sandbox", embedded=True, limits=SimpleNamespace(request_budget=50, contract_max_examples=25))
    assert resolve_budget("thorough", sandbox, operations) == (THOROUGH_EXAMPLES, "")
    # With room for it, the cap is what the measured phases allow within half the budget.
    costs = Costs.load()
    cap = remote_cap(remote(budget=2_000), operations)
    assert cap is not None and cap > 1
    assert sum(costs.operation(op, cap) for op in operations) <= 1_000 < sum(costs.operation(op, cap + 1) for op in operations)


def test_every_operation_has_a_measured_cost() -> None:
    assert sorted(Costs.load().operations) == sorted(vendored_operations()), "run scripts/measure_requests.py"
