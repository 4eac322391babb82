"""Results where the team looks: a nightly's merged run as a GitHub job summary, failure
annotations and a chat message.

    python -m suite.nightly_report reports --summary "$GITHUB_STEP_SUMMARY" --annotations \\
        --artifact-url URL [--chat-message message.json]

reads ``reports/run-record.json`` (and ``reports/history.jsonl`` when there) and writes:

* the job summary (Markdown, appended to ``--summary``): the verdict in one sentence,
  how many requirements were proved within the profile's window, tonight's plan, each
  failure with its sentence and failing step, what needs a decision, and links to the
  living document's artifact and the run;
* with ``--annotations``, one ``::error file=…,line=…,title=…::sentence`` line per
  failure on stdout (the feature file and the failing step's line for a scenario), which
  GitHub shows on the run and the commit;
* with ``--chat-message PATH``, ``{"text": …}`` for a chat webhook (Slack, Teams and
  Mattermost incoming webhooks read it): the verdict, the failures' count, the link.

Nothing here sends anything; the workflow's webhook step posts the message when its secret
is set (docs/nightly.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from suite.living_doc import history as hist
from suite.living_doc import proof
from suite.living_doc.record import RunRecord, TestRecord, parse_deviation
from suite.living_doc.status import requirement_statuses, verdict
from suite.requirements import catalog

FAILED = ("failed", "xpassed")
TONE = {"red": "🔴", "amber": "🟠", "green": "🟢"}


def first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    line = line.removeprefix("AssertionError: ")
    return line if len(line) <= limit else line[: limit - 1] + "\u2026"


def where(test: TestRecord) -> tuple[str, int | None]:
    """The file and line a failure points at: the feature's failing step, else the test's file."""
    if test.is_scenario and test.flow:
        return f"features/{test.flow}.feature", (test.failed_steps or [None])[0]
    return test.nodeid.split("::")[0], None


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(record: RunRecord) -> list[str]:
    lines = []
    for test in sorted(record.tests, key=lambda t: t.nodeid):
        if test.outcome not in FAILED:
            continue
        path, line = where(test)
        place = f"file={escape_property(path)}" + (f",line={line}" if line else "")
        step = f" (step: {test.failed_step})" if test.failed_step else ""
        sentence = first_line(test.message) or test.outcome
        lines.append(f"::error {place},title={escape_property(test.name)}::{escape_data(sentence + step)}")
    return lines


def summary(record: RunRecord, history: list[hist.Entry], artifact_url: str = "", today: date | None = None) -> str:
    requirements = catalog()
    statuses = requirement_statuses(record.tests, requirements)
    tone, said = verdict(statuses, requirements)
    proved = proof.proved(history, record, requirements)
    run = record.run
    target = run.get("target", {}).get("name", "the target")
    out = [f"## {TONE.get(tone, '')} {target}: {run.get('run') or 'this run'}", "", said, "", proof.sentence(proved, record)]
    plan = run.get("plan") or {}
    if plan.get("planned"):
        deferred = ", ".join(t.removeprefix("REQ-") for t in plan.get("deferred_requirements", [])[:12])
        out += ["", f"**Tonight's plan** (`--fit-budget`, budget {plan.get('budget')}): {plan.get('tests')} of "
                    f"{plan.get('selected')} checks, about {plan.get('requests')} requests"
                    + (f"; waiting for a later night: {deferred}" if deferred else "") + "."]
    failed = [t for t in sorted(record.tests, key=lambda t: t.nodeid) if t.outcome in FAILED]
    if failed:
        out += ["", f"### Failures ({len(failed)})", ""]
        for test in failed[:30]:
            path, line = where(test)
            step = f" — step *{test.failed_step}*" if test.failed_step else ""
            tags = " ".join(t.removeprefix("REQ-") for t in test.requirements)
            out.append(f"- **{test.name}** ({tags or 'no requirement'}; `{path}{f':{line}' if line else ''}`){step}: "
                       f"{first_line(test.message) or test.outcome}")
        if len(failed) > 30:
            out.append(f"- … and {len(failed) - 30} more (the living document lists them all)")
    decisions = []
    for tag, status in statuses.items():
        if status.key in ("pending", "skipped", "partial"):
            why = "; ".join(status.reasons[:2]) or "no reason given"
            decisions.append(f"- {tag.removeprefix('REQ-')} is {status.label}: {first_line(why, 200)}")
    seen = set()
    for test in record.tests:
        for text in test.deviations:
            parts = parse_deviation(text)
            if parts["id"] not in seen:
                seen.add(parts["id"])
                until = f" (accepted until {parts['until']})" if parts["until"] else ""
                decisions.append(f"- known vendor deviation `{parts['id']}`{until}: {first_line(parts['reason'], 200)}")
    out += ["", "### Needs a decision", ""] + (decisions or ["Nothing waits for a decision."])
    links = []
    if artifact_url:
        links.append(f"[the living document and reports (artifact)]({artifact_url})")
    if run.get("url"):
        links.append(f"[this run]({run['url']})")
    if links:
        out += ["", "Open " + " · ".join(links) + " (the document is `living-documentation.html` in the artifact)."]
    return "\n".join(out) + "\n"


def chat_message(record: RunRecord, history: list[hist.Entry], artifact_url: str = "") -> dict[str, str]:
    requirements = catalog()
    tone, said = verdict(requirement_statuses(record.tests, requirements), requirements)
    target = record.run.get("target", {}).get("name", "the target")
    link = f" {artifact_url}" if artifact_url else (f" {record.run['url']}" if record.run.get("url") else "")
    proved = proof.sentence(proof.proved(history, record, requirements), record)
    return {"text": f"{TONE.get(tone, '')} {target} nightly ({record.run.get('run') or 'this run'}): {said} {proved}{link}"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.nightly_report", description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", type=Path, help="the merged reports folder (run-record.json, history.jsonl)")
    parser.add_argument("--summary", type=Path, default=None, help="append the Markdown summary here ($GITHUB_STEP_SUMMARY)")
    parser.add_argument("--annotations", action="store_true", help="print ::error lines for the failures")
    parser.add_argument("--artifact-url", default="", help="where the living document's artifact is")
    parser.add_argument("--chat-message", type=Path, default=None, help="write a chat webhook's JSON message here")
    args = parser.parse_args(argv)
    try:
        record = RunRecord.load(args.reports / "run-record.json")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    history = hist.load(args.reports / "history.jsonl")
    prior = [e for e in history if e.run != record.run.get("run")]  # the merge may have added this run already
    text = summary(record, prior, args.artifact_url)
    if args.summary is not None:
        with args.summary.open("a", encoding="utf-8") as out:
            out.write(text)
    else:
        print(text)
    if args.annotations:
        for line in annotations(record):
            print(line)
    if args.chat_message is not None:
        args.chat_message.write_text(json.dumps(chat_message(record, prior, args.artifact_url)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
