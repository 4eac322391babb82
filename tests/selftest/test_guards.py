"""pytest-bdd's silent passes are loud failures here: an async step, a step line
swallowed as description ('Then: ...'), a scenario with no steps or no Then, and a
step with no definition. Each case runs in its own throw-away project."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

STEPS = '''
from pytest_bdd import given, then, when

@given("a customer")
def customer():
    pass

@when("she waits")
async def waits():
    raise AssertionError("never runs: pytest-bdd does not await")

@then("she sees her account")
def sees():
    pass
'''

CASES = {
    "async step": ("Given a customer\n    When she waits\n    Then she sees her account", "async def"),
    "swallowed step": ("Then: she sees her account\n    Given a customer", "step-like line"),
    "no steps": ("", "has no steps"),
    "no then": ("Given a customer", "no Then step"),
    "undefined step": ("Given a customer\n    Then she sees a unicorn", "Step definition is not found"),
}


def run_feature(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "case.feature").write_text(f"Feature: Guarded\n  Scenario: A case\n    {body}\n")
    (tmp_path / "conftest.py").write_text(STEPS)
    (tmp_path / "test_case.py").write_text("from pytest_bdd import scenarios\n\nscenarios('case.feature')\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "suite.guards", "-p", "no:cacheprovider",
                           "-p", "no:schemathesis", str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_silent_pass_becomes_a_failure(tmp_path: Path, case: str) -> None:
    body, says = CASES[case]
    done = run_feature(tmp_path, body)
    assert done.returncode == 1, done.stdout[-800:]
    assert "1 failed" in done.stdout and says in done.stdout, done.stdout[-800:]


def test_a_sound_scenario_passes(tmp_path: Path) -> None:
    done = run_feature(tmp_path, "Given a customer\n    Then she sees her account")
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-800:]
