"""Set-up and the two commands, with nothing but Python (Linux, macOS, Windows):

    python scripts/run.py setup              a virtualenv with the pinned dependencies, a Chromium, ffmpeg
    python scripts/run.py suite [ARGS]       set up, then the main job: pytest ARGS (features and contracts)
    python scripts/run.py selftest [ARGS]    set up, lint, then the project's own tests: pytest tests/selftest ARGS

(`py scripts\\run.py ...` on Windows.) scripts/setup, scripts/suite and scripts/selftest
are the same commands for bash. Everything is idempotent: dependencies are installed
again only when pyproject.toml changes; the system packages are asked for once.

The browser: $SUITE_CHROMIUM, else Playwright's own download, else the system's
Chromium (suite/browser.py chooses). As root on Debian or Ubuntu the set-up installs
the packages chromium, chromium-headless-shell and ffmpeg; elsewhere it runs
`playwright install chromium`. Video recording (--video) needs Playwright's ffmpeg:
the set-up links the system's ffmpeg where Playwright looks for its own, or downloads it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
APT_TRIED = VENV / ".apt-tried"  # the packages already asked for (a machine without a mirror is asked once)


def say(message: str) -> None:
    print(f"setup: {message}", file=sys.stderr, flush=True)


def fail(message: str) -> None:
    say(f"error: {message}")
    raise SystemExit(1)


def child_env() -> dict[str, str]:
    # pytest caches its assertion-rewritten modules as bytecode (about 2 s of every
    # start, in each xdist worker and selftest subprocess) unless bytecode writing is off.
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def python_dependencies() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs under whatever python the user has
        fail(f"Python 3.11 or newer is needed, found {sys.version.split()[0]}; run this with python3.11 or newer "
             "(bash: PYTHON=/path/to/python3.11 scripts/setup; Windows: py -3.11 scripts\\run.py setup)")
    if not VENV_PYTHON.exists():
        say("creating .venv")
        if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
            fail("cannot create a virtualenv; on Debian: apt-get install -y python3-venv")
    stamp = VENV / f".installed-{hashlib.sha256((ROOT / 'pyproject.toml').read_bytes()).hexdigest()[:16]}"
    if stamp.exists():
        return
    say("installing pinned dependencies (pyproject.toml)")
    log = VENV / "pip.log"
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--quiet"]
    with log.open("w") as out:
        subprocess.run([*pip, "--upgrade", "pip"], cwd=ROOT, stdout=out, stderr=out)
        installed = subprocess.run([*pip, ".[dev]"], cwd=ROOT, stdout=out, stderr=out)
    if installed.returncode != 0:
        print("\n".join(log.read_text(errors="replace").splitlines()[-15:]), file=sys.stderr)
        fail(f"pip could not install the dependencies (log: {log}); check access to the package index (PIP_INDEX_URL)")
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    for leftover in [*ROOT.glob("*.egg-info"), *VENV.glob(".installed-*")]:
        shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink()
    stamp.touch()


def apt_install(packages: list[str]) -> None:
    """As root on Debian/Ubuntu: install what is missing, asking once per package."""
    tried = set(APT_TRIED.read_text().split()) if APT_TRIED.exists() else set()
    wanted = [p for p in packages if p not in tried]
    if not wanted or not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return
    APT_TRIED.write_text(" ".join(sorted(tried | set(wanted))))
    say(f"installing the system packages {' '.join(wanted)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
    if done.returncode == 0:
        done = subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *wanted], capture_output=True, env=env)
    if done.returncode != 0:
        say(f"apt-get could not install {' '.join(wanted)}; using what is there, else Playwright's download")


def playwright_install(what: str) -> bool:
    say(f"downloading Playwright's {what}")
    return subprocess.run([str(VENV_PYTHON), "-m", "playwright", "install", what], capture_output=True).returncode == 0


def browsers() -> None:
    """A Chromium the suite can launch, and Playwright's ffmpeg for --video (runs in the virtualenv)."""
    sys.path.insert(0, str(ROOT))
    from suite.browser import BrowserUnavailable, Machine, choose_browser, ffmpeg_missing, playwright_build

    def chromium_problem() -> str | None:
        try:
            choose_browser(Machine())
            return None
        except BrowserUnavailable as exc:
            return str(exc)

    machine = Machine()
    own = any(Path(playwright_build(machine, name)).exists() for name in ("chromium", "chromium-headless-shell"))
    wanted = [] if own or machine.env.get("SUITE_CHROMIUM") else \
        [name for name in ("chromium", "chromium-headless-shell") if not Path(f"/usr/bin/{name}").exists()]
    wanted += ["ffmpeg"] if ffmpeg_missing(machine) and not shutil.which("ffmpeg") else []
    if machine.os == "linux":
        apt_install(wanted)
    if chromium_problem():
        playwright_install("chromium")
        problem = chromium_problem()
        if problem:
            fail(problem)
    ffmpeg = Path(playwright_build(Machine(), "ffmpeg"))
    if ffmpeg_missing(Machine()) and sys.platform.startswith("linux") and shutil.which("ffmpeg"):
        say(f"linking the system's ffmpeg for Playwright's video recording ({ffmpeg})")
        ffmpeg.parent.mkdir(parents=True, exist_ok=True)
        ffmpeg.unlink(missing_ok=True)
        ffmpeg.symlink_to(shutil.which("ffmpeg") or "ffmpeg")
    if ffmpeg_missing(Machine()) and not playwright_install("ffmpeg"):
        say(f"video recording is not available: {ffmpeg_missing(Machine())}")


def setup() -> None:
    python_dependencies()
    done = subprocess.run([str(VENV_PYTHON), str(Path(__file__).resolve()), "_browsers"], cwd=ROOT, env=child_env())
    if done.returncode != 0:
        raise SystemExit(done.returncode)
    say("ready")


def target_args(args: list[str], here: Path) -> list[str]:
    """``--target PATH`` handed to pytest as ``--target=PATH``, a relative path made
    absolute from where the command was started. pytest reads a separate argument that
    names an existing file as a test path before any plugin can claim it: a profile
    outside the checkout then becomes pytest's rootdir and ``--target`` is unknown."""
    out, rest = [], list(args)
    while rest:
        arg = rest.pop(0)
        if arg == "--target" and rest:
            value = rest.pop(0)
        elif arg.startswith("--target="):
            value = arg.partition("=")[2]
        else:
            out.append(arg)
            continue
        if value.endswith(".toml") and not Path(value).is_absolute() and (here / value).exists():
            value = str(here / value)
        out.append(f"--target={value}")
    return out


def run(*command: str) -> int:
    return subprocess.run([str(VENV_PYTHON), *command], cwd=ROOT, env=child_env()).returncode


def main(argv: list[str]) -> int:
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "_browsers":
        browsers()
        return 0
    if command not in ("setup", "suite", "selftest"):
        print(__doc__, file=sys.stderr)
        return 2
    setup()
    if command == "suite":
        return run("-m", "pytest", *target_args(args, Path.cwd()))
    if command == "selftest":
        return run("-m", "ruff", "check", ".") or run("-m", "pytest", "tests/selftest", *args)
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        raise SystemExit(130) from None
