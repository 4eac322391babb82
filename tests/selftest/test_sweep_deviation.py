"""A finding of the sweep against a vendor is actionable: the failure names the standard
and its clause, and a ``[[deviations]]`` entry whose id is the probe's test name turns
that one finding into an expected failure (suite/deviations.py), strictly: the day the
vendor fixes it, the run says so."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "test_unauthorized_names_its_scheme[nomos-magic-link]"
FAULT = "nomos-401-without-bearer-challenge"


def sweep(tmp_path: Path, *args: str, deviation: bool) -> subprocess.CompletedProcess[str]:
    text = (ROOT / "targets" / "sandbox.toml").read_text(encoding="utf-8")
    if deviation:
        text += f'\n[[deviations]]\nid = "{PROBE}"\nreason = "Nomos sends no WWW-Authenticate (ticket 4711)"\nuntil = 2099-12-31\n'
    profile = tmp_path / "deviating.toml"
    profile.write_text(text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pytest", "tests/sweep", "-m", "REQ-SEC-17", "-q", "-rxX",
                           "-p", "no:randomly", "-p", "no:cacheprovider", "--living-doc", "none", "--history", "none",
                           "--target", str(profile), *args], cwd=ROOT, capture_output=True, text=True, timeout=180)


def test_a_finding_names_the_standard_and_its_clause(tmp_path: Path) -> None:
    done = sweep(tmp_path, "--sandbox-fault", FAULT, deviation=False)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "without WWW-Authenticate" in done.stdout and "RFC 6750 §3" in done.stdout, done.stdout[-2000:]
    assert "1 failed, 1 passed" in done.stdout, done.stdout[-600:]


def test_a_deviation_turns_that_one_finding_into_an_expected_failure(tmp_path: Path) -> None:
    done = sweep(tmp_path, "--sandbox-fault", FAULT, deviation=True)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "1 passed" in done.stdout and "1 xfailed" in done.stdout and "known deviation" in done.stdout, done.stdout[-1500:]


def test_a_deviation_the_vendor_fixed_fails_the_run(tmp_path: Path) -> None:
    done = sweep(tmp_path, deviation=True)
    assert done.returncode == 1, done.stdout[-2000:]
