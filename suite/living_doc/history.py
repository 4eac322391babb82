"""History across runs: one line of JSON per run, appended at the end of each run.

Each line holds when, which code (commit plus a hash of local changes), which target
and selection, each requirement's state and each test's state (by a short hash of its
node id), so a night's run can say what changed since the previous one and show each
requirement over the last 30 runs. The file keeps the last :data:`KEEP` runs (about
4 kB each); CI keeps it between runs (see ``.github/workflows/staging.yml``). No file,
or a broken line, is no history: the document says so and carries on.

Flaky means: failed, then passed with no change to the code (same ``code``), in two
consecutive runs of the test on one target; or passed on a retry within one run.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.status import Status, test_key

KEEP = 60  # runs kept in the file
SHOWN = 30  # runs shown per requirement
PASSING = ("p", "x", "k")


def key(nodeid: str) -> str:
    return hashlib.sha1(nodeid.encode()).hexdigest()[:10]


@dataclass
class Entry:
    at: float
    commit: str
    code: str
    target: str
    selection: str = ""
    requirements: dict[str, str] = field(default_factory=dict)
    tests: dict[str, str] = field(default_factory=dict)
    run: str = ""  # which run: "staging #42" in CI, else its start and commit (suite/living_doc/proof.py)


def load(path: Path | None) -> list[Entry]:
    if path is None or not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            data: dict[str, Any] = json.loads(line)
            entries.append(Entry(**{k: data[k] for k in Entry.__dataclass_fields__ if k in data}))
        except (ValueError, TypeError):
            continue  # a torn or foreign line is skipped, not fatal
    return sorted(entries, key=lambda e: e.at)


def entry_of(record: RunRecord, statuses: dict[str, Status]) -> Entry:
    run = record.run
    return Entry(
        at=float(run.get("finished") or run.get("started") or 0), commit=str(run.get("commit", "")),
        code=str(run.get("code", "")), target=str(run.get("target", {}).get("name", "")),
        selection=str(run.get("selection") or ""),
        requirements={tag: s.code for tag, s in statuses.items() if s.key != "notrun"},
        tests={key(t.nodeid): test_key(t) for t in record.tests}, run=str(run.get("run") or ""),
    )


def append(path: Path, entry: Entry, keep: int = KEEP) -> None:
    entries = [*load(path), entry][-keep:]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(asdict(e), separators=(",", ":")) + "\n" for e in entries), encoding="utf-8")
    tmp.replace(path)


def comparable(history: list[Entry], target: str) -> list[Entry]:
    return [e for e in history if e.target == target]


@dataclass
class Changes:
    previous: Entry | None
    newly_failing: list[TestRecord] = field(default_factory=list)
    newly_passing: list[TestRecord] = field(default_factory=list)
    flaky: list[tuple[TestRecord, str]] = field(default_factory=list)
    new_tests: int = 0


def changes(history: list[Entry], record: RunRecord) -> Changes:
    """Against each test's latest earlier state on the same target (a run that selected
    only some tests leaves the others' states as they were)."""
    past = comparable(history, str(record.run.get("target", {}).get("name", "")))
    found = Changes(previous=past[-1] if past else None)
    code = str(record.run.get("code", ""))
    for test in sorted(record.tests, key=lambda t: t.nodeid):
        now = test_key(test)
        if now == "k":
            found.flaky.append((test, f"failed, then passed on a retry in this run: {test.first_failure or test.flaky}"))
            continue
        earlier = next(((e, e.tests[key(test.nodeid)]) for e in reversed(past) if key(test.nodeid) in e.tests), None)
        if earlier is None:
            found.new_tests += 1 if past else 0
            continue
        entry, before = earlier
        if now == "f" and before in (*PASSING, "h"):
            found.newly_failing.append(test)
        elif now in PASSING and before == "f":
            if entry.code == code:
                found.flaky.append((test, f"failed in the run of {_date(entry.at)} and passes now, with no change to the code"))
            else:
                found.newly_passing.append(test)
    return found


def strip(history: list[Entry], target: str, tag: str, now: Status, code: str) -> tuple[list[str], bool]:
    """The requirement's states over the last runs (oldest first, this run last) and
    whether it was flaky among them."""
    runs = [(e.requirements.get(tag, "-"), e.code) for e in comparable(history, target)]
    runs = [*runs, (now.code, code)][-SHOWN:]
    ran = [(state, version) for state, version in runs if state != "-"]
    flaky = now.key == "flaky" or any(
        a == "f" and b in PASSING and va == vb for (a, va), (b, vb) in itertools.pairwise(ran))
    return [state for state, _ in runs], flaky


def _date(epoch: float) -> str:
    return time.strftime("%d %b %H:%M", time.gmtime(epoch))
