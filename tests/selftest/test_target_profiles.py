"""Bad input gets a clear error: a missing variable, a broken profile, a production
host, an unreachable target each end the run at once with one line that names the
problem and the fix, and no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.target import TargetError, load, looks_like_production

ROOT = Path(__file__).resolve().parents[2]
STAGING = (ROOT / "targets" / "staging.example.toml").read_text()
SECRETS = ("NOMOS_CLIENT_SECRET", "NOX_SUPPLIER_API_KEY", "NOX_MANUFACTURER_API_KEY", "PARTNER_SUBSCRIBED_PASSWORD",
           "PARTNER_UNSUBSCRIBED_PASSWORD", "BRAND_HP_PASSWORD", "BRAND_PV_PASSWORD")


def suite(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "SUITE_TARGET"}
    return subprocess.run([sys.executable, "-m", "pytest", "tests/flows", "-q", *args], cwd=ROOT,
                          env={**clean, **(env or {})}, capture_output=True, text=True, timeout=120)


def one_line_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 4, (done.returncode, done.stdout[-500:], done.stderr[-500:])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    return lines[0]


def profile(tmp_path: Path, text: str) -> str:
    path = tmp_path / "profile.toml"
    path.write_text(text)
    return str(path)


def test_missing_secret_names_every_variable_and_the_fix() -> None:
    line = one_line_error(suite("--target", "staging.example"))
    assert "NOMOS_CLIENT_SECRET" in line and "BRAND_PV_PASSWORD" in line and ".env" in line


def test_unknown_target_lists_the_known_ones() -> None:
    line = one_line_error(suite("--target", "nowhere"))
    assert "nowhere" in line and "sandbox" in line


def test_environment_variable_selects_the_target() -> None:
    line = one_line_error(suite(env={"SUITE_TARGET": "nowhere"}))
    assert "nowhere" in line


def test_broken_toml_is_named(tmp_path: Path) -> None:
    line = one_line_error(suite("--target", profile(tmp_path, "[target\nname = ")))
    assert "not valid TOML" in line


def test_missing_key_is_named(tmp_path: Path) -> None:
    line = one_line_error(suite("--target", profile(tmp_path, STAGING.replace('nomos_api = "https', 'xnomos = "https'))))
    assert "urls.nomos_api" in line


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    text = STAGING.replace('client_secret = { env = "NOMOS_CLIENT_SECRET" }', 'client_secret = "hunter2hunter2"')
    line = one_line_error(suite("--target", profile(tmp_path, text)))
    assert "never a literal secret" in line


def test_production_host_is_refused_unless_allowed(tmp_path: Path) -> None:
    env = {name: "canary-value-123" for name in SECRETS}
    text = STAGING.replace("https://api.staging.nomos.example", "https://api.nomos.energy")
    line = one_line_error(suite("--target", profile(tmp_path, text), env=env))
    assert "api.nomos.energy" in line and "allow_production" in line


def test_unreachable_target_is_named(tmp_path: Path) -> None:
    env = {name: "canary-value-123" for name in SECRETS}
    text = STAGING.replace("https://app.staging.partner.example", "http://127.0.0.1:9")
    line = one_line_error(suite("--target", profile(tmp_path, text), env=env))
    assert "unreachable" in line and "127.0.0.1:9" in line


def test_sandbox_fault_only_on_embedded_targets() -> None:
    env = {name: "canary-value-123" for name in SECRETS}
    line = one_line_error(suite("--target", "staging.example", "--sandbox-fault", "x", env=env))
    assert "embedded sandbox" in line


def test_unknown_fault_is_named() -> None:
    line = one_line_error(suite("--sandbox-fault", "no-such-fault"))
    assert "no-such-fault" in line and "--list-faults" in line


@pytest.mark.parametrize("host", ["api.nomos.energy", "auth.nox.energy", "nomos.customerportal.energy"])
def test_vendor_production_hosts_look_like_production(host: str) -> None:
    assert looks_like_production(host)


@pytest.mark.parametrize("host", ["127.0.0.5", "localhost", "api.staging.nomos.example", "nox-test.example.com"])
def test_test_hosts_do_not(host: str) -> None:
    assert not looks_like_production(host)


def test_secrets_print_as_their_source_only() -> None:
    target = load("staging.example", env={name: "s3cret-canary-value" for name in SECRETS})
    assert "s3cret-canary-value" not in repr(target) and "s3cret-canary-value" not in str(target.nomos)
    with pytest.raises(TargetError):
        load("staging.example", env={})
