"""The release answer on screen one.

A run against the built-in sandbox proves the suite and the flows' logic against
stand-ins; it says so, and that a release needs a real target's runs. A run against a
real target is "ready to release" only when every requirement was proved on that target
within the profile's proof window (``[nightly] proof_window_nights``, default 7), from
the history and this run: each requirement's latest state within the window decides,
so a failure tonight outweighs a pass last night. What is missing is listed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from suite.living_doc import history as hist
from suite.living_doc.features import esc
from suite.living_doc.profile_facts import PROOF_WINDOW_DEFAULT
from suite.living_doc.record import RunRecord
from suite.living_doc.status import CODES, STATES, Status
from suite.living_doc.words import count, limits_of, plain_requirement
from suite.requirements import Requirement

NIGHT = 86400


@dataclass
class Proof:
    """A requirement's latest state on the target within the window ("-" when none), and when."""

    state: str = "-"
    at: float = 0.0


@dataclass
class Answer:
    tone: str  # green ready, amber ready once exceptions are accepted, red not ready, blue the sandbox
    headline: str
    missing: list[tuple[str, str]] = field(default_factory=list)  # (requirement, why) in catalog order
    accept: list[tuple[str, str]] = field(default_factory=list)  # proved with known exceptions: someone must accept


def window_nights(record: RunRecord) -> int:
    value = record.run.get("target", {}).get("proof_window_nights")
    return value if isinstance(value, int) and value > 0 else PROOF_WINDOW_DEFAULT


def proved_within(history: list[hist.Entry], target: str, now: float, nights: int, tags: list[str]) -> dict[str, Proof]:
    """Each requirement's latest state on ``target`` within ``nights`` before ``now`` (runs that did not include it
    are passed over)."""
    since = now - nights * NIGHT
    proofs = {tag: Proof() for tag in tags}
    for entry in sorted(hist.comparable(history, target), key=lambda e: e.at):
        if entry.at < since or entry.at > now:
            continue
        for tag in tags:
            state = entry.requirements.get(tag, "-")
            if state != "-":
                proofs[tag] = Proof(state, entry.at)
    return proofs


def release_answer(record: RunRecord, statuses: dict[str, Status], requirements: dict[str, Requirement],
                   history: list[hist.Entry]) -> Answer:
    target = record.run.get("target", {})
    if target.get("embedded"):
        return Answer("blue", "Not a release answer: this run used the built-in sandbox, so it proves the suite and "
                              "the flows' logic, not Nomos' or NOX's real deployments. A release needs the runs "
                              "against a real target (staging).")
    nights, name = window_nights(record), str(target.get("name", ""))
    now = float(record.run.get("finished") or time.time())
    this_run = hist.entry_of(record, statuses)
    proofs = proved_within([*history, this_run], name, now, nights, list(requirements))
    missing, accept = [], []
    for tag, proof in proofs.items():
        key = CODES.get(proof.state, "notrun")
        if key == "passed":
            continue
        if key == "notrun":
            why = f"not checked on {name} in the last {count(nights, 'night')}"
        else:
            when = "in this run" if proof.at == this_run.at else f"in the run of {time.strftime('%d %B', time.gmtime(proof.at))}"
            why = f"latest: {STATES[key][0]}, {when}"
        (accept if key == "exceptions" else missing).append((tag, why))
    total = count(len(requirements), "requirement")
    window = f"on {name} within the last {count(nights, 'night')}"
    if not missing and not accept:
        return Answer("green", f"Ready to release: all {total} were proved {window}.")
    if not missing:
        return Answer("amber", f"Ready to release once someone accepts the known exceptions: all {total} were proved "
                               f"{window}, {len(accept)} of them with known exceptions (see Needs a decision).",
                      accept=accept)
    return Answer("red", f"Not ready to release: {len(missing)} of {total} "
                         f"{'was' if len(missing) == 1 else 'were'} not proved {window}.", missing, accept)


def release_band(record: RunRecord, statuses: dict[str, Status], requirements: dict[str, Requirement],
                 history: list[hist.Entry], limit: int = 8) -> str:
    answer = release_answer(record, statuses, requirements, history)
    limits = limits_of(record.run)

    def listed(rows: list[tuple[str, str]]) -> str:
        items = "".join(
            f"<li><b>{esc(tag.removeprefix('REQ-'))}</b> "
            f"{esc(plain_requirement(requirements[tag].id, requirements[tag].text, limits))} "
            f"<span class='muted'>({esc(why)})</span></li>" for tag, why in rows[:limit])
        more = len(rows) - limit
        items += f"<li class='muted'>\u2026 and {more} more (see Requirements)</li>" if more > 0 else ""
        return f"<ul>{items}</ul>" if items else ""

    accept = ""
    if answer.accept and answer.missing:
        accept = f"<p>And to accept before a release, proved only with known exceptions:</p>{listed(answer.accept)}"
    elif answer.accept:
        accept = listed(answer.accept)
    return (f'<section class="release tone-{answer.tone}" id="release"><h2>Release</h2>'
            f"<p><b>{esc(answer.headline)}</b></p>{listed(answer.missing)}{accept}</section>")
