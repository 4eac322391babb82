"""Browser set-up for pytest-playwright: which browser, with which flags, and which of
pytest-playwright's options this machine can serve.

pytest-playwright starts the browser once per worker (session scope) and gives every
test a new context; this module only chooses the executable and its flags.

Which Chromium (``choose_browser``, a pure function of the machine it is given):
``$SUITE_CHROMIUM``; else Playwright's own download (``playwright install chromium``,
in its cache folder on Linux, macOS and Windows); else the system's Chromium. Of the
system's, a headless run takes Debian's ``chromium-headless-shell`` when it is there:
the suite's browser scenarios take about half the time in it than in the full browser
in headless mode (measured: tests/flows 63 s against 34 s on two cores). A headed run
(``--headed``) needs the full browser.

Every standard pytest-playwright option either works or ends the run before it starts
with one line saying how to get it (``refusal``): ``--browser firefox|webkit`` and
``--browser-channel`` need that browser installed, ``--headed`` a display, ``--video``
Playwright's ffmpeg (scripts/setup links the system's), ``--device`` a name Playwright
knows; ``--base-url`` is refused (the target profile names every URL) and so is an
``--output`` folder pytest-playwright would delete that holds the project itself.

A remote Playwright server (``SUITE_PLAYWRIGHT_ENDPOINT=ws://host:port/``, from the
environment or ``.env``): every worker connects to it instead of launching a browser
(``playwright run-server`` there, or Playwright's Docker image). The server launches
its own Chromium; one started with ``--unsafe`` launches ``$SUITE_CHROMIUM`` (a path on
the server's machine) instead. An embedded sandbox listens on this machine's loopback,
so its hosts are exposed to the remote browser through the connection.
"""

from __future__ import annotations

import difflib
import json
import os
import platform
import shutil
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from suite.paths import ROOT
from suite.target import Target, allowed_hosts, environment

SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
SYSTEM_HEADLESS_SHELLS = ("/usr/bin/chromium-headless-shell",)
# Flags for a closed network and small containers (Chromium only).
CHROMIUM_ARGS = [
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Where Playwright keeps each of its downloads inside <cache>/<name>-<revision>/, per
# platform (playwright-core's registry, 1.65).
BUILDS = {
    "chromium": {"linux": "chrome-linux{arm}/chrome", "mac": "chrome-mac-{arch}/Google Chrome for Testing.app/Contents/MacOS/"
                 "Google Chrome for Testing", "win": "chrome-win64/chrome.exe"},
    "chromium-headless-shell": {"linux": "chrome-headless-shell-linux{arm}/chrome-headless-shell",
                                "mac": "chrome-headless-shell-mac-{arch}/chrome-headless-shell",
                                "win": "chrome-headless-shell-win64/chrome-headless-shell.exe"},
    "firefox": {"linux": "firefox/firefox", "mac": "firefox/Nightly.app/Contents/MacOS/firefox", "win": "firefox/firefox.exe"},
    "webkit": {"linux": "pw_run.sh", "mac": "pw_run.sh", "win": "Playwright.exe"},
    "ffmpeg": {"linux": "ffmpeg-linux", "mac": "ffmpeg-mac", "win": "ffmpeg-win64.exe"},
}
# Branded channels Playwright finds at fixed places (Windows: below Program Files or LOCALAPPDATA).
CHANNELS = {
    "chrome": ("/opt/google/chrome/chrome", "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
               "Google/Chrome/Application/chrome.exe"),
    "chrome-beta": ("/opt/google/chrome-beta/chrome", "/Applications/Google Chrome Beta.app/Contents/MacOS/Google Chrome Beta",
                    "Google/Chrome Beta/Application/chrome.exe"),
    "msedge": ("/opt/microsoft/msedge/msedge", "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
               "Microsoft/Edge/Application/msedge.exe"),
    "msedge-beta": ("/opt/microsoft/msedge-beta/msedge", "/Applications/Microsoft Edge Beta.app/Contents/MacOS/Microsoft Edge Beta",
                    "Microsoft/Edge Beta/Application/msedge.exe"),
}
ENDPOINT_ENV = "SUITE_PLAYWRIGHT_ENDPOINT"  # a remote Playwright server to connect to instead of launching
INSTALL = "python -m playwright install"  # run with the virtualenv's python (.venv/bin/python, .venv\\Scripts\\python)


class BrowserUnavailable(Exception):
    """The browser asked for is not on this machine; the message says how to get it."""


@dataclass(frozen=True)
class Machine:
    """What the browser choice depends on: the platform, the environment, what exists."""

    system: str = field(default_factory=platform.system)  # Linux, Darwin, Windows
    arch: str = field(default_factory=platform.machine)  # x86_64, AMD64, arm64, aarch64
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    home: str = field(default_factory=lambda: str(Path.home()))
    exists: Callable[[str], bool] = os.path.exists
    which: Callable[[str], str | None] = shutil.which
    revisions: Mapping[str, str] = field(default_factory=lambda: playwright_revisions())

    @property
    def os(self) -> str:
        return {"Darwin": "mac", "Windows": "win"}.get(self.system, "linux")


@dataclass(frozen=True)
class Choice:
    executable: str | None  # None: let Playwright launch its own build or channel
    label: str  # what the run's header says
    chromium: bool = True  # the Chromium flags apply


def playwright_revisions() -> dict[str, str]:
    try:
        import playwright  # not at import: scripts/run.py reads this module to say what is missing, Playwright among it

        path = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
        return {b["name"]: str(b["revision"]) for b in json.loads(path.read_text())["browsers"]}
    except (ImportError, OSError, ValueError, KeyError):
        return {}


def registry_dir(machine: Machine) -> str:
    """Playwright's download folder, as playwright-core computes it."""
    chosen = machine.env.get("PLAYWRIGHT_BROWSERS_PATH")
    if chosen == "0":
        import playwright  # not at import: scripts/run.py reads this module to say what is missing, Playwright among it

        return str(Path(playwright.__file__).parent / "driver" / "package" / ".local-browsers")
    if chosen:
        return chosen
    cache = {
        "linux": machine.env.get("XDG_CACHE_HOME") or f"{machine.home}/.cache",
        "mac": f"{machine.home}/Library/Caches",
        "win": machine.env.get("LOCALAPPDATA") or f"{machine.home}/AppData/Local",
    }[machine.os]
    return f"{cache}/ms-playwright"


def playwright_build(machine: Machine, name: str) -> str:
    """Where Playwright's own download of ``name`` lives (whether or not it is there)."""
    arm = machine.arch.lower() in ("arm64", "aarch64")
    relative = BUILDS[name][machine.os].format(arm="-arm64" if arm else "64", arch="arm64" if arm else "x64")
    folder = f"{name.replace('-', '_')}-{machine.revisions.get(name, '?')}"
    return f"{registry_dir(machine)}/{folder}/{relative}"


def install_hint(machine: Machine, what: str) -> str:
    if machine.os == "linux":
        return f"`.venv/bin/{INSTALL} {what}` (downloads from Playwright's site)"
    return f"`python scripts/run.py setup`, or `.venv{'/Scripts/' if machine.os == 'win' else '/bin/'}{INSTALL} {what}`"


def channel_path(machine: Machine, channel: str) -> str | None:
    linux, mac, windows = CHANNELS[channel]
    if machine.os == "linux":
        return linux if machine.exists(linux) else None
    if machine.os == "mac":
        return mac if machine.exists(mac) else None
    for base in ("LOCALAPPDATA", "PROGRAMFILES", "PROGRAMFILES(X86)"):
        if machine.env.get(base) and machine.exists(f"{machine.env[base]}/{windows}"):
            return f"{machine.env[base]}/{windows}"
    return None


def choose_browser(machine: Machine, browser: str = "chromium", headless: bool = True, channel: str | None = None) -> Choice:
    """The browser to launch, or BrowserUnavailable naming how to get it."""
    if browser != "chromium":
        build = playwright_build(machine, browser)
        if machine.exists(build):
            return Choice(None, f"Playwright's {browser}", chromium=False)
        raise BrowserUnavailable(f"--browser {browser}: Playwright's {browser.capitalize()} is not installed here ({build}); "
                                 f"install it with {install_hint(machine, browser)}, or drop --browser {browser}")
    if channel and channel != "chromium":
        if channel not in CHANNELS:
            raise BrowserUnavailable(f"--browser-channel {channel}: unknown channel; use one of "
                                     f"{', '.join(['chromium', *CHANNELS])}, or drop the option")
        if channel_path(machine, channel):
            return Choice(None, f"the {channel} channel")
        raise BrowserUnavailable(f"--browser-channel {channel}: {channel} is not installed on this machine; install it "
                                 f"({install_hint(machine, channel)}), or drop --browser-channel")
    chosen = machine.env.get("SUITE_CHROMIUM")
    if chosen:
        if not machine.exists(chosen):
            raise BrowserUnavailable(f"SUITE_CHROMIUM={chosen} does not exist; point it at a Chromium executable or unset it")
        return Choice(chosen, f"$SUITE_CHROMIUM ({chosen})")
    # --browser-channel chromium asks for the full browser in headless mode too.
    wants_shell = headless and not channel
    own_shell, own_full = playwright_build(machine, "chromium-headless-shell"), playwright_build(machine, "chromium")
    if wants_shell and machine.exists(own_shell):
        return Choice(None, f"Playwright's headless shell ({own_shell})")
    if machine.exists(own_full):
        # Playwright launches its headless shell when headless; without it, the full build.
        return Choice(None if not wants_shell else own_full, f"Playwright's Chromium ({own_full})")
    candidates = [*(SYSTEM_HEADLESS_SHELLS if wants_shell else ()), *SYSTEM_CHROMIUMS] if machine.os == "linux" else []
    for candidate in [*candidates, machine.which("chromium") or ""]:
        if candidate and machine.exists(candidate):
            return Choice(candidate, f"the system's {Path(candidate).name} ({candidate})")
    debian = " (Debian: scripts/setup as root installs chromium and chromium-headless-shell)" if machine.os == "linux" else ""
    raise BrowserUnavailable(f"no Chromium found: install Playwright's with {install_hint(machine, 'chromium')}{debian}, "
                             "or set SUITE_CHROMIUM=/path/to/chrome")


def chromium_executable(headless: bool = True) -> str | None:
    """The Chromium to launch on this machine, or None to let Playwright use its own."""
    try:
        return choose_browser(Machine(), headless=headless).executable
    except BrowserUnavailable as exc:
        raise pytest.UsageError(str(exc)) from None


def has_display(machine: Machine) -> bool:
    return machine.os != "linux" or bool(machine.env.get("DISPLAY") or machine.env.get("WAYLAND_DISPLAY"))


def ffmpeg_missing(machine: Machine) -> str | None:
    """Why ``--video`` cannot record here, or None when Playwright's ffmpeg is there."""
    path = playwright_build(machine, "ffmpeg")
    if machine.exists(path):
        return None
    fix = ("run scripts/setup (as root it installs Debian's ffmpeg and links it there), or "
           f"`ln -s $(command -v ffmpeg) {path}` after installing ffmpeg" if machine.os == "linux"
           else f"run {install_hint(machine, 'ffmpeg')}")
    return f"--video needs Playwright's ffmpeg at {path}: {fix}; or drop --video"


def refusal(options: Mapping[str, Any], machine: Machine, root: Path = ROOT) -> str | None:
    """The one line that refuses a pytest-playwright option this machine cannot serve."""
    headless = not options.get("headed")
    endpoint = machine.env.get(ENDPOINT_ENV, "").strip()
    if endpoint:  # the server has the browsers
        return endpoint_refusal(endpoint)
    try:
        for browser in options.get("browser") or ["chromium"]:
            choose_browser(machine, browser, headless=headless, channel=options.get("browser_channel"))
    except BrowserUnavailable as exc:
        return str(exc)
    if not headless and not has_display(machine):
        return ("--headed needs a display and this machine has none ($DISPLAY is unset): run the command under "
                "`xvfb-run -a` (Debian: apt-get install xvfb), or drop --headed")
    if options.get("video") in ("on", "retain-on-failure"):
        missing = ffmpeg_missing(machine)
        if missing:
            return missing
    if options.get("base_url"):
        return ("--base-url is not used by this suite: the target profile names every URL; "
                "choose one with --target NAME (targets/), or drop --base-url")
    output = Path(str(options.get("output") or "test-results")).expanduser().resolve()
    if output in (root, *root.parents, Path(machine.home)) or (output.parent == root and output.name != "test-results"):
        return (f"--output {options.get('output')}: pytest-playwright deletes that folder when the run starts; "
                "give it a folder of its own, e.g. --output test-results/mine")
    return None


def endpoint_refusal(endpoint: str) -> str | None:
    parts = urlsplit(endpoint)
    if parts.scheme in ("ws", "wss") and parts.hostname:
        return None
    return (f"{ENDPOINT_ENV}={shown_endpoint(endpoint)}: not a Playwright server address; give its WebSocket address, "
            "e.g. ws://127.0.0.1:3000/ (`playwright run-server --port 3000` prints it), or unset it")


def shown_endpoint(endpoint: str) -> str:
    """The server's address without what may be a credential (user info, query)."""
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}" if parts.scheme else "?"


def unreachable(endpoint: str) -> str | None:
    """Why no Playwright server can answer at ``endpoint``, or None when something listens there."""
    parts = urlsplit(endpoint)
    port = parts.port or (443 if parts.scheme == "wss" else 80)
    try:
        socket.create_connection((parts.hostname or "", port), timeout=5).close()
    except OSError as exc:
        return (f"{ENDPOINT_ENV}={shown_endpoint(endpoint)}: no Playwright server answers there ({exc.strerror or exc}); "
                "start one (`playwright run-server --port N`) or unset it")
    return None


def playwright_endpoint() -> str | None:
    """The remote Playwright server of this run, if any (the environment, then ``.env``)."""
    return environment().get(ENDPOINT_ENV, "").strip() or None


def device_refusal(name: str) -> str | None:
    # not at import: scripts/run.py reads this module to say what is missing, Playwright among it
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        known = sorted(playwright.devices)
    if name in known:
        return None
    close = ", ".join(difflib.get_close_matches(name, known, n=4, cutoff=0.4)) or "Pixel 7, iPhone 13"
    return f"--device {name!r}: Playwright knows no such device; try one of {close}, or drop --device"


def configure(config: pytest.Config) -> None:
    """Refuse, before anything runs, an option this machine cannot serve (controller
    only). Called by suite/entry.py, after pytest-playwright read its options."""
    if getattr(config.option, "help", False) or not hasattr(config.option, "browser"):
        return
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        # pytest-playwright empties --output as each worker starts: each worker gets its own.
        output = Path(str(config.option.output))
        if str(config.option.output) not in ("test-results", "") and output.name != worker:
            config.option.output = str(output / worker)
        return
    options = vars(config.option)
    endpoint = playwright_endpoint()
    if endpoint and not os.environ.get(ENDPOINT_ENV):
        os.environ[ENDPOINT_ENV] = endpoint  # from .env: the workers and the refusal read it alike
    from_command_line = {**options, "base_url": None if options.get("base_url") == os.environ.get("PYTEST_BASE_URL")
                         else options.get("base_url")}
    line = refusal(from_command_line, Machine())
    if line is None and options.get("device"):
        line = device_refusal(options["device"])
    if line is None and endpoint and not options.get("collectonly"):
        line = unreachable(endpoint)
    if line:
        raise pytest.UsageError(line)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], browser_name: str) -> dict[str, Any]:
    args = {**browser_type_launch_args}
    if playwright_endpoint():  # launched by the remote server (connect_options)
        return args
    try:
        choice = choose_browser(Machine(), browser_name, headless=args.get("headless", True) is not False,
                                channel=args.get("channel"))
    except BrowserUnavailable as exc:
        raise pytest.UsageError(str(exc)) from None
    if choice.executable:
        args["executable_path"] = choice.executable
        args.pop("channel", None)  # --browser-channel chromium served by the system's full Chromium
    if choice.chromium:
        args["args"] = [*args.get("args", []), *CHROMIUM_ARGS]
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # A --device brings its own viewport; otherwise the living document's size.
    return {"viewport": {"width": 1280, "height": 800}, **browser_context_args, "locale": "en-GB"}


@pytest.fixture(scope="session")
def connect_options(browser_type_launch_args: dict[str, Any], browser_name: str, target: Target) -> dict[str, Any] | None:
    """pytest-playwright connects every worker to the remote server instead of launching,
    passing these launch options (camelCase, as the server reads them)."""
    endpoint = playwright_endpoint()
    if endpoint is None:
        return None
    launch: dict[str, Any] = {"headless": browser_type_launch_args.get("headless", True) is not False}
    if browser_name == "chromium":
        launch["args"] = CHROMIUM_ARGS  # a server started with --unsafe applies them
        if os.environ.get("SUITE_CHROMIUM"):
            launch["executablePath"] = os.environ["SUITE_CHROMIUM"]
    options: dict[str, Any] = {"endpoint": endpoint, "headers": {"x-playwright-launch-options": json.dumps(launch)}}
    if target.embedded:  # the sandbox listens on this machine's loopback: the browser reaches it through us
        options["expose_network"] = ",".join(sorted(allowed_hosts(target)))
    return options


def pytest_report_header(config: pytest.Config) -> str | None:
    endpoint = playwright_endpoint()
    return f"browser: on the Playwright server at {shown_endpoint(endpoint)} ({ENDPOINT_ENV})" if endpoint else None

