"""Benchmark the suite on this machine, side by side with the bare tools.

    .venv/bin/python scripts/bench.py [--runs 3] [--skip-matrix] [--no-serial] [--json reports/bench.json]
    .venv/bin/python scripts/bench.py --only main --before ../bench-before   # against an earlier commit

Measures, each as the median of --runs runs, on the embedded sandbox:
1. the main job (features and contract tests at the default budget), serial and with
   ``-n 2``, and what writing the living document cost in it. With ``--before DIR`` (a
   checkout of an earlier commit, e.g. ``git worktree add --detach DIR <commit>``) the
   ``-n 2`` runs alternate between DIR and this checkout, with the same interpreter, and
   the figure is their ratio: on a machine whose load varies (shared CI runners, other
   people's jobs) a ratio measured side by side holds where two absolute figures taken
   at different times do not;
2. contract fuzzing throughput (cases/s, requests/s) of the suite's pytest integration
   against ``schemathesis run`` on the same schemas, sandbox, phases and examples
   (scripts/contract_throughput.py), as a ratio;
3. the SSO hub scenario against a bare Playwright script doing the same work on the
   same sandbox (her sign-in posted over HTTP and handed to a new context, as the
   scenario's precondition does; the home page, the click, the hub), as a ratio. Both
   exclude the one-off browser launch: the suite runs a warm-up scenario first in the
   same worker, the script launches before its clock;
4. the fault matrix's wall time (tests/selftest/test_fault_matrix.py), or with
   --skip-matrix the figure the last matrix run wrote.

It prints and saves the figures and never fails on timing: it is a benchmark, not a
test. It exits 1 only when a measured run did not pass, since its times would mean
nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PY = sys.executable
FLOWS = "tests/flows/test_flows.py"
SSO_SCENARIO = f"{FLOWS}::test_alice_opens_her_energy_account_from_the_partner_app"
WARM_UP = f"{FLOWS}::test_bob_without_a_subscription_lands_on_the_hosted_checkout"
# Runs after the measured scenario: the last test's JUnit time also carries the session's
# teardown (stopping the sandbox and the browser), which is not the scenario's.
TRAILER = f"{FLOWS}::test_every_click_on_open_energy_account_mints_a_fresh_link"
MATRIX_SUMMARY = ROOT / "reports" / "fault-matrix" / "summary.json"
problems: list[str] = []


def median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def pytest(*args: str, reports: str | None = None, cwd: Path = ROOT) -> tuple[float, subprocess.CompletedProcess[str]]:
    env = {**os.environ, **({"SUITE_REPORTS_DIR": reports} if reports else {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # pytest's assertion-rewrite cache, as scripts/suite keeps it
    started = time.perf_counter()
    done = subprocess.run([PY, "-m", "pytest", "-q", "-p", "no:randomly", *args], cwd=cwd,
                          env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        where = "" if cwd == ROOT else f" in {cwd}"
        problems.append(f"`pytest {' '.join(args)}`{where} exited {done.returncode}: {done.stdout.strip().splitlines()[-1:]}")
    return seconds, done


def main_job(runs: int, serial: bool = True, before: Path | None = None) -> dict[str, float]:
    """What `scripts/suite` runs after its set-up, serial and with two workers; with
    ``before``, the two-worker runs alternate with that checkout's."""
    out: dict[str, float] = {}
    render: list[float] = []
    with tempfile.TemporaryDirectory() as reports:
        if serial:
            out["serial_s"] = median([pytest("-n", "0", reports=reports)[0] for _ in range(runs)])
        samples, earlier = [], []
        for _ in range(runs):
            if before is not None:
                earlier.append(pytest("-n", "2", reports=reports, cwd=before)[0])
            seconds, done = pytest("-n", "2", reports=reports)
            samples.append(seconds)
            found = re.search(r"written in (\d+\.\d+)s", done.stdout)
            render += [float(found.group(1))] if found else []
        out["n2_s"] = median(samples)
    if serial:
        out["n2_speed_up"] = out["serial_s"] / out["n2_s"] if out["n2_s"] else float("nan")
    if before is not None:
        out["before_n2_s"] = median(earlier)
        out["before_over_now"] = out["before_n2_s"] / out["n2_s"] if out["n2_s"] else float("nan")
    out["living_doc_s"] = median(render)
    return out


def contract_throughput(runs: int) -> dict[str, float]:
    """scripts/contract_throughput.py measures both sides on one sandbox; median of its runs."""
    keys = ("suite_cases_per_s", "suite_requests_per_s", "cli_cases_per_s", "cli_requests_per_s", "wall_cases_ratio")
    samples: dict[str, list[float]] = {key: [] for key in keys}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "throughput.json"
        for _ in range(runs):
            done = subprocess.run([PY, str(ROOT / "scripts" / "contract_throughput.py"), "--json", str(out)],
                                  cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0 or not out.exists():
                problems.append(f"contract_throughput.py exited {done.returncode}: {done.stderr.strip()[-300:]}")
                break
            figures = json.loads(out.read_text())
            for key in keys:
                samples[key].append(float(figures[key]))
    result = {key: median(values) for key, values in samples.items()}
    cli = result["cli_cases_per_s"]
    result["cases_ratio"] = result["suite_cases_per_s"] / cli if cli else float("nan")
    cli_requests = result["cli_requests_per_s"]
    result["requests_ratio"] = result["suite_requests_per_s"] / cli_requests if cli_requests else float("nan")
    return result


def sso_scenario(runs: int) -> dict[str, float]:
    """The scenario's own time from JUnit (set-up, call and teardown: a new context, the
    steps, the screenshot), after a warm-up scenario has launched the browser, and
    before a trailing one that takes the session's teardown."""
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        junit = Path(tmp) / "junit.xml"
        for _ in range(runs):
            pytest(WARM_UP, SSO_SCENARIO, TRAILER, "-n", "0", f"--junitxml={junit}", "--living-doc", "none", reports=tmp)
            times = {case.get("name"): float(case.get("time", "nan")) for case in ET.parse(junit).iter("testcase")}
            samples += [seconds for name, seconds in times.items() if name and SSO_SCENARIO.endswith(name)]
    suite = median(samples)
    bare = bare_playwright(runs)
    return {"suite_s": suite, "bare_s": bare, "ratio": suite / bare if bare else float("nan")}


def bare_playwright(runs: int) -> float:
    """The same work as the SSO hub scenario, by hand: a new context; her sign-in posted
    over HTTP and its cookie handed to the context (the scenario's precondition does the
    same, steps/cast.py); the home page; open the energy account; wait for the hub with
    her name and its quick links."""
    import httpx
    from playwright.sync_api import sync_playwright

    import sandbox
    from suite.browser import CHROMIUM_ARGS, chromium_executable

    samples = []
    with sandbox.start() as running, sync_playwright() as playwright, httpx.Client() as http:
        seed = running.world.seed
        user = seed.partner_users[0]
        launch: dict[str, Any] = {"args": CHROMIUM_ARGS}
        if chromium_executable():
            launch["executable_path"] = chromium_executable()
        browser = playwright.chromium.launch(**launch)
        for attempt in range(runs + 1):  # the first one warms up, like the suite's
            started = time.perf_counter()
            context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
            page = context.new_page()
            http.cookies.clear()
            http.get(running.urls.partner_app + "/login")
            http.post(running.urls.partner_app + "/login", data={"email": user.email, "password": seed.secret(user.password_env)})
            context.add_cookies([{"name": c.name, "value": c.value or "", "url": running.urls.partner_app + "/",
                                  "httpOnly": True, "sameSite": "Lax"} for c in http.cookies.jar])
            page.goto(running.urls.partner_app + "/")
            page.get_by_test_id("partner-home").wait_for()
            assert page.get_by_test_id("partner-user-name").inner_text()
            page.get_by_test_id("open-energy-account").click()
            page.get_by_test_id("portal-hub").wait_for()
            assert page.get_by_test_id("portal-customer-name").inner_text()
            for link in ("data", "invoices", "orders", "tariff", "help"):
                page.get_by_test_id(f"hub-link-{link}").wait_for()
            context.close()
            if attempt:
                samples.append(time.perf_counter() - started)
        browser.close()
    return median(samples)


def fault_matrix(skip: bool) -> dict[str, float]:
    if not skip:
        seconds, _ = pytest("tests/selftest/test_fault_matrix.py")
    data = json.loads(MATRIX_SUMMARY.read_text()) if MATRIX_SUMMARY.exists() else {}
    figures = {key: float(data[key]) for key in ("faults", "caught") if key in data}
    figures["seconds"] = float(data.get("seconds", "nan")) if skip else seconds
    if skip:
        figures["from_last_matrix_run"] = 1.0
    return figures


def section(title: str, fn: Callable[[], dict[str, float]]) -> dict[str, float]:
    print(f"\n{title}", flush=True)
    result = fn()
    for key, value in result.items():
        print(f"  {key:24} {value:10.2f}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="samples per figure (medians are reported)")
    parser.add_argument("--skip-matrix", action="store_true", help="report the last matrix run instead of running it")
    parser.add_argument("--json", default=str(ROOT / "reports" / "bench.json"), help="where to save the figures")
    parser.add_argument("--only", default="main,contract,sso,matrix", help="which figures, comma-separated")
    parser.add_argument("--no-serial", action="store_true", help="measure the main job with -n 2 only")
    parser.add_argument("--before", type=Path, default=None, metavar="DIR",
                        help="a checkout of an earlier commit: its main job (-n 2) is measured alternately with this one's")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.before is not None and not (args.before / "conftest.py").is_file():
        parser.error(f"--before {args.before}: not a checkout of this project (make one with "
                     f"`git worktree add --detach {args.before} <commit>`)")
    print(f"benchmark on {os.cpu_count()} cores, {args.runs} run(s) per figure, medians", flush=True)
    chosen = set(args.only.split(","))
    unknown = chosen - {"main", "contract", "sso", "matrix"}
    if unknown:
        parser.error(f"--only knows main, contract, sso and matrix, not {', '.join(sorted(unknown))}")
    plan: list[tuple[str, str, str, Callable[[], dict[str, float]]]] = [
        ("main", "main_job", "1. main job against the sandbox (seconds)",
         lambda: main_job(args.runs, serial=not args.no_serial, before=args.before and args.before.resolve())),
        ("contract", "contract", "2. contract throughput: suite vs `schemathesis run`",
         lambda: contract_throughput(args.runs)),
        ("sso", "sso_scenario", "3. SSO hub scenario vs bare Playwright (seconds per scenario)",
         lambda: sso_scenario(args.runs)),
        ("matrix", "fault_matrix", "4. fault matrix", lambda: fault_matrix(args.skip_matrix)),
    ]
    figures = {key: section(title, fn) for name, key, title, fn in plan if name in chosen}
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"runs": args.runs, "figures": figures, "problems": problems}, indent=1))
    print(f"\nsaved {out}")
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
