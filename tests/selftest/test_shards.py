"""Sharding the main job (suite/shard.py): the parts of ``--shard i/n`` run every selected
test exactly once, @clock tests in part 1, each part with its share of the budget; the
merged reports of two parts against the sandbox say what one run says. And browsers on
a remote Playwright server (suite/browser.py, ``SUITE_PLAYWRIGHT_ENDPOINT``)."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from suite.living_doc.record import RunRecord
from suite.living_doc.status import requirement_statuses
from suite.requirements import catalog
from suite.shard import Shard, merge, split

ROOT = Path(__file__).resolve().parents[2]
# API and browser scenarios, two that move the clock, a contract operation; with a fault
# that turns one red, so the totals and the table have a failure to agree on.
SELECTION = ["-m", "REQ-SSO-06 or REQ-SSO-07 or REQ-SSO-08 or REQ-SSO-14", "--contract-budget", "5",
             "--sandbox-fault", "portal-hub-missing-quick-link"]


def pytest_run(args: list[str], reports: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    extra = {"SUITE_REPORTS_DIR": str(reports)} if reports else {}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", *args], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **extra, **env}, timeout=600)


# ------------------------------------------------------------------------ the split


TESTS = [(f"tests/flows/test_flows.py::test_{i:03d}", random.Random(i).choice([1, 5]), i % 7 == 0) for i in range(120)]


def test_the_parts_run_every_test_once_whatever_the_order() -> None:
    for count in (1, 2, 3, 5):
        shard_of = split(TESTS, count)
        assert sorted(shard_of) == sorted(t[0] for t in TESTS), "every test in exactly one part"
        assert set(shard_of.values()) == set(range(1, count + 1)), "no part left empty"
        shuffled = list(TESTS)
        random.Random(count).shuffle(shuffled)
        assert split(shuffled, count) == shard_of, "every machine computes the same split, whatever its order"


def test_clock_tests_all_run_in_part_one_and_the_parts_weigh_alike() -> None:
    shard_of = split(TESTS, 3)
    assert {shard_of[nodeid] for nodeid, _, clock in TESTS if clock} == {1}
    loads = [sum(w for nodeid, w, _ in TESTS if shard_of[nodeid] == part) for part in (1, 2, 3)]
    assert max(loads) - min(loads) <= 5, f"parts of very different weight: {loads}"


@pytest.mark.parametrize(("text", "problem"), [("x", "as i/n"), ("0/2", "from 1 to"), ("3/2", "from 1 to"), ("1/0", "from 1 to")])
def test_a_wrong_shard_is_refused(text: str, problem: str) -> None:
    with pytest.raises(pytest.UsageError, match=problem):
        Shard.parse(text)


def test_a_wrong_shard_ends_the_run_in_one_line() -> None:
    done = pytest_run(["--collect-only", "-q", "--shard", "3/2"])
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 4 and len(lines) == 1 and lines[0].startswith("ERROR: --shard 3/2: the part must be"), done.stderr


def collected(*args: str) -> list[str]:
    done = pytest_run(["--collect-only", "-q", *args])
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    return [line for line in done.stdout.splitlines() if "::" in line]


@pytest.fixture(scope="module")
def collections() -> dict[str, list[str]]:
    plan = {"whole": (), "one": ("--shard", "1/2"), "two": ("--shard", "2/2"), "clock": ("-m", "clock"),
            "selection clock": ("-m", f"({SELECTION[1]}) and clock")}
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(plan, pool.map(lambda args: collected(*args), plan.values()), strict=True))


def test_two_parts_of_the_main_job_are_the_whole_of_it(collections: dict[str, list[str]]) -> None:
    whole, one, two, clock = (collections[k] for k in ("whole", "one", "two", "clock"))
    assert not set(one) & set(two) and sorted(one + two) == sorted(whole)
    assert clock and set(clock) <= set(one), "every @clock test runs in part 1"
    assert abs(len(one) - len(two)) < len(whole) // 3


# ------------------------------------------------------------ two parts, one run


def junit_totals(path: Path) -> dict[str, int]:
    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    return {key: sum(int(s.get(key, 0)) for s in suites) for key in ("tests", "failures", "errors", "skipped")}


def junit_cases(path: Path) -> dict[str, str]:
    outcome = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        verdict = next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")
        outcome[f"{case.get('classname')}::{case.get('name')}"] = verdict
    return outcome


def cucumber_scenarios(path: Path) -> dict[str, str]:
    found = {}
    for feature in json.loads(path.read_text()):
        for element in feature["elements"]:
            statuses = {step["result"]["status"] for step in element.get("steps", [])}
            found[f"{feature['uri']}:{element['id']}"] = "failed" if "failed" in statuses else ",".join(sorted(statuses))
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One run and two parts of the same selection, side by side, each with its reports."""
    base = tmp_path_factory.mktemp("shards")
    plan = {"one": [], "shard-1": ["--shard", "1/2"], "shard-2": ["--shard", "2/2"]}

    def run(name: str) -> tuple[str, subprocess.CompletedProcess[str]]:
        reports = base / name
        args = [*SELECTION, *plan[name], "--contract-seed", "7", "--history", "none",
                "--living-doc", str(reports / "living-documentation.html"),
                "--junitxml", str(reports / "junit.xml"), "--cucumberjson", str(reports / "cucumber.json")]
        return name, pytest_run(args, reports)

    with ThreadPoolExecutor(max_workers=3) as pool:
        done = dict(pool.map(run, plan))
    for name, result in done.items():
        assert result.returncode in (0, 1), f"{name}: did not run\n{result.stdout[-3000:]}{result.stderr}"
        (base / name / "stdout.txt").write_text(result.stdout)
    codes = sorted(result.returncode for name, result in done.items() if name != "one")
    assert done["one"].returncode == 1 and codes == [0, 1], "the fault turns the run red, and the part that ran its test"
    merged = base / "merged"
    written = merge([base / "shard-1", base / "shard-2"], merged)
    assert len(written) == 3, written
    return {"one": base / "one", "merged": merged, "shard-1": base / "shard-1", "shard-2": base / "shard-2"}


def test_merged_parts_have_the_totals_of_one_run(runs: dict[str, Path]) -> None:
    one, merged = junit_totals(runs["one"] / "junit.xml"), junit_totals(runs["merged"] / "junit.xml")
    assert one == merged and one["failures"] >= 1 and one["tests"] >= 7, (one, merged)
    assert junit_cases(runs["merged"] / "junit.xml") == junit_cases(runs["one"] / "junit.xml")
    parts = [set(junit_cases(runs[f"shard-{i}"] / "junit.xml")) for i in (1, 2)]
    assert parts[0] and parts[1] and not parts[0] & parts[1], "each part ran its own tests"
    properties = {p.get("name"): p.get("value") for p in ET.parse(runs["merged"] / "junit.xml").iter("property")}
    assert properties.get("shards") == "2"
    assert cucumber_scenarios(runs["merged"] / "cucumber.json") == cucumber_scenarios(runs["one"] / "cucumber.json")


def table(record: RunRecord) -> dict[str, tuple[str, str, list[str]]]:
    """The requirements table: each requirement's status, its note and its tests."""
    return {tag: (status.label, status.note, sorted(t.nodeid for t in status.tests))
            for tag, status in requirement_statuses(record.tests, catalog()).items()}


def test_merged_parts_have_the_requirement_table_of_one_run(runs: dict[str, Path]) -> None:
    one, merged = RunRecord.load(runs["one"] / "run-record.json"), RunRecord.load(runs["merged"] / "run-record.json")
    assert {t.nodeid: t.outcome for t in merged.tests} == {t.nodeid: t.outcome for t in one.tests}
    table_one, table_merged = table(one), table(merged)
    assert table_merged == table_one
    assert table_one["REQ-SSO-07"][0] == "failed" and table_one["REQ-SSO-14"][0] == "proved", "the fault shows in the table"
    assert merged.run["shards"] == 2 and merged.run["seed"] == one.run["seed"] == 7
    assert (runs["merged"] / "living-documentation.html").stat().st_size > 10_000


def test_each_part_says_which_it_is_and_spends_its_share_of_the_budget(runs: dict[str, Path],
                                                                     collections: dict[str, list[str]]) -> None:
    budget = 50_000  # targets/sandbox.toml [limits] request_budget
    for part in (1, 2):
        out = (runs[f"shard-{part}"] / "stdout.txt").read_text()
        assert f"shard {part}/2: part {part} of 2" in out
        assert f"its share of the request budget: {budget // 2} requests" in out
        assert re.search(rf"within the budget of {budget // 2}\b", out), "the estimate is judged against the share"
        properties = {p.get("name"): p.get("value") for p in ET.parse(runs[f"shard-{part}"] / "junit.xml").iter("property")}
        assert properties.get("shard") == f"{part}/2"
    clock = {nodeid.split("::")[-1] for nodeid in collections["selection clock"]}
    part_two = {name.split("::")[-1] for name in junit_cases(runs["shard-2"] / "junit.xml")}
    assert clock and not clock & part_two, f"part 2 moved the clock: {clock & part_two}"


# ---------------------------------------------------------- a remote Playwright server


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_browsers_run_on_a_remote_playwright_server(tmp_path: Path) -> None:
    """`playwright run-server` on this machine stands in for a remote one; with --unsafe it
    launches the Chromium the suite names (SUITE_CHROMIUM), Debian's here."""
    from suite.browser import Machine, choose_browser

    chromium = os.environ.get("SUITE_CHROMIUM") or choose_browser(Machine()).executable
    if chromium is None:
        pytest.skip("Playwright's own Chromium is installed: a run-server uses it without --unsafe (not tried here)")
    port, log = free_port(), (tmp_path / "server.log").open("w")
    # its own process group: `playwright` starts the Node server as a child, stopped with it below
    server = subprocess.Popen([str(Path(sys.executable).with_name("playwright")), "run-server", "--port", str(port),
                               "--host", "127.0.0.1", "--unsafe"], stdout=log, stderr=log, env={**os.environ, "DEBUG": "pw:server"},
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while "Listening on" not in (tmp_path / "server.log").read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        endpoint = f"ws://127.0.0.1:{port}/"
        done = pytest_run(["-m", "sso and browser and smoke", "--living-doc", "none"], tmp_path / "reports",
                          SUITE_PLAYWRIGHT_ENDPOINT=endpoint, SUITE_CHROMIUM=chromium)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    said = (tmp_path / "server.log").read_text()
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    assert f"browser: on the Playwright server at {endpoint}" in done.stdout
    assert 'engaged launch mode for "chromium"' in said, "the server launched the browser"
    assert "started socks proxy" in said, "the sandbox's hosts were exposed to the server's browser"


def test_a_remote_server_that_does_not_answer_is_refused_before_the_run() -> None:
    done = pytest_run(["-q", "-m", "smoke"], SUITE_PLAYWRIGHT_ENDPOINT=f"ws://127.0.0.1:{free_port()}/")
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert done.returncode == 4 and len(lines) == 1 and "no Playwright server answers there" in lines[0], done.stderr
