"""Bad input gets a clear error: a missing variable, a broken profile, a production
host, an unreachable target each end the run at once with one line that names the
problem and the fix, and no traceback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from suite.target import TargetError, chosen, environment, load, looks_like_production

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


@pytest.mark.parametrize("seconds", ["0", "-1"])
def test_a_page_wait_that_is_not_above_zero_is_refused(tmp_path: Path, seconds: str) -> None:
    text = STAGING.replace("page_wait_seconds = 10", f"page_wait_seconds = {seconds}")
    assert text != STAGING
    with pytest.raises(TargetError, match=r"`limits.page_wait_seconds` must be above 0"):
        load(profile(tmp_path, text), env=dict.fromkeys(SECRETS, "x"))


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
    text = text.replace("request_budget = 600", "request_budget = 100000")  # the budget is judged first
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


# ------------------------------------------------- what a staging user hits first


def pytest_in(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "SUITE_TARGET"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args], cwd=cwd, env=clean,
                          capture_output=True, text=True, timeout=120)


def outside(tmp_path: Path, text: str) -> Path:
    """A profile in a folder of its own, outside the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = folder / "profile.toml"
    path.write_text(text)
    return path


def test_a_profile_outside_the_checkout_is_read(tmp_path: Path) -> None:
    broken = outside(tmp_path, STAGING.replace('nomos_api = "https', 'xnomos = "https'))
    # --target=PATH from the checkout, and --target PATH beside a test path from anywhere
    for cwd, args in ((ROOT, [f"--target={broken}"]), (tmp_path, [str(ROOT / "tests" / "flows"), "--target", str(broken)])):
        line = one_line_error(pytest_in(cwd, *args))
        assert "profile.toml" in line and "urls.nomos_api" in line, line


def test_a_good_profile_outside_the_checkout_collects_the_main_job(tmp_path: Path) -> None:
    sandbox = outside(tmp_path, (ROOT / "targets" / "sandbox.toml").read_text())
    done = pytest_in(ROOT, f"--target={sandbox}", "--collect-only")
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-1000:]
    assert re.search(r"^\d+ tests collected", done.stdout, re.M), done.stdout[-500:]


def test_the_wrapper_passes_a_target_path_from_anywhere(tmp_path: Path) -> None:
    """scripts/suite (scripts/run.py) hands `--target PATH` to pytest as `--target=/abs/PATH`,
    read from where it was started."""
    outside(tmp_path, STAGING.replace('nomos_api = "https', 'xnomos = "https'))
    clean = {k: v for k, v in os.environ.items() if k not in SECRETS and k != "SUITE_TARGET"}
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "run.py"), "suite", "--target", "elsewhere/profile.toml",
                           "-p", "no:cacheprovider", "--collect-only", "-q"],
                          cwd=tmp_path, env=clean, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout[-1000:] + done.stderr[-1000:]
    errors = [line for line in done.stderr.splitlines() if line.strip() and not line.startswith("setup:")]
    assert len(errors) == 1 and "urls.nomos_api" in errors[0], done.stderr


def test_the_wrapper_rewrites_only_target(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("run", ROOT / "scripts" / "run.py")
    assert spec and spec.loader
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    (tmp_path / "p.toml").write_text("")
    assert run.target_args(["-m", "sso", "--target", "p.toml", "-k", "x"], tmp_path) == \
        ["-m", "sso", f"--target={tmp_path / 'p.toml'}", "-k", "x"]
    assert run.target_args(["--target", "staging", "--target=/abs/q.toml"], tmp_path) == \
        ["--target=staging", "--target=/abs/q.toml"]


def test_dotenv_may_choose_the_target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUITE_TARGET", raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("SUITE_TARGET=staging.example\n")
    assert chosen(None, environment(dotenv)) == "staging.example"
    assert chosen("sandbox", environment(dotenv)) == "sandbox", "--target wins over .env"
    monkeypatch.setenv("SUITE_TARGET", "other")
    assert chosen(None, environment(dotenv)) == "other", "the environment wins over .env"
    assert chosen(None, environment(tmp_path / "absent")) == "other"
    monkeypatch.delenv("SUITE_TARGET")
    assert chosen(None, environment(tmp_path / "absent")) == "sandbox"


def test_the_run_chooses_its_target_with_dotenv(tmp_path: Path) -> None:
    """A run reads SUITE_TARGET from .env (here a .env named by SUITE_DOTENV, so that the
    checkout's own is left alone)."""
    dotenv = tmp_path / ".env"
    dotenv.write_text("SUITE_TARGET=nowhere-from-dotenv\n")
    line = one_line_error(suite(env={"SUITE_DOTENV": str(dotenv)}))
    assert "nowhere-from-dotenv" in line
