#!/usr/bin/env python3
"""Measure what each kind of test sends to the target, on the embedded sandbox, and
write the costs the run's budget estimate is built from (suite/request_costs.toml).

    .venv/bin/python scripts/measure_requests.py [--dry-run]

Two runs, each counted by the run's own ledger (reports/request-summary.json):

1. the main job (`pytest -n 2`) at the contract budget quick (the sandbox's
   contract_max_examples): requests per scenario, by flow and channel (mean);
2. the contract tests alone at 5 generated cases per operation.

Per operation the contract tests send ``fixed + per_case * cases``: the examples and
coverage phases a fixed number, the fuzzing phase a set per generated case; the two
runs give both terms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COSTS = ROOT / "suite" / "request_costs.toml"
FEW = 5
HEADER = """\
# Requests a test sends to the target, measured on the embedded sandbox by
# scripts/measure_requests.py ({date}); the run's estimate before sending
# (suite/budget.py) is built from these. Measure again after changing the features,
# the schemas or the pages.
#
# [scenarios]: mean requests per scenario, by flow and channel (browser requests included).
# [operations]: per contract operation, fixed + per_case * generated cases.
"""


def run(reports: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "SUITE_REPORTS_DIR": str(reports)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
                           "--living-doc", "none", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"pytest {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}")
    return json.loads((reports / "request-summary.json").read_text(encoding="utf-8"))


def costs(main: dict[str, Any], few: dict[str, Any], quick: int) -> dict[str, Any]:
    scenarios = {kind: round(stats["mean"], 1) for kind, stats in main["kinds"].items()
                 if not kind.startswith("contract ") and stats["requests"]}
    operations = {}
    for kind, stats in main["kinds"].items():
        if not kind.startswith("contract "):
            continue
        many, small = stats["requests"], few["kinds"][kind]["requests"]
        per_case = max(0.0, (many - small) / (quick - FEW))
        operations[kind.removeprefix("contract ")] = {"fixed": round(max(0.0, small - FEW * per_case), 1),
                                                      "per_case": round(per_case, 2)}
    return {"scenarios": scenarios, "operations": operations}


def toml(data: dict[str, Any], date: str) -> str:
    lines = [HEADER.format(date=date), "[scenarios]"]
    lines += [f'"{kind}" = {value}' for kind, value in sorted(data["scenarios"].items())]
    lines += ["", "[operations]"]
    lines += [f'"{label}" = {{ fixed = {v["fixed"]}, per_case = {v["per_case"]} }}'
              for label, v in sorted(data["operations"].items())]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print the costs, do not write them")
    options = parser.parse_args()
    sandbox = tomllib.loads((ROOT / "targets" / "sandbox.toml").read_text(encoding="utf-8"))
    quick = sandbox["limits"]["contract_max_examples"]
    with tempfile.TemporaryDirectory() as tmp:
        main_job = run(Path(tmp) / "main", "-n", "2")
        contracts = run(Path(tmp) / "few", "-m", "contract", "--contract-budget", str(FEW))
    measured = costs(main_job, contracts, quick)
    text = toml(measured, subprocess.run(["date", "+%Y-%m-%d"], capture_output=True, text=True).stdout.strip())
    print(text)
    print(f"main job: {main_job['sent']} requests (estimated {main_job['estimate']} with the costs before)")
    if not options.dry_run:
        COSTS.write_text(text, encoding="utf-8")
        print(f"-> {COSTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
