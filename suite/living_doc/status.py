"""What a requirement's checks add up to, and the verdict of a run in one sentence.

A requirement is "proved" only when every check of it passed. One with an expected
failure (a known exception) or an accepted vendor deviation is "proved, with known
exceptions"; one whose checks partly did not run is "proved in part"; one that passed
only on a retry is "flaky". Each keeps the reasons its checks gave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from suite.living_doc.record import TestRecord
from suite.living_doc.words import count, plain_requirement
from suite.requirements import Requirement

# key -> (label, one-letter code in the history file), worst first
STATES = {
    "failed": ("failed", "f"),
    "flaky": ("proved, but flaky", "k"),
    "partial": ("proved in part", "h"),
    "skipped": ("not checked", "s"),
    "pending": ("not checkable yet", "n"),
    "notrun": ("not in this run", "-"),
    "exceptions": ("proved, with known exceptions", "x"),
    "passed": ("proved", "p"),
}
CODES = {code: key for key, (_, code) in STATES.items()}


@dataclass
class Status:
    key: str
    tests: list[TestRecord] = field(default_factory=list)
    note: str = ""  # what qualifies the label: "6 known exceptions", "2 of 5 checks skipped"

    @property
    def label(self) -> str:
        return STATES[self.key][0]

    @property
    def code(self) -> str:
        return STATES[self.key][1]

    @property
    def reasons(self) -> list[str]:
        seen: list[str] = []
        for test in self.tests:
            for reason in ([test.reason] if test.outcome in ("skipped", "pending", "xfailed") else []) + test.deviations:
                if reason and reason not in seen:
                    seen.append(reason)
        return seen


def test_key(test: TestRecord) -> str:
    """A test's own state, for history: p f s n x k (flaky: passed on a retry)."""
    if test.outcome == "passed" and test.flaky:
        return "k"
    return {"passed": "p", "failed": "f", "xpassed": "f", "skipped": "s", "pending": "n", "xfailed": "x"}.get(
        test.outcome, "f")


def requirement_status(tests: Iterable[TestRecord]) -> Status:
    tests = list(tests)
    if not tests:
        return Status("notrun")
    outcomes = [t.outcome for t in tests]
    passed = outcomes.count("passed")
    known = outcomes.count("xfailed") + sum(1 for t in tests if t.deviations and t.outcome != "xfailed")
    not_run = outcomes.count("skipped") + outcomes.count("pending")
    if any(o in ("failed", "xpassed") for o in outcomes):
        bad = sum(o in ("failed", "xpassed") for o in outcomes)
        return Status("failed", tests, f"{bad} of {count(len(tests), 'check')} failed")
    if not passed and not known:
        key = "pending" if "pending" in outcomes else "skipped"
        return Status(key, tests, "")
    if any(t.flaky for t in tests):
        return Status("flaky", tests, f"{count(sum(1 for t in tests if t.flaky), 'check')} passed only on a retry")
    if not_run:
        return Status("partial", tests, f"{not_run} of {count(len(tests), 'check')} did not run")
    if known:
        return Status("exceptions", tests, count(known, "known exception"))
    return Status("passed", tests)


def verdict(statuses: dict[str, Status], requirements: dict[str, Requirement], broken_pictures: int = 0,
            limits: dict[str, int] | None = None) -> tuple[str, str]:
    """(tone, one sentence): red when something failed; amber when something is not
    proved (not checked, partly run, flaky) or a picture was withheld; green otherwise.
    E.g. "41 of 43 requirements were proved; SUP-14 is not checkable yet (...); CON-02
    holds with 6 known exceptions." """

    def named(keys: list[str], limit: int = 3, words: bool = True) -> str:
        parts = []
        for tag in keys[:limit]:
            req = requirements.get(tag)
            said = plain_requirement(req.id, req.text, limits).rstrip(".") if req and words else ""
            first = said.split(" ", 1)[0]
            said = said if len(first) > 1 and first.isupper() else said[:1].lower() + said[1:]  # "NOX ..." stays
            parts.append(f"{tag.removeprefix('REQ-')} ({said})" if said else tag.removeprefix("REQ-"))
        more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
        return (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 and not more else ", ".join(parts)) + more

    by_key: dict[str, list[str]] = {}
    for tag, status in statuses.items():
        by_key.setdefault(status.key, []).append(tag)
    total, absent = len(statuses), by_key.get("notrun", [])
    failed, flaky, exceptions = by_key.get("failed", []), by_key.get("flaky", []), by_key.get("exceptions", [])
    proved = len(by_key.get("passed", []))  # plainly: one with known exceptions is said apart
    tail = []
    for key in ("pending", "skipped", "partial"):
        tags = by_key.get(key, [])
        if tags:
            tail.append(f"{named(tags, words=len(tags) == 1)} {'is' if len(tags) == 1 else 'are'} {STATES[key][0]}")
    if flaky:
        tail.append(f"{named(flaky, words=False)} passed only on a retry")
    if exceptions:
        known = "; ".join(f"{t.removeprefix('REQ-')} holds with {statuses[t].note}" for t in exceptions[:2])
        tail.append(known + (f" and {len(exceptions) - 2} more with known exceptions" if len(exceptions) > 2 else ""))
    if absent and len(absent) < total:
        tail.append(f"{len(absent)} {'was' if len(absent) == 1 else 'were'} not part of this run")
    if broken_pictures:
        tail.append(f"{count(broken_pictures, 'picture')} could not be verified "
                    f"and {'is' if broken_pictures == 1 else 'are'} not shown")
    rest = ("; " + "; ".join(tail)) if tail else ""
    if len(absent) == total:
        return "amber", "Nothing was checked in this run."
    if failed:
        return "red", f"{len(failed)} of {count(total, 'requirement')} failed: {named(failed)}{rest}."
    head = f"All {count(total, 'requirement')} were proved" if proved == total else \
        f"{proved} of {count(total, 'requirement')} were proved"
    unproved = any(by_key.get(k) for k in ("pending", "skipped", "partial", "flaky"))
    tone = "amber" if unproved or broken_pictures or absent else "green"
    return tone, f"{head}{rest}."


def requirement_statuses(tests: Iterable[TestRecord], requirements: dict[str, Requirement]) -> dict[str, Status]:
    """Each catalog requirement's status from the tests that carry its tag."""
    by_requirement: dict[str, list[TestRecord]] = {}
    for test in tests:
        for tag in test.requirements:
            by_requirement.setdefault(tag, []).append(test)
    return {tag: requirement_status(by_requirement.get(tag, [])) for tag in requirements}
