"""Repeat the main job with two workers against one sandbox served as a remote target,
and say how many runs were green: ``python scripts/remote_repeat.py N``.

The sandbox is served once (``python -m sandbox --write-profile``) and shared by every
run and both workers of each run, as a staging deployment would be; ``--fresh`` serves a
new one per run instead. Each run's output goes to ``reports/remote-repeat/run-<i>.txt``.
Extra arguments after ``--`` go to pytest (default: ``-n 2 -q``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.selftest.remote_sandbox import green, served, summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="remote_repeat.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", type=int, help="how many times to run the main job")
    parser.add_argument("--fresh", action="store_true", help="serve a new sandbox for every run")
    parser.add_argument("pytest_args", nargs="*", help="after --: arguments for pytest (default: -n 2 -q)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("give at least one run")
    out = ROOT / "reports" / "remote-repeat"
    out.mkdir(parents=True, exist_ok=True)
    greens = 0
    with tempfile.TemporaryDirectory(prefix="remote-repeat-") as folder, ExitStack() as stack:
        shared = None if args.fresh else stack.enter_context(served(Path(folder) / "shared"))
        for run in range(1, args.runs + 1):
            with ExitStack() as this_run:
                sandbox = shared or this_run.enter_context(served(Path(folder) / f"run-{run}"))
                started = time.monotonic()
                done = sandbox.run_suite(args.pytest_args or ["-n", "2", "-q"], Path(folder) / f"reports-{run}")
            ok = green(done)
            greens += ok
            (out / f"run-{run}.txt").write_text(done.stdout + done.stderr, encoding="utf-8")
            print(f"run {run}/{args.runs}: {'green' if ok else 'RED'}  {summary(done)}  "
                  f"({time.monotonic() - started:.0f} s)", flush=True)
    print(f"remote -n 2 against one shared sandbox: {greens}/{args.runs} green (outputs in {out.relative_to(ROOT)})")
    return 0 if greens == args.runs else 1


if __name__ == "__main__":
    sys.exit(main())
