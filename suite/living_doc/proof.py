"""Proof over nights: when each requirement was last proved on this target, and by which run.

A requirement is proved as of the oldest of its checks' latest passes on the target (a
requirement too dear for one night is proved over several, suite/plan.py), provided none
of its checks failed since. The history (one entry per whole run on the target: the
nightly, a full run, a planned run) plus this run say when; the verdict says how many
requirements were proved within the profile's ``[nightly] proof_window_nights``.

Only whole runs enter a target's history: a partial selection (``-m``, ``-k``, test
paths, ``--lf``, ``--sw``) writes its own document (``reports/partial/``) and leaves the
history as it was, so a laptop never changes what the nightly compares with.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any

import pytest

from suite.living_doc import history as hist
from suite.living_doc.features import esc
from suite.living_doc.record import RunRecord, code_version
from suite.living_doc.status import requirement_statuses
from suite.requirements import Requirement

DAY = 86400.0
PARTIAL_DIR = "partial"  # beside the default document: a partial run's own document and record


def partial(config: pytest.Config) -> bool:
    """Whether the run chose part of the tests (the plan of --fit-budget is not a choice of the person)."""
    option = config.option
    paths = [a for a in config.args if a not in config.getini("testpaths")]
    return bool(getattr(option, "markexpr", "") or getattr(option, "keyword", "") or paths
                or getattr(option, "lf", False) or getattr(option, "stepwise", False))


def enters_history(run: dict[str, Any]) -> bool:
    """Only whole runs (every test, or the nightly's plan of every test) without sandbox faults."""
    return not run.get("faults") and not run.get("partial")


def run_label(started: float) -> str:
    """``staging #42`` in GitHub Actions, else the start (UTC) and the commit."""
    number, workflow = os.environ.get("GITHUB_RUN_NUMBER"), os.environ.get("GITHUB_WORKFLOW")
    if number:
        return f"{workflow or 'run'} #{number}"
    return f"{time.strftime('%d %b %H:%M', time.gmtime(started))} UTC, {code_version()['commit']}"


def run_url() -> str:
    server, repository, run = (os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID"))
    return f"{server}/{repository}/actions/runs/{run}" if server and repository and run else ""


@dataclass
class Proved:
    at: float | None  # None: never proved in full on this target
    runs: list[str]  # the runs whose passes make the proof, oldest first


def checks_of(record: RunRecord) -> dict[str, set[str]]:
    """Each requirement's checks: this run's, and the plan's deferred ones."""
    found: dict[str, set[str]] = {}
    for test in record.tests:
        for tag in test.requirements:
            found.setdefault(tag, set()).add(test.nodeid)
    plan = record.run.get("plan") or {}
    for nodeid, tags in (plan.get("deferred") or {}).items():
        for tag in tags:
            found.setdefault(tag, set()).add(nodeid)
    return found


def proved(history: list[hist.Entry], record: RunRecord, requirements: dict[str, Requirement]) -> dict[str, Proved]:
    """When each requirement was last proved on the record's target, this run included."""
    target = str(record.run.get("target", {}).get("name", ""))
    now = hist.entry_of(record, requirement_statuses(record.tests, requirements))
    now.run = now.run or "this run"
    entries = [*hist.comparable(history, target), now]
    checks = checks_of(record)
    result = {}
    for tag in requirements:
        latest = []
        for nodeid in sorted(checks.get(tag, ())):
            key = hist.key(nodeid)
            states = [(e, e.tests[key]) for e in entries if key in e.tests]
            passes = [e for e, state in states if state in hist.PASSING]
            latest.append(None if not passes or states[-1][1] == "f" else passes[-1])
        if not latest or any(e is None for e in latest):
            result[tag] = Proved(None, [])
            continue
        runs = sorted({(e.at, e.run or label_of(e)) for e in latest if e is not None})
        result[tag] = Proved(runs[0][0], [r for _, r in runs])
    return result


def label_of(entry: hist.Entry) -> str:
    return f"{time.strftime('%d %b %H:%M', time.gmtime(entry.at))} UTC, {entry.commit or 'unknown'}"


def window_of(record: RunRecord) -> int:
    return int(record.run.get("proof_window_nights") or 7)


def within(found: dict[str, Proved], record: RunRecord) -> int:
    since = float(record.run.get("finished") or time.time()) - window_of(record) * DAY
    return sum(1 for p in found.values() if p.at is not None and p.at >= since)


def sentence(found: dict[str, Proved], record: RunRecord) -> str:
    """For the verdict: ``30 of 46 requirements were proved on staging within the last 7 nights.``"""
    nights = window_of(record)
    target = record.run.get("target", {}).get("name", "this target")
    return (f"{within(found, record)} of {len(found)} requirements were proved on {target} within the last "
            f"{nights} night{'s' if nights != 1 else ''}.")


def when(at: float | None, now: float) -> str:
    if at is None:
        return "never in full on this target"
    days = (now - at) / DAY
    ago = "today" if days < 1 else f"{days:.0f} day{'s' if round(days) != 1 else ''} ago"
    return f"{time.strftime('%d %b %Y %H:%M', time.gmtime(at))} UTC ({ago})"


def section(found: dict[str, Proved], record: RunRecord) -> str:
    """The table: per requirement, when it was last proved on this target and by which run."""
    now = float(record.run.get("finished") or time.time())
    since = now - window_of(record) * DAY
    rows = []
    for tag, p in found.items():
        by = p.runs[-1] if len(p.runs) == 1 else (f"{len(p.runs)} runs, the last {p.runs[-1]}" if p.runs else "")
        fresh = p.at is not None and p.at >= since
        rows.append(f'<tr data-filter data-status="{"passed" if fresh else "skipped"}" data-search="{esc(tag.lower())}">'
                    f"<td><b>{esc(tag.removeprefix('REQ-'))}</b></td><td>{esc(when(p.at, now))}</td><td>{esc(by)}</td>"
                    f"<td>{'yes' if fresh else 'no'}</td></tr>")
    plan = record.run.get("plan") or {}
    planned = ""
    if plan.get("planned"):
        planned = (f"<p class='note'>This run followed a plan that fits the request budget of {plan.get('budget')}: "
                   f"{plan.get('tests')} of {plan.get('selected')} checks, about {plan.get('requests')} requests; "
                   f"the others wait for a later night.</p>")
    return (f'<section class="box" id="proof"><h2>Proof over nights</h2><p>{esc(sentence(found, record))}</p>{planned}'
            f"<details><summary>When each requirement was last proved on this target, and by which run</summary>"
            f"<p class='note'>A requirement is proved as of the oldest latest pass of its checks, when none failed since."
            f"</p><table><tr><th>ID</th><th>Last proved</th><th>By</th><th>Within {window_of(record)} nights</th></tr>"
            f"{''.join(rows)}</table></details></section>")
