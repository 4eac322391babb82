"""Render or merge run records without running anything.

    python -m suite.living_doc render reports/run-record.json -o reports/living-documentation.html
    python -m suite.living_doc merge shard-1/run-record.json shard-2/run-record.json -o reports/living-documentation.html \\
        [--record reports/run-record.json] [--history reports/history.jsonl [--append]]

``merge`` keeps each test's worst outcome, the earliest start and the latest end, and
links pictures and traces where each shard's folder has them (relative to the document).
The history is read when given, and the run is added to it only with ``--append``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from suite.living_doc import add_to_history, history, render, replace_all
from suite.living_doc.record import RunRecord, merge


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m suite.living_doc", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("render", "render one run record"), ("merge", "merge run records and render one document")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("records", nargs="+" if name == "merge" else 1, type=Path, metavar="RUN_RECORD.json")
        command.add_argument("-o", "--output", type=Path, default=Path("reports/living-documentation.html"))
        command.add_argument("--record", type=Path, default=None, help="also save the merged record here")
        command.add_argument("--history", type=Path, default=None, help="history file to read (no history when omitted)")
        command.add_argument("--append", action="store_true", help="add this run to the history file")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    try:
        records = [RunRecord.load(path) for path in args.records]
        record = merge(records, args.output.parent) if len(records) > 1 else records[0]
        files = {args.output: render(record, history.load(args.history), args.output).encode()}
        if args.record is not None:
            files[args.record] = json.dumps(record.to_dict(args.record.parent), indent=1).encode()
        replace_all(files)  # everything rendered first: a failure leaves no file half-made
        if args.append and args.history is not None:
            add_to_history(record, args.history)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}; nothing was written", file=sys.stderr)
        return 2
    print(f"living documentation: {args.output} ({len(record.tests)} tests from {len(records)} "
          f"record{'s' if len(records) != 1 else ''}, written in {time.perf_counter() - began:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
