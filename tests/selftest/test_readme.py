"""The README is executable: every command in its shell code blocks, and in those of the
design pages it links (docs/*.md), runs here and must not fail.

How each is run (a real run of most would take minutes, and the selftest is one of them):
- the suite and the selftest (`scripts/suite`, `scripts/selftest`, `python scripts/run.py
  suite|selftest`): as written plus `--collect-only -q`, so the set-up, the options, the
  marker and `-k` expressions, the target and every refusal are exercised; a `-k`
  command must select exactly one test, any other at least one;
- `--headed` on a machine without a display: under `xvfb-run -a` where it is installed,
  else it must be refused before the run in one line naming xvfb-run;
- `--target staging` without targets/staging.toml (a copy of staging.example the README
  asks for): it must end at once with one line naming the profiles there are;
- `python -m sandbox`: started, waited for until it serves, stopped with Ctrl-C;
- the benchmark and the throughput comparison: with a small option (`--only sso --runs 1`,
  `--examples 1`), once for the README lines that come to the same small run;
- `python -m suite.living_doc ...` and `python -m suite.shard merge ...`: as written, in a folder holding the run records of two
  small shard runs (`shard-1/`, `shard-2/`, and `reports/run-record.json`), globs expanded;
- anything else (the set-up): as written.
A line ending in a backslash goes on on the next. `python` and `.venv/bin/python` stand for this interpreter;
reports and pytest's cache go to a temp folder.
"""

from __future__ import annotations

import glob
import os
import queue
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```(?:sh|bash|shell|console)\n(.*?)^```", re.MULTILINE | re.DOTALL)
PYTEST_COMMANDS = ("scripts/suite", "scripts/selftest")


def readme_commands(text: str) -> list[str]:
    """Every command line of the README's shell code blocks, comments dropped."""
    blocks = (re.sub(r"\\\n\s*", " ", block) for block in BLOCK.findall(text))
    lines = (line.strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if shlex.split(line, comments=True)]


def design_pages(text: str) -> list[Path]:
    """The pages of docs/ the README links, in the order it links them."""
    return [ROOT / "docs" / name for name in dict.fromkeys(re.findall(r"\]\(docs/([\w-]+\.md)\)", text))]


COMMANDS = readme_commands(README.read_text() + "".join(p.read_text() for p in design_pages(README.read_text())))


def argv_of(line: str) -> list[str]:
    argv = shlex.split(line, comments=True)
    if argv[0] in ("python", "python3", "py", ".venv/bin/python"):
        argv[0] = sys.executable
    return argv


def runs_pytest(argv: list[str]) -> bool:
    return argv[0] in PYTEST_COMMANDS or (argv[1:2] == ["scripts/run.py"] and argv[2:3] in (["suite"], ["selftest"]))


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}
    return {**env, "SUITE_REPORTS_DIR": str(tmp_path / "reports"), "PYTEST_ADDOPTS": f"-o cache_dir={tmp_path / 'cache'}"}


def run(argv: list[str], tmp_path: Path, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=ROOT, env=environment(tmp_path), capture_output=True, text=True, timeout=timeout)


def test_the_readme_shows_commands() -> None:
    assert len(COMMANDS) >= 20, COMMANDS
    assert any("-k" in argv_of(c) for c in COMMANDS) and any("python scripts/run.py" in c for c in COMMANDS)


@pytest.fixture(scope="module")
def shard_records(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the run records of two small shard runs, as the merge wants them."""
    folder = tmp_path_factory.mktemp("shards")
    for shard, scenario in (("shard-1", "alice_opens_her_energy_account"), ("shard-2", "bob_without_a_subscription")):
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-k", scenario,
                               "--living-doc", str(folder / shard / "living-documentation.html"), "--history", "none"],
                              cwd=ROOT, env={**os.environ, "SUITE_REPORTS_DIR": str(folder / shard)},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and (folder / shard / "run-record.json").exists(), done.stdout[-1500:]
    (folder / "reports").mkdir()
    shutil.copy(folder / "shard-1" / "run-record.json", folder / "reports" / "run-record.json")
    return folder


@pytest.mark.parametrize("line", COMMANDS)
def test_readme_command(line: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    argv = argv_of(line)
    if argv[1:3] in (["-m", "suite.living_doc"], ["-m", "suite.shard"]):
        folder: Path = request.getfixturevalue("shard_records")
        expanded = [match for arg in argv for match in (sorted(glob.glob(arg, root_dir=folder)) if "*" in arg else [arg])]
        done = subprocess.run(expanded, cwd=folder, env={**environment(tmp_path), "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    elif argv[-2:] == ["-m", "sandbox"]:
        serve_the_sandbox_and_stop_it(argv, tmp_path)
    elif runs_pytest(argv):
        collect(argv, tmp_path)
    elif "scripts/contract_throughput.py" in argv:
        small_run(argv, ["--examples", "1"], tmp_path)
    elif "scripts/bench.py" in argv:
        small_run(argv[: argv.index("scripts/bench.py") + 1], ["--only", "sso", "--runs", "1"], tmp_path)
    else:
        done = run(argv, tmp_path)
        assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]


SMALL_RUNS: dict[tuple[str, ...], str] = {}  # a small run two README lines share runs once


def small_run(script: list[str], small: list[str], tmp_path: Path) -> None:
    key = (*script, *small)
    if key not in SMALL_RUNS:
        done = run([*script, *small, "--json", str(tmp_path / "figures.json")], tmp_path)
        SMALL_RUNS[key] = "" if done.returncode == 0 and (tmp_path / "figures.json").exists() else \
            done.stdout[-1500:] + done.stderr[-1500:]
    assert not SMALL_RUNS[key], SMALL_RUNS[key]


def collect(argv: list[str], tmp_path: Path) -> None:
    headless_only = "--headed" in argv and sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless_only and shutil.which("xvfb-run"):
        argv, headless_only = ["xvfb-run", "-a", *argv], False
    done = run([*argv, "--collect-only", "-q"], tmp_path)
    out = done.stdout + done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("ERROR")]
    if headless_only:
        assert done.returncode == 4 and len(errors) == 1 and "--headed needs a display" in errors[0], out[-1500:]
        assert "xvfb-run" in errors[0]
        return
    if "staging" in argv and not (ROOT / "targets" / "staging.toml").exists():
        assert done.returncode == 4 and len(errors) == 1, out[-1500:]
        assert "no target profile" in errors[0] and "staging.example" in errors[0], errors
        return
    assert done.returncode == 0, out[-2000:]
    collected = re.search(r"(\d+)(?:/\d+)? tests? collected", done.stdout)
    assert collected, out[-1500:]
    if "-k" in argv:
        tests = [line for line in done.stdout.splitlines() if "::" in line]
        assert int(collected.group(1)) == 1 and len(tests) == 1, f"-k selects {collected.group(0)}: {tests}"
    else:
        assert int(collected.group(1)) >= 1, out[-1500:]


def serve_the_sandbox_and_stop_it(argv: list[str], tmp_path: Path) -> None:
    started = subprocess.Popen(argv, cwd=ROOT, env=environment(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in started.stdout or ()], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not (seen and seen[-1].startswith("Start at ")) and time.monotonic() < deadline:
            try:
                seen.append(lines.get(timeout=max(0.1, deadline - time.monotonic())))
            except queue.Empty:
                break
        assert seen and seen[-1].startswith("Start at http"), "".join(seen)[-1500:]
        url = seen[-1].split()[2]
        assert httpx.get(url, timeout=10).status_code < 500, url  # it serves what it says
        started.send_signal(signal.SIGINT)  # Ctrl-C, as the sandbox says
        assert started.wait(timeout=30) == 0
    finally:
        if started.poll() is None:
            started.kill()
            started.wait()
