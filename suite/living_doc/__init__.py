"""The living documentation: one self-contained HTML file per run, for product owners.

At the end of a run of the features or contract tests the controller (never an xdist
worker) writes three things, from reports that are already redacted:

- ``reports/run-record.json`` (``--run-record``): what the run did, machine-readable
  (:mod:`suite.living_doc.record` documents the format);
- ``reports/living-documentation.html`` (``--living-doc``), rendered from that record,
  the features and the requirements catalog, and the history;
- one line appended to ``reports/history.jsonl`` (``--history`` or ``$SUITE_HISTORY``;
  ``none`` keeps no history). Runs with sandbox faults are experiments and are not
  appended.

Merging runs (e.g. the main job sharded over several machines)::

    python -m suite.living_doc merge shard1/run-record.json shard2/run-record.json \\
        -o reports/living-documentation.html --history reports/history.jsonl --append

or in Python: ``write(merge([RunRecord.load(p) for p in paths], out.parent), out, history_path)``.
Shards should run with ``--history none`` so that only the merged run enters history.

Why hand-written and not Allure: Allure needs its own CLI (Java or Node) at report time,
takes seconds to build, and has no notion of a requirements table with per-ID status
and history; this file is one ``open()`` away and costs well under a second.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from suite.keys import target_or_none
from suite.living_doc import history
from suite.living_doc.collect import Collector, run_facts
from suite.living_doc.proof import PARTIAL_DIR, enters_history, partial
from suite.living_doc.record import RunRecord, merge
from suite.living_doc.render import render
from suite.living_doc.status import requirement_statuses
from suite.paths import REPORTS_DIR
from suite.requirements import catalog

__all__ = ["RunRecord", "merge", "render", "write"]
HISTORY_ENV = "SUITE_HISTORY"
DEFAULT_DOC = REPORTS_DIR / "living-documentation.html"


def write(record: RunRecord, out: Path, history_path: Path | None = None, append: bool = True) -> None:
    """Render the record to ``out`` (atomically), reading the history and then adding this run to it."""
    entries = history.load(history_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(render(record, entries, out), encoding="utf-8")
    tmp.replace(out)  # never half-written
    if history_path is not None and append:
        add_to_history(record, history_path)


def add_to_history(record: RunRecord, history_path: Path) -> None:
    history.append(history_path, history.entry_of(record, requirement_statuses(record.tests, catalog())))


def replace_all(files: dict[Path, bytes]) -> None:
    """Write every file to a temporary one beside it, then rename each into place."""
    temporary = {}
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            temporary[path] = tmp
        for path, tmp in temporary.items():
            tmp.replace(path)
    finally:
        for tmp in temporary.values():
            tmp.unlink(missing_ok=True)


def option_path(value: str | None) -> Path | None:
    return None if value in (None, "", "none") else Path(value)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite")
    group.addoption("--living-doc", default=str(DEFAULT_DOC), metavar="PATH",
                    help="where to write the living documentation (HTML); 'none' to skip it, its record and history")
    group.addoption("--run-record", default=None, metavar="PATH",
                    help="where to write the run's machine-readable record (default: run-record.json beside the document)")
    group.addoption("--history", default=None, metavar="PATH",
                    help=f"history file the document reads and the run appends to (default: ${HISTORY_ENV}, "
                         "else history.jsonl beside the document); 'none' for no history")


class LivingDoc:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.collector = Collector(REPORTS_DIR, Path(config.invocation_params.dir))
        self.started = time.time()
        self.render_seconds: float | None = None  # what writing the document cost this run

    @property
    def out(self) -> Path | None:
        """The document; a partial selection's default one is its own (suite/living_doc/proof.py)."""
        chosen = option_path(self.config.getoption("--living-doc"))
        given = any(str(a).startswith("--living-doc") for a in self.config.invocation_params.args)
        if not given and chosen == DEFAULT_DOC and partial(self.config):
            return DEFAULT_DOC.parent / PARTIAL_DIR / DEFAULT_DOC.name
        return chosen

    def active(self) -> bool:
        """Only the controller of a run of the features or contract tests writes a document."""
        if self.out is None or hasattr(self.config, "workerinput"):
            return False
        return any(n.startswith(("tests/flows/", "tests/contracts/")) for n in self.collector.tests)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.collector.absorb(report)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.active() or self.out is None:
            return
        began = time.perf_counter()
        target = target_or_none(self.config)
        record = RunRecord(run=run_facts(self.config, target, self.started, time.time()),
                           tests=self.collector.records(), base=REPORTS_DIR)
        record.save(option_path(self.config.getoption("--run-record")) or self.out.parent / "run-record.json")
        beside = Path(self.config.getoption("--living-doc")).parent / "history.jsonl"  # the chosen document's folder
        chosen = self.config.getoption("--history") or os.environ.get(HISTORY_ENV) or str(beside)
        write(record, self.out, option_path(chosen), append=enters_history(record.run))
        self.render_seconds = time.perf_counter() - began

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.render_seconds is not None:
            terminalreporter.write_sep("-", f"living documentation: {self.out} (written in {self.render_seconds:.2f}s)")


def configure(config: pytest.Config) -> None:
    """Called by suite/entry.py."""
    config.pluginmanager.register(LivingDoc(config), "energy-suite-living-doc")
