"""The detection matrix: every sandbox fault turns the suite red at a test that names
the fault's requirement, with an assertion about the behaviour; no fault, no red.

A `-n 2` run of the features parametrized by fault (suite/matrix.py): every test
without a fault, and under each fault the test that caught it last time (CATCHERS),
then all the tests of any fault that one no longer catches; plus, for the faults that
break an API contract (CON-01), a contract run per fault. Prints the matrix and writes
it to reports/fault-matrix/matrix.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from sandbox.faults import catalog
from suite.matrix import NO_FAULT, RESULTS, fault_tags, load_results

ROOT = Path(__file__).resolve().parents[2]
OUT = RESULTS.parent
# Under each fault, the test that caught it fastest last time: the matrix runs that one
# first (suite/matrix.py --matrix-first). The matrix writes its current choice to
# reports/fault-matrix/ and says when this file should be refreshed from it.
CATCHERS = Path(__file__).with_name("fault_catchers.json")
# The features, and the sweep's probes (tests/sweep: SEC-15 onwards), under the matrix.
MATRIX_PATHS = ["tests/flows", "tests/sweep"]
PENDING = {"SUP-14"}  # no documented endpoint shows it; the scenario is pending
# CON-02 checks the vendors' examples against the vendored schemas: files, not the
# sandbox, so no sandbox fault can break it (its strict xfails guard it instead).
STATIC = {"CON-02"}
# Faults the suite does not catch yet, each with the reason; strict, so catching one
# turns its entry into an error that asks for it to be removed here.
KNOWN_MISSES: dict[str, str] = {}
# Requirements the contract tests (tests/contracts/test_api_contracts.py) carry.
CONTRACT_REQUIREMENTS = {"CON-01", "SSO-01", "SSO-02", "SSO-03", "SSO-05", "SSO-06",
                         "SUP-01", "SUP-02", "SUP-03", "SUP-06", "SUP-07", "MAN-01", "MAN-07"}


def run(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def contract_run(fault: str, only: str = "") -> tuple[str, bool, str, float]:
    """The contract tests of CON-01 with the fault on, to the first failure: the one test
    function that caught it last time (``only``) and, should that pass, all of them."""
    junit = OUT / f"contract-{fault}.xml"
    started = time.monotonic()
    done = run(["tests/contracts", "-x", "-q", "-m", "REQ-CON-01", "--sandbox-fault", fault,
                *(["-k", only] if only else []),
                "--living-doc", "none", f"--junitxml={junit}", "-p", "no:randomly"], timeout=300)
    seconds = time.monotonic() - started
    caught = done.returncode == 1
    failing = ""
    if junit.exists():
        import xml.etree.ElementTree as ET

        for case in ET.parse(junit).iter("testcase"):
            if case.find("failure") is not None:
                failing = case.get("name", "")
                break
    if only and not (caught and failing):
        _, caught, failing, more = contract_run(fault)
        return fault, caught, failing, seconds + more
    return fault, caught and bool(failing), failing, seconds


def flows_run(*extra: str) -> list[dict[str, object]]:
    """The features under the matrix (suite/matrix.py): its rows, one per test run."""
    RESULTS.unlink(missing_ok=True)  # a run that writes none must not be judged by an older one's
    done = run([*MATRIX_PATHS, "--fault-matrix", "-n", "2", "-q", "--living-doc", "none", "-p", "no:randomly", *extra],
               timeout=900)
    assert RESULTS.is_file(), "the matrix run wrote no results:\n" + done.stdout[-3000:] + done.stderr[-2000:]
    return load_results()


def catches(rows: list[dict[str, object]]) -> dict[str, list[tuple[str, float]]]:
    """Per fault, the runs that caught it: a failed assertion in a test carrying one of
    the fault's requirements."""
    caught: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in rows:
        if row["fault"] == NO_FAULT or row["outcome"] != "failed" or not row["assertion"]:
            continue
        if fault_tags(str(row["fault"])) & set(row["tags"]):  # type: ignore[arg-type]
            caught[str(row["fault"])].append((str(row["test"]), float(row["seconds"])))
    return caught


@pytest.fixture(scope="module")
def matrix() -> dict[str, object]:
    """Two passes: the fault-free runs and, under each fault, the test that caught it
    last time (CATCHERS); then, for a fault that test no longer catches, all of its
    tests. The second pass is usually empty; a stale CATCHERS costs time, never a catch."""
    OUT.mkdir(parents=True, exist_ok=True)
    faults = catalog()
    started = time.monotonic()
    rows = flows_run(*(["--matrix-first", str(CATCHERS)] if CATCHERS.is_file() else []))
    again = sorted({str(r["fault"]) for r in rows if r["fault"] != NO_FAULT} - set(catches(rows)))
    if again:
        rows += flows_run("--matrix-faults", ",".join(again), "--matrix-no-baseline")
        RESULTS.write_text(json.dumps(rows, indent=1), encoding="utf-8")  # both passes
    flows_seconds = time.monotonic() - started
    api_faults = [f.name for f in faults.values() if set(f.requirements) & CONTRACT_REQUIREMENTS]
    known = json.loads(CATCHERS.read_text(encoding="utf-8")) if CATCHERS.is_file() else {}
    with ThreadPoolExecutor(max_workers=2) as pool:
        contracts = list(pool.map(lambda f: contract_run(f, known.get(f"contract {f}", "")), api_faults))
    # A catcher that still catches stays (the file changes only when the suite does).
    fastest = {fault: known[fault] if known.get(fault) in [test for test, _ in by] else min(by, key=lambda t: t[1])[0]
               for fault, by in sorted(catches(rows).items())}
    fastest.update({f"contract {fault}": failing.partition("[")[0] for fault, ok, failing, _ in contracts if ok})
    (OUT / CATCHERS.name).write_text(json.dumps(fastest, indent=1) + "\n", encoding="utf-8")
    if not CATCHERS.is_file() or json.loads(CATCHERS.read_text(encoding="utf-8")) != fastest:
        print(f"\nthe faults' first catchers changed ({len(again)} ran again): "
              f"cp {(OUT / CATCHERS.name).relative_to(ROOT)} {CATCHERS.relative_to(ROOT)}")
    return {"faults": faults, "rows": rows, "contracts": contracts, "again": again,
            "seconds": time.monotonic() - started, "flows_seconds": flows_seconds}


def judge(matrix: dict[str, object]) -> dict[str, object]:
    """Per fault: the tests that caught it (tagged, asserting), and what else failed."""
    if "caught" in matrix:
        return matrix
    faults = matrix["faults"]
    rows: list[dict[str, object]] = matrix["rows"]  # type: ignore[assignment]
    caught = catches(rows)
    wrong_kind: dict[str, list[str]] = defaultdict(list)
    ran: set[str] = {str(r["fault"]) for r in rows}
    for row in rows:
        if row["fault"] != NO_FAULT and row["outcome"] == "failed" \
                and (str(row["test"]), float(row["seconds"])) not in caught.get(str(row["fault"]), []):
            wrong_kind[str(row["fault"])].append(f"{row['test']}: {row['message']}")
    for fault, ok, failing, seconds in matrix["contracts"]:  # type: ignore[misc]
        ran.add(fault)
        if ok:
            caught[fault].append((f"contract {failing}", seconds))

    lines = ["| fault | requirements | caught by | time to detect |", "|---|---|---|---|"]
    for name, fault in sorted(faults.items(), key=lambda kv: (kv[1].requirements, kv[0])):
        by = caught.get(name, [])
        fastest = min((s for _, s in by), default=0.0)
        shown = "; ".join(t for t, _ in by[:3]) + (f" (+{len(by) - 3})" if len(by) > 3 else "")
        verdict = shown or ("NOT CAUGHT" if name in ran else "no test carries its requirement yet")
        lines.append(f"| {name} | {', '.join(fault.requirements)} | {verdict} | {f'{fastest:.2f}s' if by else '-'} |")
    lines.append(f"\n{len(faults)} faults, {len(caught)} caught; matrix wall time {matrix['seconds']:.0f}s "
                 f"(features {matrix['flows_seconds']:.0f}s); {len(rows)} test runs, "
                 f"{len(matrix['again'])} faults run again with all their tests")
    table = "\n".join(lines)
    (OUT / "matrix.md").write_text(table + "\n", encoding="utf-8")
    (OUT / "summary.json").write_text(json.dumps({
        "faults": len(faults), "caught": len(caught), "seconds": round(matrix["seconds"], 1),
    }), encoding="utf-8")
    print("\n" + table)
    matrix.update(caught=caught, wrong_kind=wrong_kind, ran=ran)
    return matrix


def test_no_fault_no_red(matrix: dict[str, object]) -> None:
    rows: list[dict[str, object]] = judge(matrix)["rows"]  # type: ignore[assignment]
    false_alarms = [r for r in rows if r["fault"] == NO_FAULT and r["outcome"] == "failed"]
    assert any(r["fault"] == NO_FAULT for r in rows), "the matrix ran nothing"
    assert not false_alarms, "the fault-free sandbox failed: " + "; ".join(
        f"{r['test']}: {r['message']}" for r in false_alarms[:5])


@pytest.mark.parametrize("fault", [
    pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[name])) if name in KNOWN_MISSES else name
    for name in sorted(catalog())
])
def test_fault_is_caught(matrix: dict[str, object], fault: str) -> None:
    judged = judge(matrix)
    if fault not in judged["ran"]:  # type: ignore[operator]
        requirements = ", ".join(f"REQ-{r}" for r in judged["faults"][fault].requirements)  # type: ignore[index]
        pytest.skip(f"no test carries {requirements} yet, so nothing can catch it")
    wrong = judged["wrong_kind"].get(fault, [])  # type: ignore[union-attr]
    assert judged["caught"].get(fault), (  # type: ignore[union-attr]
        f"{fault} was not caught: " + ("; ".join(wrong[:2]) or "every test carrying its requirement passed"))


def test_every_requirement_has_a_fault() -> None:
    from suite.requirements import catalog as requirements

    named = {r for fault in catalog().values() for r in fault.requirements}
    missing = sorted(r.id for r in requirements().values() if r.id not in named and r.id not in PENDING | STATIC)
    assert not missing, f"requirements no sandbox fault breaks: {', '.join(missing)}"


def test_api_faults_are_caught_by_a_contract_test(matrix: dict[str, object]) -> None:
    """A fault that breaks an API contract (CON-01) is caught by Schemathesis too, not
    only by a scenario: the contract tests must stand on their own against staging."""
    judged = judge(matrix)
    faults = judged["faults"]  # type: ignore[assignment]
    caught = judged["caught"]  # type: ignore[assignment]
    missed = [name for name, fault in faults.items() if "CON-01" in fault.requirements  # type: ignore[union-attr]
              and not any(test.startswith("contract ") for test, _ in caught.get(name, []))]  # type: ignore[union-attr]
    assert not missed, f"API faults no contract test caught: {', '.join(sorted(missed))}"


def matrix_runs(fault_names: set[str]) -> set[str]:
    """The faults the matrix would run at least one test with: a tagged, not pending
    scenario naming one of its requirements (collected as the matrix collects, each
    test parametrized by fault), or, for an API fault, the contract tests of CON-01."""
    collect = ["--collect-only", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", "--living-doc", "none"]
    # The matrix's recorder would overwrite results.json with an empty run: blocked.
    flows = run([*MATRIX_PATHS, "--fault-matrix", "-p", "no:energy-suite-matrix", *collect], timeout=300)
    assert flows.returncode == 0, flows.stdout[-2000:] + flows.stderr[-2000:]
    ran: set[str] = set()
    for line in flows.stdout.splitlines():
        test_id = line.rpartition("[")[2].rstrip("]") if line.endswith("]") else ""
        # The matrix's fault leads the test id; an example's values may follow ("fault-French").
        named = [name for name in fault_names if test_id == name or test_id.startswith(f"{name}-")]
        if named:
            ran.add(max(named, key=len))
    contracts = run(["tests/contracts", "-m", "REQ-CON-01", *collect], timeout=300)
    if contracts.returncode == 0 and "::" in contracts.stdout:
        ran |= {name for name in fault_names if "CON-01" in catalog()[name].requirements}
    return ran


def consulted(fault: str, module_name: str) -> bool:
    """Whether the module that declares the fault asks ``world.faulty("<fault>")``."""
    import importlib
    import re

    source = Path(str(importlib.import_module(module_name).__file__)).read_text(encoding="utf-8")
    return re.search(rf"""\.faulty\(\s*["']{re.escape(fault)}["']\s*\)""", source) is not None


def test_every_fault_has_a_test() -> None:
    """Each fault is honoured where it is declared (the party code asks for it by name),
    and the matrix would run at least one test carrying one of its requirements, so a
    fault can neither be a dead name nor escape the matrix unseen."""
    from sandbox.faults import declared_in

    where = declared_in()
    assert set(where) == set(catalog()), "the catalog and the declaring modules disagree"
    dead = sorted(f"{name} ({module})" for name, module in where.items() if not consulted(name, module))
    assert not dead, f"faults their party never asks for with world.faulty(...): {', '.join(dead)}"
    untested = sorted(set(where) - matrix_runs(set(where)))
    assert not untested, f"faults no test the matrix runs carries a requirement of: {', '.join(untested)}"


def test_the_first_pass_keeps_the_fault_free_runs_and_each_faults_named_test() -> None:
    """--matrix-first: a fault named with a test it has runs that test alone; a fault not
    named, or named with a test it does not have (renamed since), runs all of its tests."""
    from types import SimpleNamespace

    from suite.matrix import _named_first

    def item(test: str, fault: str) -> Any:
        return SimpleNamespace(nodeid=f"tests/flows/test_flows.py::{test}[{fault}]", callspec=SimpleNamespace(
            params={"matrix_fault": fault}))

    items = [item(t, f) for t in ("test_a", "test_b") for f in (NO_FAULT, "named", "unnamed", "renamed")]
    named = {"named": "test_b[named]", "renamed": "test_gone[renamed]"}
    kept = [i.nodeid.split("::")[-1] for i in _named_first(items, named)]  # type: ignore[arg-type]
    assert kept == ["test_a[no-fault]", "test_a[unnamed]", "test_a[renamed]",
                    "test_b[no-fault]", "test_b[named]", "test_b[unnamed]", "test_b[renamed]"]
