"""The CI workflows are valid YAML, lint clean, and run what the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_workflow_is_valid(path: Path) -> None:
    document = yaml.safe_load(path.read_text())
    assert document["on"] and document["jobs"], path.name
    for job in document["jobs"].values():
        assert job.get("timeout-minutes"), f"{path.name}: every job needs a time limit"
        assert any("upload-artifact" in str(step.get("uses", "")) for step in job["steps"]), "reports are kept"
    lint = subprocess.run([sys.executable, "-m", "yamllint", "-c", str(ROOT / ".yamllint.yml"), str(path)],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout


def test_selftest_workflow_runs_the_ci_entry_point() -> None:
    text = (ROOT / ".github" / "workflows" / "selftest.yml").read_text()
    assert "bash .ci/run" in text
    assert "scripts/selftest" in (ROOT / ".ci" / "run").read_text()


def test_staging_workflow_takes_secrets_only_from_the_store() -> None:
    document = yaml.safe_load((ROOT / ".github" / "workflows" / "staging.yml").read_text())
    env = document["jobs"]["suite"]["env"]
    secret_names = [k for k in env if k.endswith(("SECRET", "KEY", "PASSWORD"))]
    assert secret_names and all(env[k] == f"${{{{ secrets.{k} }}}}" for k in secret_names)


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_a_clone_is_enough(path: Path) -> None:
    """No workflow checks out a second repository (the spec and vendor pages are in docs/)."""
    document = yaml.safe_load(path.read_text())
    for job in document["jobs"].values():
        checkouts = [step for step in job["steps"] if "actions/checkout" in str(step.get("uses", ""))]
        assert len(checkouts) <= 1, f"{path.name}: more than one checkout"
        assert all("repository" not in (step.get("with") or {}) for step in checkouts), f"{path.name}: checks out another repo"
    assert "../shared" not in path.read_text()


def staging_steps() -> list[dict[str, Any]]:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "staging.yml").read_text())["jobs"]["suite"]["steps"]


@pytest.mark.parametrize(("profile", "target", "code"), [("", "staging", 1), ("[target]\nname = 'x'", "staging", 0),
                                                          ("", "staging.example", 0)])
def test_staging_stops_first_without_a_profile(profile: str, target: str, code: int) -> None:
    """The nightly's first step: without STAGING_PROFILE it stops with one line naming it."""
    first = staging_steps()[0]
    assert "STAGING_PROFILE" in first["env"]["PROFILE"] and "uses" not in first
    env = {"PROFILE": profile, "SUITE_TARGET": target, "PATH": "/usr/bin:/bin"}
    done = subprocess.run(["bash", "-e", "-c", first["run"]], env=env, capture_output=True, text=True)
    assert done.returncode == code, done.stdout + done.stderr
    if code:
        lines = done.stdout.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("::error::") and "set the repository variable STAGING_PROFILE" in lines[0]


def test_staging_writes_the_profile_the_suite_reads() -> None:
    steps = staging_steps()
    write = next(step for step in steps if "targets/staging.toml" in str(step.get("run", "")))
    suite = next(step for step in steps if "scripts/suite" in str(step.get("run", "")))
    assert steps.index(write) < steps.index(suite)
    assert "STAGING_PROFILE" in write["env"]["PROFILE"]
    env = yaml.safe_load((ROOT / ".github" / "workflows" / "staging.yml").read_text())["jobs"]["suite"]["env"]
    assert "'staging'" in env["SUITE_TARGET"], "the default target is the profile written from STAGING_PROFILE"
