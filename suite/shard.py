"""Sharding the main job over several machines: ``--shard i/n`` runs the i-th of n parts.

The split is a function of the selected tests alone (their node ids and tags), so every
machine computes the same one whatever order it collected in, and together the shards
run each selected test exactly once:

* every ``@clock`` test goes to shard 1: a target's test clock is shared by all its
  parties, and only one shard may move it (within a shard, suite/clock.py keeps the
  workers from moving it under each other);
* the others, in the order of their node ids, heaviest first, each to the shard with the
  least work so far (a browser scenario or a contract operation weighs
  :data:`WEIGHTS` as much as an API scenario), so shards take about as long.

Shards share the target's request budget (``[limits]``): each gets 1/n of the budget and
1/n of the pace (``requests_per_second``), so all n together keep the profile's limits.
The header says which shard runs, and JUnit carries it as a property.

One job merges what the shards wrote (JUnit, Cucumber JSON, run record and living
document, each shard's reports in a folder of its own)::

    python -m suite.shard merge shard-1 shard-2 -o reports

Without ``--shard`` nothing changes.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from suite.compat import junit_xml_of
from suite.keys import SHARD_KEY, shard_of, target_or_none
from suite.target import Target

SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
CLOCK_SHARD = 1
# How much a test weighs against an API scenario when shards are balanced (measured on
# the sandbox: a browser scenario takes several times an API scenario's time).
WEIGHTS = {"browser": 5, "contract": 5}


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        found = SHARD.match(text or "")
        if not found:
            raise pytest.UsageError(f"--shard {text!r}: give the part and the number of parts as i/n, e.g. --shard 1/2")
        index, count = int(found.group(1)), int(found.group(2))
        if count < 1 or not 1 <= index <= count:
            raise pytest.UsageError(f"--shard {text}: the part must be from 1 to the number of parts, "
                                    f"e.g. --shard 1/{max(count, 2)}")
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def weight(item: pytest.Item) -> int:
    marks = {mark.name for mark in item.iter_markers()}
    if getattr(getattr(item, "function", None), "contract_operation", None) or "contract" in marks:
        return WEIGHTS["contract"]
    return WEIGHTS["browser"] if "browser" in marks else 1


def moves_clock(item: pytest.Item) -> bool:
    return item.get_closest_marker("clock") is not None


def split(tests: Sequence[tuple[str, int, bool]], count: int) -> dict[str, int]:
    """Shard (1-based) of each test, given (node id, weight, moves the clock) per test."""
    loads = [0] * count
    shard_of: dict[str, int] = {}
    for nodeid, heavy, clock in sorted(tests):
        if clock:
            shard_of[nodeid] = CLOCK_SHARD
            loads[CLOCK_SHARD - 1] += heavy
    for nodeid, heavy, _ in sorted((t for t in tests if not t[2]), key=lambda t: (-t[1], t[0])):
        lightest = min(range(count), key=lambda i: (loads[i], i))
        shard_of[nodeid] = lightest + 1
        loads[lightest] += heavy
    return shard_of


def share(target: Target, shard: Shard | None) -> Target:
    """The target as one shard sees it: 1/n of the request budget and of the pace."""
    if shard is None or shard.count <= 1:
        return target
    limits = target.limits
    return dataclasses.replace(target, limits=dataclasses.replace(
        limits, request_budget=limits.request_budget // shard.count,
        requests_per_second=limits.requests_per_second / shard.count))


# ------------------------------------------------------------------------ the plugin


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite")
    group.addoption("--shard", default=None, metavar="I/N",
                    help="run only the I-th of N parts of the selected tests (CI machines); @clock tests are all "
                         "in part 1, and each part gets 1/N of the target's request budget and pace")


def configure(config: pytest.Config) -> Shard | None:
    """Read ``--shard`` (stored: suite.keys.SHARD_KEY); suite/entry.py hands this shard's
    :func:`share` of the target to the budget and the contract tests."""
    text = config.getoption("--shard", None)
    if not text:
        return None
    shard = config.stash[SHARD_KEY] = Shard.parse(text)
    return shard


def pytest_report_header(config: pytest.Config) -> str | None:
    shard = shard_of(config)
    if shard is None:
        return None
    target = target_or_none(config)
    target = share(target, shard) if target is not None else None
    budget = (f"; its share of the request budget: {target.limits.request_budget} requests at "
              f"{target.limits.requests_per_second:g}/s" if target is not None else "")
    return f"shard {shard}: part {shard.index} of {shard.count} of the selected tests (every @clock test in part 1){budget}"


@pytest.hookimpl(trylast=True)  # after -m, -k, --lf and the fault matrix have chosen
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = shard_of(config)
    if shard is None:
        return
    assigned = split([(item.nodeid, weight(item), moves_clock(item)) for item in items], shard.count)
    keep = [item for item in items if assigned[item.nodeid] == shard.index]
    dropped = [item for item in items if assigned[item.nodeid] != shard.index]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = keep


def pytest_sessionstart(session: pytest.Session) -> None:
    shard = shard_of(session.config)
    if shard is None or hasattr(session.config, "workerinput"):
        return
    xml = junit_xml_of(session.config)
    if xml is not None:
        xml.add_global_property("shard", str(shard))


# ------------------------------------------------------------------- merging shards


def merge_junit(paths: Sequence[Path]) -> ET.Element:
    """One ``<testsuites>`` with one suite holding every shard's test cases; the counts
    are summed, the time is the slowest shard's, the properties the first shard's (less
    its ``shard``) and ``shards``."""
    merged = ET.Element("testsuites")
    suite = ET.SubElement(merged, "testsuite", name="pytest")
    properties = ET.SubElement(suite, "properties")
    totals = {"tests": 0, "errors": 0, "failures": 0, "skipped": 0}
    slowest, seen = 0.0, False
    for path in paths:
        root = ET.parse(path).getroot()
        for shard_suite in [root] if root.tag == "testsuite" else root.iter("testsuite"):
            for key in totals:
                totals[key] += int(shard_suite.get(key, 0))
            slowest = max(slowest, float(shard_suite.get("time", 0)))
            for stamp in ("timestamp", "hostname"):
                if shard_suite.get(stamp) and not suite.get(stamp):
                    suite.set(stamp, shard_suite.get(stamp, ""))
            found = shard_suite.find("properties")
            if found is not None and not seen:
                properties.extend(p for p in found if p.get("name") != "shard")
                seen = True
            suite.extend(shard_suite.iter("testcase"))
    ET.SubElement(properties, "property", name="shards", value=str(len(paths)))
    for key, value in totals.items():
        suite.set(key, str(value))
    suite.set("time", f"{slowest:.3f}")
    return merged


def merge_cucumber(paths: Sequence[Path]) -> list[dict[str, object]]:
    """Every shard's features, one entry per feature, its scenarios in the feature's order."""
    features: dict[str, dict[str, object]] = {}
    for path in paths:
        for feature in json.loads(path.read_text(encoding="utf-8")):
            key = str(feature.get("uri") or feature.get("id"))
            if key not in features:
                features[key] = {**feature, "elements": []}
            features[key]["elements"].extend(feature.get("elements", []))  # type: ignore[attr-defined]
    for feature in features.values():
        feature["elements"].sort(key=lambda e: (int(e.get("line", 0)), str(e.get("id", ""))))  # type: ignore[attr-defined]
    return sorted(features.values(), key=lambda f: str(f.get("uri") or f.get("id")))


def merge(folders: Sequence[Path], out: Path, history: Path | None = None) -> list[str]:
    """Merge the shards' reports found in ``folders`` into ``out``; what was written.

    Everything is read, merged and rendered before anything is written; then each file is
    written beside its place and renamed into it, so a failure leaves ``out`` as it was."""
    files: dict[Path, bytes] = {}
    written = []
    junit = [f / "junit.xml" for f in folders if (f / "junit.xml").is_file()]
    if junit:
        tree = ET.ElementTree(merge_junit(junit))
        ET.indent(tree)
        buffer = io.BytesIO()
        tree.write(buffer, encoding="utf-8", xml_declaration=True)
        files[out / "junit.xml"] = buffer.getvalue()
        written.append(f"{out / 'junit.xml'} ({len(junit)} shards)")
    cucumber = [f / "cucumber.json" for f in folders if (f / "cucumber.json").is_file()]
    if cucumber:
        files[out / "cucumber.json"] = json.dumps(merge_cucumber(cucumber), indent=1).encode()
        written.append(f"{out / 'cucumber.json'} ({len(cucumber)} shards)")
    records = [f / "run-record.json" for f in folders if (f / "run-record.json").is_file()]
    record = None
    if records:
        # not at import: suite.living_doc is a plugin registered after this one, and pytest rewrites it as it imports it
        from suite.living_doc import RunRecord, render
        from suite.living_doc import history as hist  # (the same reason)
        from suite.living_doc import merge as merge_records  # (the same reason)

        record = merge_records([RunRecord.load(p) for p in records], out)
        document = out / "living-documentation.html"
        files[out / "run-record.json"] = json.dumps(record.to_dict(out), indent=1).encode()
        files[document] = render(record, hist.load(history), document).encode()
        written.append(f"{document} and {out / 'run-record.json'} ({len(records)} shards)")
    from suite.living_doc import replace_all  # (the same reason)

    replace_all(files)
    if record is not None and history is not None:
        from suite.living_doc import add_to_history  # (the same reason)
        from suite.living_doc.proof import enters_history  # (the same reason)

        if enters_history(record.run):  # a partial selection's run does not enter the nightly's history
            add_to_history(record, history)
        else:
            written.append(f"not added to {history}: a partial selection ({record.run.get('selection')}) or sandbox faults")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.shard", description="Merge the reports of the main job's shards.")
    commands = parser.add_subparsers(dest="command", required=True)
    command = commands.add_parser("merge", help="merge JUnit, Cucumber JSON, run records and the living document")
    command.add_argument("folders", nargs="+", type=Path, metavar="SHARD_REPORTS_DIR")
    command.add_argument("-o", "--output", type=Path, default=Path("reports"))
    command.add_argument("--history", type=Path, default=None, help="history file to read and add the merged run to")
    args = parser.parse_args(argv)
    missing = [str(f) for f in args.folders if not f.is_dir()]
    if missing:
        print(f"error: no such folder: {', '.join(missing)}; pass each shard's reports folder", file=sys.stderr)
        return 2
    try:
        written = merge(args.folders, args.output, args.history)
    except (ValueError, ET.ParseError, OSError) as exc:  # json.JSONDecodeError is a ValueError
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 2
    if not written:
        print("error: the folders hold no junit.xml, cucumber.json or run-record.json to merge", file=sys.stderr)
        return 2
    for line in written:
        print(f"merged: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
