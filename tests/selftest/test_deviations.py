"""Known vendor deviations: a profile lists what it accepts for now and until when. A
listed deviation that occurs is reported as known; one that no longer occurs fails the
run (strict); an expired entry stops the run before it starts, in one line.

The sandbox stands in for a deviating vendor with one of its faults: link sessions that
expire after 15 minutes instead of 10 (the promise ``nox_link_session_promises``), a
token answer without ``expires_in`` (the test ``test_nomos_token_contract[POST /oauth/token]``).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from suite.deviations import Deviation, read

ROOT = Path(__file__).resolve().parents[2]
CHECK = "nox_link_session_promises"
CHECK_FAULT = "nox-expires-at-off"
TEST = "test_nomos_token_contract[POST /oauth/token]"


def profile(tmp_path: Path, *entries: tuple[str, str]) -> Path:
    """targets/sandbox.toml with known deviations (id, until)."""
    text = (ROOT / "targets" / "sandbox.toml").read_text(encoding="utf-8")
    for ident, until in entries:
        text += f'\n[[deviations]]\nid = "{ident}"\nreason = "the vendor knows (ticket 4711)"\nuntil = {until}\n'
    path = tmp_path / "deviating.toml"
    path.write_text(text, encoding="utf-8")
    return path


def contracts(tmp_path: Path, target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:rerunfailures",
         "--living-doc", "none", "-m", "contract", "--contract-budget", "5", f"--target={target}",
         "--junitxml", str(tmp_path / "junit.xml"), *args],
        cwd=ROOT, env={**os.environ, "SUITE_REPORTS_DIR": str(tmp_path / "reports")},
        capture_output=True, text=True, timeout=600)


def deviation_properties(tmp_path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for case in ET.parse(tmp_path / "junit.xml").iter("testcase"):
        values = [p.get("value", "") for p in case.iter("property") if p.get("name") == "deviation"]
        if values:
            found[case.get("name", "")] = values
    return found


# ------------------------------------------------------------------- the profile


def test_entries_are_read_with_their_dates() -> None:
    entries = read([{"id": CHECK, "reason": " r ", "until": datetime.date(2027, 1, 31)}], "p.toml",
                   today=datetime.date(2027, 1, 31))
    assert entries == (Deviation(CHECK, "r", datetime.date(2027, 1, 31)),)
    assert entries[0].is_check and not Deviation(TEST, "r", datetime.date(2027, 1, 31)).is_check
    assert entries[0].line == f"{CHECK}: r (until 2027-01-31)"


@pytest.mark.parametrize("raw", [{"id": "x"}, [{"id": "x", "reason": "r", "until": "2027-01-31"}],
                                 [{"id": "", "reason": "r", "until": datetime.date(2027, 1, 1)}]])
def test_malformed_entries_are_named(raw: object) -> None:
    with pytest.raises(ValueError, match=r"p\.toml"):
        read(raw, "p.toml", today=datetime.date(2026, 1, 1))


def test_an_expired_entry_stops_the_run_in_one_line(tmp_path: Path) -> None:
    done = contracts(tmp_path, profile(tmp_path, (CHECK, "2020-01-31")))
    assert done.returncode == 4, done.stdout[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"known deviation '{CHECK}'" in lines[0] and "expired on 2020-01-31" in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


# ---------------------------------------------------------------- check deviations


def test_a_known_check_deviation_is_reported_as_known(tmp_path: Path) -> None:
    done = contracts(tmp_path, profile(tmp_path, (CHECK, "2099-12-31")), "--sandbox-fault", CHECK_FAULT)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "xfailed" in done.stdout.splitlines()[-1], done.stdout[-500:]
    tagged = deviation_properties(tmp_path)
    assert tagged and all(values == [f"{CHECK}: the vendor knows (ticket 4711) (until 2099-12-31)"] for values in tagged.values())
    assert any("link_session" in name for name in tagged), tagged


def test_without_a_known_deviation_the_same_answer_fails(tmp_path: Path) -> None:
    done = contracts(tmp_path, ROOT / "targets" / "sandbox.toml", "--sandbox-fault", CHECK_FAULT)
    assert done.returncode == 1 and CHECK in done.stdout, done.stdout[-3000:]


def test_a_check_deviation_that_no_longer_occurs_fails_the_run(tmp_path: Path) -> None:
    done = contracts(tmp_path, profile(tmp_path, (CHECK, "2099-12-31")))
    assert done.returncode == 1, done.stdout[-3000:]
    assert f"known deviation {CHECK} did not occur: the vendor seems to have fixed it; remove it from deviating.toml" \
        in done.stdout


# ----------------------------------------------------------------- test deviations


def test_a_known_test_deviation_is_a_strict_expected_failure(tmp_path: Path) -> None:
    target = profile(tmp_path, (TEST, "2099-12-31"))
    done = contracts(tmp_path, target, "-k", "token", "--sandbox-fault", "nomos-token-answer-incomplete")
    summary = done.stdout.splitlines()[-1]
    assert done.returncode == 0 and "xfailed" in summary and " failed" not in summary, done.stdout[-3000:]
    assert deviation_properties(tmp_path) == {TEST: [f"{TEST}: the vendor knows (ticket 4711) (until 2099-12-31)"]}
    fixed = contracts(tmp_path, target, "-k", "token")
    assert fixed.returncode == 1 and f"[XPASS(strict)] known deviation {TEST} no longer occurs" in fixed.stdout, \
        fixed.stdout[-3000:]
