"""The README's merge commands (issue 22): under an interpreter without the suite's
dependencies they say so in one line; a merge that fails writes nothing (the output
folder stays as it was). The README's commands selftest runs them as written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from suite.interpreter import advice, missing
from suite.living_doc.record import FORMAT

ROOT = Path(__file__).resolve().parents[2]
JUNIT = ('<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" tests="1" errors="0" failures="0" '
         'skipped="0" time="1.0"><testcase classname="t" name="a" time="1.0"/></testsuite></testsuites>')


def shard(folder: Path, record: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "junit.xml").write_text(JUNIT)
    (folder / "run-record.json").write_text(record)
    return folder


def good_record() -> str:
    return json.dumps({"format": FORMAT, "run": {"started": 1.0, "finished": 2.0, "target": {"name": "sandbox"}},
                       "tests": [{"nodeid": "tests/flows/test_flows.py::test_a", "requirements": ["REQ-SSO-01"]}]})


def command(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_a_failed_shard_merge_writes_nothing(tmp_path: Path) -> None:
    first = shard(tmp_path / "shard-1", good_record())
    second = shard(tmp_path / "shard-2", "{ torn")
    out = tmp_path / "reports"
    done = command("suite.shard", "merge", str(first), str(second), "-o", str(out), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "nothing was written" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and (not out.exists() or not list(out.iterdir())), list(out.iterdir())


def test_a_shard_merge_writes_every_file(tmp_path: Path) -> None:
    folders = [str(shard(tmp_path / f"shard-{i}", good_record())) for i in (1, 2)]
    done = command("suite.shard", "merge", *folders, "-o", "reports", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "reports").iterdir()} == {"junit.xml", "run-record.json", "living-documentation.html"}


def test_a_failed_document_merge_writes_nothing(tmp_path: Path) -> None:
    first = shard(tmp_path / "shard-1", good_record())
    second = shard(tmp_path / "shard-2", json.dumps({"format": "another"}))
    out = tmp_path / "out" / "doc.html"
    done = command("suite.living_doc", "merge", str(first / "run-record.json"), str(second / "run-record.json"), "-o", str(out),
                   "--record", str(tmp_path / "out" / "run-record.json"), cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_an_interpreter_without_the_dependencies_is_told_which_works() -> None:
    assert missing(("json", "no_such_module_for_the_suite")) == ["no_such_module_for_the_suite"]
    line = advice(["pytest_bdd", "playwright"], "/usr/bin/python3")
    assert "\n" not in line and "/usr/bin/python3 lacks the suite's dependencies (pytest_bdd, playwright)" in line
    assert ".venv" in line
