"""Typos and silence (issue 22): an ``-m`` naming nothing known is refused in one line
naming the closest known names; a selection of nothing says so; the header's first line
names the target, where its profile was chosen, the browser and the budget."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from suite.selection import names_in, typo
from suite.target import chosen_from

ROOT = Path(__file__).resolve().parents[2]
KNOWN = {"sso", "supplier", "smoke", "clock", "REQ-SSO-09", "REQ-SSO-19", "REQ-SUP-01"}


def collect(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in ("SUITE_TARGET", "PYTEST_ADDOPTS")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q", *args], cwd=ROOT,
                          env={**base, **(env or {})}, capture_output=True, text=True, timeout=120)


def test_an_expression_names_its_markers_but_not_keyword_arguments() -> None:
    assert names_in("supplier and not (REQ-SSO-09 or smoke)") == ["supplier", "REQ-SSO-09", "smoke"]
    assert names_in("sso(flow=1)") == ["sso"]


def test_a_typo_names_the_closest_known_ones() -> None:
    line = typo("REQ-SSO-9", KNOWN)
    assert line is not None and "'REQ-SSO-9'" in line and "REQ-SSO-09" in line and "\n" not in line
    assert "supplier" in (typo("supplir and not clock", KNOWN) or "")
    assert typo("sso and not clock", KNOWN) is None


def test_where_the_profile_was_chosen(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SUITE_TARGET=sandbox-other\n")
    assert chosen_from("staging", {}, dotenv) == "--target"
    assert chosen_from(None, {"SUITE_TARGET": "x"}, dotenv) == "$SUITE_TARGET"
    assert chosen_from(None, {}, dotenv) == "SUITE_TARGET in .env"
    assert chosen_from(None, {}, tmp_path / "none.env") == "the default"


def test_a_mistyped_requirement_is_refused_in_one_line() -> None:
    done = collect("-m", "REQ-SSO-9")
    errors = [line for line in (done.stdout + done.stderr).splitlines() if line.startswith("ERROR")]
    assert done.returncode == 4 and len(errors) == 1, done.stdout[-1500:] + done.stderr[-1500:]
    assert "REQ-SSO-09" in errors[0] and "Traceback" not in done.stderr


def test_a_selection_of_nothing_says_so() -> None:
    done = collect("-m", "sso and supplier")
    assert done.returncode == 5, done.stdout[-1500:]
    said = [line for line in done.stdout.splitlines() if line.startswith("nothing selected")]
    assert len(said) == 1 and "-m 'sso and supplier'" in said[0], done.stdout[-1500:]


def test_the_headers_first_line_names_target_source_browser_and_budget(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("SUITE_TARGET=sandbox-other\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-m", "smoke"], cwd=ROOT,
                          env={**{k: v for k, v in os.environ.items() if k != "SUITE_TARGET"}, "SUITE_DOTENV": str(dotenv)},
                          capture_output=True, text=True, timeout=120)
    header = done.stdout.splitlines()
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    first = header[header.index(next(h for h in header if h.startswith("platform"))) + 1]
    assert first.startswith("target: sandbox-other (targets/sandbox-other.toml, chosen by SUITE_TARGET in .env)"), first
    assert "browser: chromium, headless" in first and "request budget: " in first


def test_a_partial_selection_writes_its_own_document_and_leaves_the_history(tmp_path: Path) -> None:
    """A `-k` run on a laptop never changes what the nightly compares with (issue 22)."""
    reports = tmp_path / "reports"
    base = {k: v for k, v in os.environ.items() if k not in ("SUITE_TARGET", "PYTEST_ADDOPTS", "SUITE_HISTORY")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-k",
                           "test_the_partner_backend_mints_a_magic_link_with_an_access_token_it_got_serverside"],
                          cwd=ROOT, env={**base, "SUITE_REPORTS_DIR": str(reports)}, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and "1 passed" in done.stdout, done.stdout[-2000:] + done.stderr[-1000:]
    assert (reports / "partial" / "living-documentation.html").is_file() and (reports / "partial" / "run-record.json").is_file()
    assert not (reports / "living-documentation.html").exists() and not (reports / "history.jsonl").exists()
    assert not (reports / "partial" / "history.jsonl").exists()
