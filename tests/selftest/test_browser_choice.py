"""Which browser runs, on any laptop, and which pytest-playwright options this machine
serves: `choose_browser` and `refusal` are pure functions of a described machine; the
last tests run the real suite on this one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from suite.browser import BrowserUnavailable, Machine, choose_browser, ffmpeg_missing, playwright_build, refusal

ROOT = Path(__file__).resolve().parents[2]
REVISIONS = {"chromium": "1255", "chromium-headless-shell": "1255", "firefox": "1572", "webkit": "2388", "ffmpeg": "1013"}
LINUX_CACHE = "/home/ann/.cache/ms-playwright"
MAC_CACHE = "/Users/ann/Library/Caches/ms-playwright"
WIN_CACHE = "C:/Users/ann/AppData/Local/ms-playwright"


def machine(system: str = "Linux", files: tuple[str, ...] = (), arch: str = "x86_64", **env: str) -> Machine:
    home = {"Linux": "/home/ann", "Darwin": "/Users/ann", "Windows": "C:/Users/ann"}[system]
    if system == "Windows":
        env.setdefault("LOCALAPPDATA", "C:/Users/ann/AppData/Local")
    return Machine(system=system, arch=arch, env=env, home=home, exists=set(files).__contains__,
                   which=lambda name: None, revisions=REVISIONS)


DEBIAN = ("/usr/bin/chromium", "/usr/bin/chromium-headless-shell")
OWN_LINUX = (f"{LINUX_CACHE}/chromium-1255/chrome-linux64/chrome",
             f"{LINUX_CACHE}/chromium_headless_shell-1255/chrome-headless-shell-linux64/chrome-headless-shell")


# ------------------------------------------------------------------- which Chromium


def test_linux_with_debians_headless_shell_uses_it_headless_and_the_full_browser_headed() -> None:
    here = machine(files=DEBIAN)
    assert choose_browser(here).executable == "/usr/bin/chromium-headless-shell"
    assert choose_browser(here, headless=False).executable == "/usr/bin/chromium"


def test_linux_without_the_headless_shell_uses_debians_chromium() -> None:
    assert choose_browser(machine(files=("/usr/bin/chromium",))).executable == "/usr/bin/chromium"


def test_linux_without_system_chromium_uses_playwrights_own() -> None:
    choice = choose_browser(machine(files=OWN_LINUX))
    assert choice.executable is None and "Playwright's" in choice.label
    assert choose_browser(machine(files=OWN_LINUX), headless=False).executable is None


def test_playwrights_own_comes_before_the_systems() -> None:
    assert choose_browser(machine(files=(*OWN_LINUX, *DEBIAN))).executable is None


def test_linux_arm_and_a_custom_browsers_path() -> None:
    shell = "/opt/pw/chromium_headless_shell-1255/chrome-headless-shell-linux-arm64/chrome-headless-shell"
    assert choose_browser(machine(files=(shell,), arch="aarch64", PLAYWRIGHT_BROWSERS_PATH="/opt/pw")).executable is None


def test_macos_uses_playwrights_download_in_library_caches() -> None:
    shell = f"{MAC_CACHE}/chromium_headless_shell-1255/chrome-headless-shell-mac-arm64/chrome-headless-shell"
    full = f"{MAC_CACHE}/chromium-1255/chrome-mac-arm64/Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing"
    assert choose_browser(machine("Darwin", (shell, full), arch="arm64")).executable is None
    assert choose_browser(machine("Darwin", (shell, full), arch="arm64"), headless=False).executable is None
    # only the full build (playwright install --no-shell): headless runs launch it by path
    assert choose_browser(machine("Darwin", (full,), arch="arm64")).executable == full


def test_windows_uses_playwrights_download_in_localappdata() -> None:
    shell = f"{WIN_CACHE}/chromium_headless_shell-1255/chrome-headless-shell-win64/chrome-headless-shell.exe"
    assert choose_browser(machine("Windows", (shell,), arch="AMD64")).executable is None


@pytest.mark.parametrize("system", ["Linux", "Darwin", "Windows"])
def test_no_chromium_at_all_says_how_to_get_one_in_one_line(system: str) -> None:
    with pytest.raises(BrowserUnavailable) as raised:
        choose_browser(machine(system))
    line = str(raised.value)
    assert "\n" not in line and "playwright install chromium" in line and "SUITE_CHROMIUM" in line
    assert ("scripts/setup" in line) == (system == "Linux") and ("scripts/run.py setup" in line) == (system != "Linux")


def test_suite_chromium_wins_and_must_exist() -> None:
    chosen = machine(files=(*DEBIAN, *OWN_LINUX, "/opt/my/chrome"), SUITE_CHROMIUM="/opt/my/chrome")
    assert choose_browser(chosen).executable == "/opt/my/chrome"
    assert choose_browser(chosen, headless=False).executable == "/opt/my/chrome"
    with pytest.raises(BrowserUnavailable, match="SUITE_CHROMIUM=/nowhere does not exist"):
        choose_browser(machine(files=DEBIAN, SUITE_CHROMIUM="/nowhere"))


# ------------------------------------------------ other browsers and channels


def test_firefox_and_webkit_need_playwrights_build() -> None:
    firefox = f"{LINUX_CACHE}/firefox-1572/firefox/firefox"
    choice = choose_browser(machine(files=(firefox,)), "firefox")
    assert choice.executable is None and not choice.chromium  # no Chromium flags for Firefox
    with pytest.raises(BrowserUnavailable, match=r"--browser webkit: .*playwright install webkit.*or drop --browser webkit"):
        choose_browser(machine(files=DEBIAN), "webkit")


def test_channels() -> None:
    assert choose_browser(machine("Darwin", ("/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",)),
                          channel="chrome").executable is None
    with pytest.raises(BrowserUnavailable, match="--browser-channel msedge: msedge is not installed"):
        choose_browser(machine(files=DEBIAN), channel="msedge")
    with pytest.raises(BrowserUnavailable, match="unknown channel"):
        choose_browser(machine(files=DEBIAN), channel="netscape")
    # the full Chromium in headless mode: Debian's full browser, not the headless shell
    assert choose_browser(machine(files=DEBIAN), channel="chromium").executable == "/usr/bin/chromium"


# ---------------------------------------------------------- options refused up front

FFMPEG = f"{LINUX_CACHE}/ffmpeg-1013/ffmpeg-linux"


@pytest.mark.parametrize(("options", "says"), [
    ({"video": "on"}, "--video needs Playwright's ffmpeg at"),
    ({"video": "retain-on-failure"}, "scripts/setup"),
    ({"headed": True}, "--headed needs a display"),
    ({"browser": ["chromium", "firefox"]}, "--browser firefox"),
    ({"browser_channel": "chrome"}, "--browser-channel chrome"),
    ({"base_url": "https://staging.example"}, "--base-url is not used"),
    ({"output": str(ROOT)}, "deletes that folder"),
    ({"output": str(ROOT / "features")}, "deletes that folder"),
    ({"output": "/"}, "deletes that folder"),
])
def test_an_option_this_machine_cannot_serve_is_refused_in_one_line(options: dict[str, object], says: str) -> None:
    line = refusal(options, machine(files=DEBIAN), root=ROOT)
    assert line is not None and says in line and "\n" not in line, line


@pytest.mark.parametrize("options", [
    {},
    {"video": "on"},
    {"headed": True, "slowmo": 300},
    {"tracing": "retain-on-failure", "screenshot": "only-on-failure", "full_page_screenshot": True},
    {"output": str(ROOT / "test-results" / "mine")},
    {"browser_channel": "chromium"},
])
def test_what_this_machine_serves_is_not_refused(options: dict[str, object]) -> None:
    here = machine(files=(*DEBIAN, FFMPEG), DISPLAY=":99")
    assert refusal(options, here, root=ROOT) is None


def test_macos_video_needs_playwrights_ffmpeg_download() -> None:
    mac = machine("Darwin", arch="arm64")
    assert f"{MAC_CACHE}/ffmpeg-1013/ffmpeg-mac" in (ffmpeg_missing(mac) or "")
    assert "playwright install ffmpeg" in (ffmpeg_missing(mac) or "")
    assert playwright_build(machine("Windows", arch="AMD64"), "ffmpeg") == f"{WIN_CACHE}/ffmpeg-1013/ffmpeg-win64.exe"


# ------------------------------------------------------------ the real suite, here


def suite(*args: str, reports: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SUITE_REPORTS_DIR": str(reports)}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_refused_option_ends_the_run_before_it_starts(tmp_path: Path) -> None:
    done = suite("--browser", "webkit", reports=tmp_path)
    assert done.returncode == 4, done.stdout[-500:] + done.stderr[-500:]
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("ERROR: --browser webkit: ") and "passed" not in done.stdout
    done = suite("--device", "Pixle 7", reports=tmp_path)
    assert done.returncode == 4 and "Pixel 7" in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_video_records_a_scenario_or_is_refused_up_front(tmp_path: Path) -> None:
    """After scripts/setup (CI) Playwright's ffmpeg is there and the video is real;
    elsewhere the option is refused before the run, in one line."""
    missing = ffmpeg_missing(Machine())
    done = suite("-k", "alice_opens_her_energy_account", "--video", "on", "--output", str(tmp_path / "out"),
                 reports=tmp_path)
    if missing:
        assert done.returncode == 4 and done.stderr.strip() == f"ERROR: {missing}", done.stderr
        return
    assert done.returncode == 0, done.stdout[-800:]
    [video] = (tmp_path / "out").rglob("*.webm")
    data = video.read_bytes()
    assert data[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in data[:64] and len(data) > 2000, len(data)  # EBML, WebM
