"""The first screen: the verdict in one sentence, the target in plain words, what changed
since the previous run, what needs a decision, and the run in numbers."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date

from suite.living_doc import history as hist
from suite.living_doc.features import esc
from suite.living_doc.record import RunRecord, TestRecord, parse_deviation
from suite.living_doc.scenarios import chips
from suite.living_doc.status import STATES, Status
from suite.living_doc.words import count, duration, first_sentence, plain_requirement, target_words
from suite.requirements import Requirement


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


def deviations_part(record: RunRecord, today: date) -> str:
    deviations: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        for text in test.deviations:
            deviations[text].append(test)
    items = []
    for text, tests in sorted(deviations.items()):
        part = parse_deviation(text)
        expiry = ""
        if part["until"]:
            left = (date.fromisoformat(part["until"]) - today).days
            expiry = (f" <b class='failed'>Expired {count(-left, 'day')} ago: fix it or extend it.</b>" if left < 0 else
                      f" <span class='muted'>Accepted until {esc(part['until'])} ({count(left, 'day')} left).</span>")
        reqs = sorted({r for t in tests for r in t.requirements})
        items.append(f"<b>{esc(part['id'])}</b> {esc(part['reason'])}.{expiry} {chips(reqs)}")
    return f"<h3>Known vendor deviations ({len(items)})</h3>{listing(items)}" if items else ""


def decisions_card(record: RunRecord, statuses: dict[str, Status], requirements: dict[str, Requirement],
                   today: date | None = None) -> str:
    parts = [deviations_part(record, today or date.today())]
    waiting = [(tag, s) for tag, s in statuses.items() if s.key in ("pending", "skipped", "partial") and tag in requirements]
    if waiting:
        items = [f"<b>{esc(tag.removeprefix('REQ-'))}</b> {esc(plain_requirement(requirements[tag].id, requirements[tag].text))}"
                 f" <span class='muted small' title='{esc('; '.join(s.reasons))}'>{esc(s.label.capitalize())}: "
                 f"{esc(why_text(s))}</span>" for tag, s in waiting]
        parts.append(f"<h3>Not checked ({len(waiting)})</h3>{listing(items)}")
    exceptions: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        if test.outcome == "xfailed":
            for tag in test.requirements or ["(no requirement)"]:
                exceptions[tag].append(test)
    for tag, tests in sorted(exceptions.items()):
        reasons = "".join(f"<li>{esc(t.reason)}</li>" for t in tests)
        parts.append(f"<h3>Known exceptions: {esc(tag.removeprefix('REQ-'))}</h3><details><summary>"
                     f"{count(len(tests), 'check')} expected to fail, each for a reason we know: should the vendor "
                     f"be asked to fix it?</summary><ul>{reasons}</ul></details>")
    body = "".join(parts) or "<p>Nothing waits for a decision.</p>"
    return f'<div class="card"><h2>Needs a decision</h2>{body}</div>'


def numbers_card(record: RunRecord, statuses: dict[str, Status], pictures: int) -> str:
    by_key: dict[str, int] = defaultdict(int)
    for status in statuses.values():
        by_key[status.key] += 1
    order = list(STATES)
    reqs = " \u00b7 ".join(f"{n} {STATES[k][0]}" for k, n in sorted(by_key.items(), key=lambda kv: -order.index(kv[0])))
    scenarios = [t for t in record.tests if t.is_scenario]
    others = len(record.tests) - len(scenarios)
    checks = count(len(scenarios), "scenario check") + " (each example counts)"
    if others:
        checks += f", {count(others, 'contract check')}"
    failed = [t for t in record.tests if t.outcome in ("failed", "xpassed")]
    failures = f"<h3>Failed ({len(failed)})</h3>{listing([link(t) for t in failed], 4)}" if failed else ""
    return (f'<div class="card"><h2>This run</h2>{failures}<p><b>{count(len(statuses), "requirement")}</b>: '
            f"{esc(reqs)}.</p><p>{checks}; {count(pictures, 'picture')}.</p>"
            f"<p>It took {esc(duration(seconds_of(record)))}.</p>"
            f'<p class="note"><a href="#requirements">Requirements</a> \u00b7 <a href="#glossary">What the words '
            f'mean</a> \u00b7 <a href="#engineers">For engineers</a></p></div>')
