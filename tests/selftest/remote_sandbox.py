"""Helpers of the selftests that serve the sandbox as a remote target
(``python -m sandbox --write-profile``) and run the suite against it in a child pytest."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|errors?|skipped|deselected)\b.*?) in [\d.]+s", re.MULTILINE)


@dataclass
class Served:
    """A sandbox served by a subprocess: its profile and the environment holding its secrets."""

    process: subprocess.Popen[str]
    profile: Path
    secrets: dict[str, str]

    def run_suite(self, args: list[str], reports: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
        """The suite against this sandbox, as a staging user runs it (SUITE_TARGET, secrets in
        the environment), writing its reports to ``reports``."""
        env = {**os.environ, **self.secrets, "SUITE_TARGET": str(self.profile), "SUITE_REPORTS_DIR": str(reports)}
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=timeout)


def read_env_file(path: Path) -> dict[str, str]:
    """``export NAME=value`` lines (shell-quoted), as ``. path`` would set them."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = shlex.split(value)[0]
    return values


@contextmanager
def served(folder: Path, *flags: str) -> Iterator[Served]:
    """``python -m sandbox --write-profile ... --env-file ... FLAGS`` until the block ends."""
    profile, env_file = folder / "profile.toml", folder / "sandbox.env"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS",)}
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--write-profile", str(profile), "--env-file", str(env_file), *flags],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        said = []
        for line in process.stdout:  # the sandbox says "Start at ..." once it serves
            said.append(line)
            if line.startswith("Start at"):
                break
        assert profile.is_file() and env_file.is_file(), "the sandbox did not start:\n" + "".join(said)[-2000:]
        # keep reading what it says (warnings), so a full pipe never stalls it
        threading.Thread(target=said.extend, args=(process.stdout,), daemon=True).start()
        yield Served(process, profile, read_env_file(env_file))
    finally:
        process.terminate()
        process.wait(timeout=20)


def summary(done: subprocess.CompletedProcess[str]) -> str:
    """pytest's last line without the time: ``205 passed, 1 skipped``."""
    found = SUMMARY.findall(done.stdout)
    return found[-1] if found else done.stdout[-300:]


def green(done: subprocess.CompletedProcess[str]) -> bool:
    """Exit code 0, something passed, nothing failed."""
    line = summary(done)
    return done.returncode == 0 and re.search(r"\d+ passed", line) is not None and not re.search(r"\b\d+ (failed|errors?)\b", line)
