"""Results where the team looks (issue 22): a recorded nightly's job summary, failure
annotations and chat message (suite/nightly_report.py), and the staging workflow that
writes them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from suite import nightly_report
from suite.living_doc.record import RunRecord
from suite.requirements import catalog

ROOT = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).with_name("nightly_run_record.json")  # a run with one sandbox fault, two failures


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    shutil.copy(RECORDED, tmp_path / "run-record.json")
    return tmp_path


def test_the_summary_says_verdict_failures_decisions_and_where_the_document_is(reports: Path) -> None:
    summary = reports / "summary.md"
    assert nightly_report.main([str(reports), "--summary", str(summary), "--artifact-url", "https://example.test/a/1"]) == 0
    text = summary.read_text()
    assert text.startswith("## 🔴 staging: staging #41") and f"1 of {len(catalog())} requirements failed: SSO-09" in text
    assert "requirements were proved on staging within the last 7 nights" in text
    assert "### Failures (2)" in text and "step *Then the portal refuses the link*: expected the portal to refuse" in text
    assert "`features/portal_sso.feature:156`" in text
    assert "### Needs a decision" in text and "known vendor deviation `unsupported_method` (accepted until 2027-01-31)" in text
    assert "**Tonight's plan** (`--fit-budget`, budget 600): 3 of 250 checks" in text and "CON-01, SUP-01" in text
    assert "[the living document and reports (artifact)](https://example.test/a/1)" in text
    assert "[this run](https://github.com/acme/energy/actions/runs/123)" in text


def test_each_failure_is_one_annotation_at_its_step(reports: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert nightly_report.main([str(reports), "--summary", str(reports / "s.md"), "--annotations"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("::error ")]
    assert len(lines) == 2, lines
    assert lines[0].startswith("::error file=features/portal_sso.feature,line=156,title=A magic link works only once (after")
    assert "::expected the portal to refuse the link" in lines[0] and "(step: Then the portal refuses the link)" in lines[0]


def test_annotations_escape_what_github_reads_as_syntax() -> None:
    record = RunRecord(run={}, tests=[])
    assert nightly_report.annotations(record) == []
    assert nightly_report.escape_property("a, b: c%\n") == "a%2C b%3A c%25%0A"


def test_the_chat_message_is_one_line_with_the_link(reports: Path) -> None:
    out = reports / "message.json"
    assert nightly_report.main([str(reports), "--summary", str(reports / "s.md"), "--chat-message", str(out),
                                "--artifact-url", "https://example.test/a/1"]) == 0
    text = json.loads(out.read_text())["text"]
    assert "staging nightly (staging #41)" in text and "SSO-09" in text and text.endswith("https://example.test/a/1")


def test_a_missing_record_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert nightly_report.main([str(tmp_path)]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_staging_workflow_plans_reports_and_notifies() -> None:
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "staging.yml").read_text())
    suite_runs = " ".join(str(s.get("run", "")) for s in workflow["jobs"]["suite"]["steps"])
    assert "--fit-budget" in suite_runs and "--plan-history" in suite_runs, "the nightly fits its budget by default"
    merge = workflow["jobs"]["merge"]["steps"]
    report = next(s for s in merge if "suite.nightly_report" in str(s.get("run", "")))
    assert "$GITHUB_STEP_SUMMARY" in report["run"] and "--annotations" in report["run"] and "artifact-url" in report["run"]
    chat = next(s for s in merge if "CHAT_WEBHOOK" in str(s.get("run", "")))
    assert "CHAT_WEBHOOK != ''" in chat["if"], "skipped when its secret is not set"
