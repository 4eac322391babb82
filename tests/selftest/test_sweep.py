"""The sweep (issue 21, tests/sweep): its surface is complete against the schemas and
interfaces.md, its coverage table is fresh and has no empty cell, every cell's probe is
a test pytest collects, and every check class can fail (a sandbox fault names its
requirement)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from sandbox.faults import catalog
from suite.requirements import catalog as requirements
from suite.sweep import coverage
from suite.sweep.classes import CLASSES
from suite.sweep.surface import ENTRIES, PAGES, interfaces_entries, interfaces_pages, surface, unlisted_operations

ROOT = Path(__file__).resolve().parents[2]


def test_every_schema_operation_has_a_row() -> None:
    missing = unlisted_operations()
    assert not missing, (f"schema operations without a row in suite/sweep/surface.py OPERATION_FACTS: {', '.join(missing)}; "
                         f"add one, then `{coverage.REGENERATE}`")


def test_a_new_schema_operation_without_a_row_is_named() -> None:
    new = (("nox", "DELETE", "/v2/supplier/link-sessions/{token}", {"operationId": "deleteSupplierLinkSession"}, {}),)
    assert unlisted_operations(new) == ["DELETE /v2/supplier/link-sessions/{token} (deleteSupplierLinkSession)"]


def test_every_page_and_entry_point_of_interfaces_md_has_an_item() -> None:
    pages = interfaces_pages() - {item.name for item in PAGES}
    entries = interfaces_entries() - {item.name for item in ENTRIES}
    assert not pages and not entries, (
        f"interfaces.md names pages or entry points the sweep's surface lacks: {sorted(pages | entries)}")


def test_a_page_added_to_interfaces_md_is_seen() -> None:
    text = ROOT.joinpath("docs/spec/interfaces.md").read_text(encoding="utf-8").replace(
        "| signed out |", "| signed out |\n| payment refused | `payment-error` |\n| signed out |", 1)
    assert "payment refused" in interfaces_pages(text)


def test_item_ids_are_unique() -> None:
    ids = [item.id for item in surface()]
    assert len(ids) == len(set(ids)), f"duplicate surface ids: {sorted({i for i in ids if ids.count(i) > 1})}"


def test_the_coverage_table_is_fresh_and_has_no_empty_cell() -> None:
    assert coverage.totals()["empty"] == 0, [f"{c.item.id} x {c.check.id}" for c in coverage.cells()
                                              if not c.probes and not c.reason]
    written = coverage.TABLE.read_text(encoding="utf-8") if coverage.TABLE.is_file() else ""
    assert written == coverage.markdown(), f"{coverage.TABLE.relative_to(ROOT)} is stale: run `{coverage.REGENERATE}`"


def test_every_class_names_its_source_and_a_catalog_requirement_and_can_fail() -> None:
    known = requirements()
    broken_by = {r for fault in catalog().values() for r in fault.requirements}
    for check in CLASSES:
        assert check.source.strip() and check.title.strip(), check.id
        assert f"REQ-{check.requirement}" in known, f"{check.id}: {check.requirement} is not in requirements.md"
        assert check.requirement in broken_by, f"{check.id}: no sandbox fault breaks {check.requirement}"


def scenario_ids(feature_dir: Path = ROOT / "features") -> set[str]:
    """The node ids pytest-bdd gives the scenario outlines' examples (tests/flows/test_flows.py), read from the features."""
    ids = set()
    for feature in feature_dir.glob("*.feature"):
        name, rows = "", []
        for line in [*feature.read_text(encoding="utf-8").splitlines(), "Scenario:"]:
            text = line.strip()
            if text.startswith(("Scenario:", "Scenario Outline:")):
                function = "test_" + re.sub(r"\W+", "_", name.lower()).strip("_")
                ids |= {f"tests/flows/test_flows.py::{function}[{'-'.join(row)}]" for row in rows[1:]}
                name, rows = text.split(":", 1)[1].strip(), []
            elif text.startswith("|") and name:
                rows.append([cell.strip() for cell in text.strip("|").split("|")])
    return ids


def test_every_probe_the_table_names_is_collected() -> None:
    named = {p for c in coverage.cells() for p in c.probes}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests/sweep", "--collect-only", "-q", "-p", "no:randomly",
                           "-p", "no:cacheprovider", "--living-doc", "none"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    collected = {line.strip() for line in done.stdout.splitlines() if "::" in line} | scenario_ids()
    missing = sorted(named - collected)
    assert not missing, f"the coverage table names probes pytest does not collect: {missing[:5]}"
    sweep = {line for line in collected if line.startswith("tests/sweep/")}
    assert sweep <= named, f"probes in tests/sweep the table does not name: {sorted(sweep - named)[:5]}"


def test_the_living_document_shows_the_table_with_this_runs_results() -> None:
    from suite.living_doc.features import esc
    from suite.living_doc.record import RunRecord, TestRecord
    from suite.living_doc.sweep import sweep_section

    probe = next(p for c in coverage.cells() if c.check.id == "auth-challenge" for p in c.probes)
    html = sweep_section(RunRecord(run={}, tests=[TestRecord(nodeid=probe, outcome="failed", requirements=["REQ-SEC-17"])]))
    totals = coverage.totals()
    assert f"{totals['probes']} probes, 1 run here" in html
    assert '<td class="sweep-failed"' in html and "1 failed" in html
    assert html.count("n/a: ") == totals["not applicable"]
    assert all(esc(c.source) in html for c in CLASSES)
