"""The CI workflows are valid YAML, lint clean, and run what the README says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

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
