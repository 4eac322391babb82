"""The sweep's coverage table in the living document's section for engineers: every
endpoint and page against every check class (suite/sweep/), each cell with this run's
results of its probes, or why the class does not apply."""

from __future__ import annotations

from collections import Counter

from suite.living_doc.features import esc
from suite.living_doc.record import RunRecord, TestRecord
from suite.sweep.classes import CLASSES
from suite.sweep.coverage import cells, totals

SHOWN = {"passed": "passed", "failed": "failed", "xfailed": "known deviation", "xpassed": "deviation gone",
         "skipped": "skipped", "pending": "pending"}


def _cell(probes: tuple[str, ...], reason: str, results: dict[str, TestRecord]) -> str:
    if not probes:
        return f'<td class="small">n/a: {esc(reason)}</td>'
    counts = Counter(results[p].outcome if p in results else "not run" for p in probes)
    words = ", ".join(f"{n} {SHOWN.get(outcome, outcome)}" for outcome, n in sorted(counts.items()))
    state = "failed" if counts["failed"] or counts["xpassed"] else ("passed" if counts["passed"] == len(probes) else "other")
    names = "\n".join(p.split("::", 1)[-1] for p in probes)
    return f'<td class="sweep-{state}" title="{esc(names)}">{esc(words)}</td>'


def sweep_section(record: RunRecord) -> str:
    """A folded ``<details>`` block: the table, its totals, and the classes with their sources."""
    all_cells = cells()
    results = {t.nodeid: t for t in record.tests}
    numbers = totals(all_cells)
    ran = sum(1 for c in all_cells for p in c.probes if p in results)
    head = "".join(f'<th title="{esc(c.source)}">{esc(c.id)}<br><small>{esc(c.requirement)}</small></th>' for c in CLASSES)
    rows = []
    for item_id in dict.fromkeys(c.item.id for c in all_cells):
        row = [c for c in all_cells if c.item.id == item_id]
        rows.append(f"<tr><th>{esc(item_id)}<br><small>{esc(row[0].item.label)}</small></th>"
                    + "".join(_cell(c.probes, c.reason, results) for c in row) + "</tr>")
    sources = "".join(f"<li><b>{esc(c.id)}</b> ({esc(c.requirement)}): {esc(c.title)}. <i>{esc(c.source)}</i></li>"
                      for c in CLASSES)
    style = ("<style>.sweep-passed{background:#dcfce7}.sweep-failed{background:#fee2e2}"
             ".sweep-other{background:#fef3c7}</style>")
    return (f"{style}<details><summary>Sweep: every endpoint and page against the standards that bind it "
            f"({numbers['surface items']} items x {numbers['check classes']} classes, {numbers['probes']} probes, "
            f"{ran} run here)</summary><p class='note'>Each cell: this run's results of the probes of that class on "
            f"that item, or why the class does not apply ({numbers['not applicable']} cells). The same table is "
            f"docs/sweep-coverage.md.</p><ul>{sources}</ul><div style='overflow-x:auto'><table class='small'>"
            f"<tr><th>item</th>{head}</tr>{''.join(rows)}</table></div></details>")
