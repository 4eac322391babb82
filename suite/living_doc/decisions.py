""""Needs a decision": what waits for someone, who that is and by when.

Each item names its owner from the profile (``[owners.vendors]`` for what a vendor must
fix: a vendor deviation, a vendor's known exceptions; ``[owners.families]`` for a
requirement not fully proved) and its date: a deviation's expiry, a requirement's review
date (``[reviews]``). A missing owner or date is said plainly, with where to set it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from suite.living_doc.features import esc
from suite.living_doc.first_screen import listing
from suite.living_doc.record import RunRecord, TestRecord, parse_deviation
from suite.living_doc.scenarios import chips
from suite.living_doc.status import Status
from suite.living_doc.words import count, first_sentence, limits_of, plain_requirement
from suite.requirements import Requirement

VENDOR_NAMES = {"nomos": "Nomos", "nox": "NOX"}
FAMILY_VENDOR = {"SSO": "nomos", "SUP": "nox", "MAN": "nox"}  # whose deployment a family's behaviour is


def family(tag: str) -> str:
    return tag.removeprefix("REQ-").split("-")[0]


def vendor_of(text: str, tags: list[str]) -> str:
    """The vendor a deviation or exception is about: named in its words or test, else its requirements' vendor."""
    lowered = text.lower()
    named = [v for v in VENDOR_NAMES if v in lowered]
    if len(named) == 1:
        return named[0]
    vendors = {FAMILY_VENDOR[family(t)] for t in tags if family(t) in FAMILY_VENDOR}
    return vendors.pop() if len(vendors) == 1 else ""


def owner_words(target: dict[str, Any], vendor: str = "", tag: str = "") -> str:
    owners = target.get("owners") or {}
    if vendor:
        who = (owners.get("vendors") or {}).get(vendor)
        where = f"[owners.vendors] {vendor}"
    else:
        who = (owners.get("families") or {}).get(family(tag))
        where = f"[owners.families] {family(tag)}"
    if who:
        return f"<b class='owner'>Owner: {esc(who)}</b>"
    return f"<b class='owner failed'>No owner named</b> <span class='muted'>(set {esc(where)} in the target profile)</span>"


def date_words(when: str, today: date, kind: str, setting: str = "") -> str:
    """'Review by 2027-01-15 (43 days left)', an overdue date in red, or where to set a missing one."""
    if not when:
        return (f"<b class='failed'>No {kind} date</b> <span class='muted'>(set {esc(setting)} in the target "
                f"profile)</span>")
    left = (date.fromisoformat(when) - today).days
    label = {"review": "Review by", "expiry": "Accepted until"}[kind]
    if left < 0:
        fix = "fix it or extend it" if kind == "expiry" else "review it and set the next date"
        return f"<b class='failed'>{label} {esc(when)}: {count(-left, 'day')} overdue, {fix}.</b>"
    return f"<span class='when'>{label} {esc(when)} ({count(left, 'day')} left).</span>"


def item(body: str, owner: str, when: str) -> str:
    return f"{body}<div class='small decide'>{owner} \u00b7 {when}</div>"


def deviations_part(record: RunRecord, today: date) -> str:
    target = record.run.get("target", {})
    deviations: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        for text in test.deviations:
            deviations[text].append(test)
    items = []
    for text, tests in sorted(deviations.items()):
        part = parse_deviation(text)
        reqs = sorted({r for t in tests for r in t.requirements})
        vendor = vendor_of(text + " " + " ".join(t.nodeid for t in tests), reqs)
        owner = owner_words(target, vendor=vendor) if vendor else owner_words(target, tag=reqs[0] if reqs else "")
        when = date_words(part["until"], today, "expiry", "until = YYYY-MM-DD on the deviation")
        items.append(item(f"<b>{esc(part['id'])}</b> {esc(part['reason'])}. {chips(reqs)}", owner, when))
    return f"<h3>Known vendor deviations ({len(items)})</h3>{listing(items)}" if items else ""


def decisions_card(record: RunRecord, statuses: dict[str, Status], requirements: dict[str, Requirement],
                   today: date | None = None) -> str:
    today = today or date.today()
    target, limits = record.run.get("target", {}), limits_of(record.run)
    reviews = target.get("reviews") or {}
    parts = [deviations_part(record, today)]
    waiting = [(tag, s) for tag, s in statuses.items() if s.key in ("pending", "skipped", "partial") and tag in requirements]
    if waiting:
        items = []
        for tag, status in waiting:
            short = tag.removeprefix("REQ-")
            why = "; ".join(first_sentence(r) for r in status.reasons[:2]) or "no reason given"
            body = (f"<b>{esc(short)}</b> {esc(plain_requirement(requirements[tag].id, requirements[tag].text, limits))} "
                    f"<span class='muted small'>{esc(status.label.capitalize())}: {esc(why)}</span>")
            items.append(item(body, owner_words(target, tag=tag),
                              date_words(str(reviews.get(short, "")), today, "review", f"[reviews] {short} = YYYY-MM-DD")))
        parts.append(f"<h3>Not checked ({len(waiting)})</h3>{listing(items)}")
    exceptions: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        if test.outcome == "xfailed":
            for tag in test.requirements or ["(no requirement)"]:
                exceptions[tag].append(test)
    for tag, tests in sorted(exceptions.items()):
        short = tag.removeprefix("REQ-")
        vendor = vendor_of(" ".join(t.nodeid + " " + t.reason for t in tests), [tag])
        who = VENDOR_NAMES.get(vendor, "the vendor")
        body = (f"{count(len(tests), 'check')} expected to fail, each for a reason we know and wrote down (listed in "
                f"the <a href='#engineers'>section for engineers</a>): should {who} be asked to fix "
                f"{'it' if len(tests) == 1 else 'them'}?")
        owner = owner_words(target, vendor=vendor) if vendor else owner_words(target, tag=tag)
        when = date_words(str(reviews.get(short, "")), today, "review", f"[reviews] {short} = YYYY-MM-DD")
        parts.append(f"<h3>Known exceptions: {esc(short)}</h3><p class='small'>{item(body, owner, when)}</p>")
    body = "".join(parts) or "<p>Nothing waits for a decision.</p>"
    return f'<div class="card"><h2>Needs a decision</h2>{body}</div>'
