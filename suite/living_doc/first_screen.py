"""The first screen: the verdict in one sentence, the target in plain words, what changed
since the previous run, what needs a decision, and the run in numbers."""

from __future__ import annotations

import time
from collections import defaultdict

from suite.living_doc import history as hist
from suite.living_doc.features import esc
from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.scenarios import SCENARIO_LABELS, Tally
from suite.living_doc.status import STATES, Status
from suite.living_doc.words import count, duration, first_sentence, target_words


def link(test: TestRecord) -> str:
    anchor = f"scn-{test.function}" if test.is_scenario else "engineers"
    return f'<a href="#{esc(anchor)}">{esc(test.name)}</a>'


def why_text(status: Status) -> str:
    return "; ".join(first_sentence(r) for r in status.reasons[:2]) or "no reason given"


def listing(items: list[str], limit: int = 6) -> str:
    shown = "".join(f"<li>{item}</li>" for item in items[:limit])
    if len(items) > limit:
        shown += f"<li class='muted'>\u2026 and {len(items) - limit} more (filter by status below)</li>"
    return f"<ul>{shown}</ul>"


def seconds_of(record: RunRecord) -> float:
    return float(record.run.get("finished", 0)) - float(record.run.get("started", 0))


def header(record: RunRecord, tone: str, sentence: str) -> str:
    run = record.run
    finished = time.strftime("%A %d %B %Y, %H:%M UTC", time.gmtime(float(run.get("finished") or time.time())))
    changed = " with local changes" if run.get("dirty") else ""
    return (f'<header class="verdict tone-{tone}"><div class="in"><div class="kicker">Energy integrations \u00b7 '
            f"living documentation \u00b7 the partner app with Nomos and NOX</div><h1 id=\"verdict\">{verdict_html(sentence)}</h1>"
            f'<div class="meta">Checked against {esc(target_words(run.get("target", {})))}. {esc(finished)} \u00b7 '
            f"took {esc(duration(seconds_of(record)))} \u00b7 code version {esc(run.get('commit', 'unknown'))}{changed}"
            f' \u00b7 <a href="#glossary">what the words mean</a></div></div></header>')


def verdict_html(sentence: str) -> str:
    """The sentence, its first clause (the verdict proper) in bold."""
    head, sep, rest = sentence.partition("; ")
    return f"<b>{esc(head)}</b>{esc(sep)}<span class=\"rest\">{esc(rest)}</span>" if sep else f"<b>{esc(head)}</b>"


def changes_card(changes: hist.Changes, record: RunRecord) -> str:
    title = "<h2>Since the previous run</h2>"
    previous = changes.previous
    if previous is None:
        parts = ["<p>No earlier run on record for this target: this run starts the history. The next run will "
                 "say what changed.</p>"]
    else:
        when = time.strftime("%A %d %B, %H:%M UTC", time.gmtime(previous.at))
        same = "the same code" if previous.code == record.run.get("code") else f"code {esc(previous.commit)}"
        parts = [f'<p class="note">Compared with the run of {esc(when)} ({same}).</p>']
    for heading, tests in (("Newly failing", changes.newly_failing), ("Newly passing", changes.newly_passing)):
        if tests:
            parts.append(f"<h3>{heading} ({len(tests)})</h3>{listing([link(t) for t in tests])}")
    if changes.flaky:
        items = [f"{link(t)} <span class='muted small'>{esc(first_sentence(why))}</span>" for t, why in changes.flaky]
        parts.append(f"<h3>Flaky ({len(changes.flaky)})</h3>{listing(items)}")
    if previous is not None and not (changes.newly_failing or changes.newly_passing or changes.flaky):
        parts.append("<p>No check changed its result.</p>")
    if changes.new_tests:
        parts.append(f'<p class="note">{count(changes.new_tests, "check")} ran for the first time.</p>')
    return f'<div class="card">{title}{"".join(parts)}</div>'


EXAMPLE_LABELS = {"passed": "passed", "failed": "failed", "flaky": "passed on a retry", "exceptions": "known exception",
                  "skipped": "skipped", "pending": "pending"}


def numbers_card(record: RunRecord, statuses: dict[str, Status], pictures: int, tally: Tally, flows: int) -> str:
    """Requirements, then scenarios, then examples: each total is what its section lists."""
    by_key: dict[str, int] = defaultdict(int)
    for status in statuses.values():
        by_key[status.key] += 1
    order = list(STATES)
    reqs = " \u00b7 ".join(f"{n} {STATES[k][0]}" for k, n in sorted(by_key.items(), key=lambda kv: -order.index(kv[0])))
    others = sum(1 for t in record.tests if not t.is_scenario)
    failed = [t for t in record.tests if t.outcome in ("failed", "xpassed")]
    failures = f"<h3>Failed ({len(failed)})</h3>{listing([link(t) for t in failed], 4)}" if failed else ""
    scenarios = tally.said(tally.scenarios, SCENARIO_LABELS)
    examples = tally.said(tally.examples, EXAMPLE_LABELS)
    contract = f"{count(others, 'contract check')} (in the section for engineers); " if others else ""
    return (f'<div class="card" id="numbers"><h2>This run</h2>{failures}<ol class="tally">'
            f'<li><b data-count="requirements">{count(len(statuses), "requirement")}</b>: {esc(reqs)}. '
            f'<span class="muted">(listed under <a href="#requirements">Requirements</a>)</span></li>'
            f'<li><b data-count="scenarios">{count(tally.n_scenarios, "scenario")}</b> in {count(flows, "flow")}: '
            f'{esc(scenarios)}.</li>'
            f'<li><b data-count="examples">{count(tally.n_examples, "example")}</b>: {esc(examples)}. '
            f'<span class="muted">(an outline scenario runs once per example, any other scenario once)</span></li>'
            f"</ol><p>{contract}{count(pictures, 'picture')}. It took {esc(duration(seconds_of(record)))}.</p>"
            f'<p class="note"><a href="#requirements">Requirements</a> \u00b7 <a href="#glossary">What the words '
            f'mean</a> \u00b7 <a href="#engineers">For engineers</a></p></div>')
