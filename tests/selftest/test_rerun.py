"""Rerunning: `--lf`, `--ff`, `--sw` and `--cache-show` work on the suite itself, and a
test that passes only on a `--reruns` retry is reported as flaky everywhere (terminal,
JUnit, Cucumber JSON, the report's user properties), never as a plain pass."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FLAKY_SCENARIO = "tests/flows/test_flows.py::test_a_magic_link_works_only_once[in another browser]"
SECOND = "tests/flows/test_flows.py::test_alice_opens_her_energy_account_from_the_partner_app"


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    # Selftests' child runs inherit `-p no:cacheprovider` (conftest.py); these need a
    # cache, each its own.
    clean = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=cwd, env={**clean, **env},
                          capture_output=True, text=True, timeout=300)


# ------------------------------------------------------- the cache on the real suite


def seed_cache(cache: Path, name: str, value: object) -> None:
    (cache / "v" / "cache").mkdir(parents=True, exist_ok=True)
    (cache / "v" / "cache" / name).write_text(json.dumps(value))


def test_last_failed_selects_only_what_failed(tmp_path: Path) -> None:
    seed_cache(tmp_path, "lastfailed", {FLAKY_SCENARIO: True})
    done = run(["--lf", "--collect-only", "-q", "-o", f"cache_dir={tmp_path}"], ROOT)
    assert done.returncode == 0, done.stdout[-800:] + done.stderr[-800:]
    assert [line for line in done.stdout.splitlines() if "::" in line] == [FLAKY_SCENARIO]


def test_failed_first_puts_what_failed_first(tmp_path: Path) -> None:
    seed_cache(tmp_path, "lastfailed", {SECOND: True})
    done = run(["--ff", "--collect-only", "-q", "-o", f"cache_dir={tmp_path}"], ROOT)
    ids = [line for line in done.stdout.splitlines() if "::" in line]
    assert done.returncode == 0 and ids[0] == SECOND and len(ids) > 200, done.stdout[-800:]


def test_stepwise_resumes_at_the_last_failure(tmp_path: Path) -> None:
    seed_cache(tmp_path, "stepwise", {"last_failed": SECOND, "last_test_count": None, "last_cache_date_str": "2026-01-01"})
    done = run(["--sw", "--collect-only", "-m", "sso", "-o", f"cache_dir={tmp_path}"], ROOT)
    first = next(line.strip() for line in done.stdout.splitlines() if "<Function " in line)
    assert done.returncode == 0 and "stepwise: skipping" in done.stdout, done.stdout[-800:]
    assert first == f"<Function {SECOND.split('::')[-1]}>", done.stdout[-800:]


def test_cache_show_runs_nothing(tmp_path: Path) -> None:
    seed_cache(tmp_path, "lastfailed", {SECOND: True})
    done = run(["--cache-show", "-o", f"cache_dir={tmp_path}"], ROOT)
    assert done.returncode == 0 and SECOND in done.stdout, done.stdout[-800:]
    assert "no tests ran" in done.stdout and " passed" not in done.stdout


# --------------------------------------------------------- reruns and flaky tests

STEPS = '''
import os
from pathlib import Path

import pytest
from pytest_bdd import given, then

from suite import reporting, rerun


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    """What suite/entry.py does for these two parts (-p loads their other hooks)."""
    reporting.configure(config)
    rerun.configure(config)


def first_attempt_fails(name):
    mark = Path(os.environ["FLAKY_DIR"]) / name
    if not mark.exists():
        mark.write_text("failed once")
        raise AssertionError(f"{name} wobbled")


@given("a shaky service")
def shaky():
    pass


@then("she sees her account on the second try")
def second_try():
    first_attempt_fails("scenario")
'''

TESTS = '''
from pytest_bdd import scenarios

from conftest import first_attempt_fails

scenarios("shaky.feature")


def test_solid():
    assert 1 + 1 == 2


def test_flaky_plain():
    first_attempt_fails("plain")


def test_broken():
    raise AssertionError("broken every time")
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "shaky.feature").write_text(
        "Feature: Shaky\n  Scenario: A shaky sign-in\n    Given a shaky service\n"
        "    Then she sees her account on the second try\n")
    (tmp_path / "conftest.py").write_text(STEPS)
    (tmp_path / "test_shaky.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "marks").mkdir()
    return tmp_path


@pytest.mark.parametrize("workers", ["0", "2"], ids=["serial", "xdist"])
def test_a_test_passing_only_on_a_retry_is_reported_flaky_everywhere(project: Path, workers: str) -> None:
    done = run(["-p", "suite.reporting", "-p", "suite.rerun", "-p", "no:schemathesis", "-p", "no:cacheprovider",
                "-n", workers, "--reruns", "2", "-rA", "--junitxml", "junit.xml", "--cucumberjson", "cucumber.json"],
               project, PYTHONPATH=str(ROOT), FLAKY_DIR=str(project / "marks"), SUITE_REPORTS_DIR=str(project / "reports"))
    out = done.stdout
    assert done.returncode == 1, out[-1500:] + done.stderr[-1500:]  # test_broken fails after its retries
    summary = out.strip().splitlines()[-1]
    assert "1 failed" in summary and "1 passed" in summary and "2 flaky" in summary, summary
    assert "flaky tests: passed only on a retry (2)" in out
    assert "FLAKY test_shaky.py::test_flaky_plain: passed on retry 1; attempt 1 failed: AssertionError: plain wobbled" in out
    assert "PASSED test_shaky.py::test_flaky_plain" not in out and "PASSED test_shaky.py::test_solid" in out

    cases = {case.get("name"): case for case in ET.parse(project / "junit.xml").iter("testcase")}
    # one test case per test: an attempt that was run again is no (passing) test case of its own
    assert sorted(cases) == sorted(case.get("name") for case in ET.parse(project / "junit.xml").iter("testcase"))
    assert set(cases) == {"test_solid", "test_flaky_plain", "test_broken", "test_a_shaky_signin"}, cases
    def properties(name: str) -> dict[str, str | None]:
        return {p.get("name", ""): p.get("value") for p in cases[name].iter("property")}
    assert (properties("test_flaky_plain").get("flaky") or "").startswith("passed on retry 1; attempt 1 failed")
    assert (properties("test_a_shaky_signin").get("flaky") or "").startswith("passed on retry 1")
    assert "flaky" not in properties("test_solid") and "flaky" not in properties("test_broken")
    assert cases["test_broken"].find("failure") is not None and cases["test_solid"].find("failure") is None

    [feature] = json.loads((project / "cucumber.json").read_text())
    [scenario] = feature["elements"]  # one entry: the retry, not the failed attempt
    assert "flaky" in [tag["name"] for tag in scenario["tags"]]
    assert "Flaky: passed on retry 1; attempt 1 failed: AssertionError: scenario wobbled" in scenario["description"]
    assert [step["result"]["status"] for step in scenario["steps"]] == ["passed", "passed"]


def test_without_reruns_a_wobble_is_a_failure(project: Path) -> None:
    done = run(["-p", "suite.rerun", "-p", "no:schemathesis", "-p", "no:cacheprovider", "-q"],
               project, PYTHONPATH=str(ROOT), FLAKY_DIR=str(project / "marks"))
    summary = done.stdout.strip().splitlines()[-1]
    assert done.returncode == 1 and "3 failed, 1 passed" in summary and "flaky" not in summary, done.stdout[-800:]
