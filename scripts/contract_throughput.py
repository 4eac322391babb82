#!/usr/bin/env python3
"""Contract fuzzing throughput: the suite's pytest integration against `schemathesis run`.

    .venv/bin/python scripts/contract_throughput.py [--examples 25] [--seed 1] [--json OUT]

One sandbox, started here, serves both sides; each side runs in its own process, so
neither shares an interpreter with the server:

- the suite: ``pytest tests/contracts/test_api_contracts.py`` against a profile that
  points at this sandbox (a copy of targets/sandbox.toml with its URLs, not embedded);
- the CLI: one ``schemathesis run`` per vendored operation, each with that operation's
  authentication, as the suite's schema fixtures set it.

Both use the same schemas, phases (examples, coverage, fuzzing), modes (positive and
negative), examples per operation, seed, one worker, and the same checks (all but the
ones the suite excludes by documented business rules). Cases are what each side
reports; requests are counted by the sandbox itself, so both are counted alike.
Throughput divides them by the seconds spent testing: the contract tests' own
durations for the suite, ``running_time`` of its JSON report for the CLI. The process
wall time (interpreter, imports, schema loading) is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sandbox  # noqa: E402  (the project root is only importable after the line above)
from sandbox.seed import SECRET_ENV, Seed  # noqa: E402

BIN = Path(sys.executable).parent
PHASES = "examples,coverage,fuzzing"
# The suite excludes these by documented business rules (tests/contracts/test_api_contracts.py).
EXCLUDED = {"/admin/magic_link": "positive_data_acceptance,ignored_auth"}
EXCLUDED_DEFAULT = "positive_data_acceptance"
COUNT_EVERY = 10**12  # the sandbox's rate-limit switch, set so high it only counts


def operations(secrets: dict[str, str], token: str) -> list[tuple[str, str, list[str]]]:
    """(schema file, path, auth options) per vendored operation, as the suite authenticates."""
    supplier = ["-H", f"x-api-key: {secrets['NOX_SUPPLIER_API_KEY']}"]
    return [
        ("nomos.openapi.yaml", "/oauth/token", ["-a", f"partner-suite:{secrets['NOMOS_CLIENT_SECRET']}"]),
        ("nomos.openapi.yaml", "/admin/magic_link", ["-H", f"Authorization: Bearer {token}"]),
        ("nox.openapi.yaml", "/v2/supplier/link-sessions", supplier),
        ("nox.openapi.yaml", "/v2/manufacturer/link-sessions",
         ["-H", f"x-api-key: {secrets['NOX_MANUFACTURER_API_KEY']}"]),
        ("nox.openapi.yaml", "/post-login-redirect", supplier),
    ]


def requests_served(sbx: Any) -> int:
    return sum(limit.count for limit in sbx.rate_limits.values())


def profile(sbx: Any, folder: Path) -> Path:
    """targets/sandbox.toml, pointed at the running sandbox instead of embedding one."""
    text = (ROOT / "targets" / "sandbox.toml").read_text(encoding="utf-8")
    text = text.replace('name = "sandbox"', 'name = "throughput"').replace("embedded = true", "embedded = false")
    urls = sbx.urls
    text += "\n[urls]\n" + "".join(
        f'{name} = "{getattr(urls, name)}"\n'
        for name in ("partner_app", "nomos_api", "nomos_portal", "nox", "manufacturer_app", "clock"))
    path = folder / "throughput.toml"
    path.write_text(text, encoding="utf-8")
    return path


def suite(sbx: Any, folder: Path, examples: int, seed: int) -> dict[str, float]:
    reports = folder / "suite-reports"
    env = {**os.environ, **sbx.secrets, "SUITE_REPORTS_DIR": str(reports)}
    before = requests_served(sbx)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/contracts/test_api_contracts.py", "-q", "-p", "no:randomly",
         "--target", str(profile(sbx, folder)), "--contract-budget", str(examples), "--contract-seed", str(seed),
         "--living-doc", "none"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the suite's contract tests failed against the sandbox:\n{done.stdout[-2000:]}")
    summary = json.loads((reports / "contract-summary.json").read_text(encoding="utf-8"))
    return {"cases": summary["cases"], "requests": requests_served(sbx) - before,
            "seconds": summary["seconds"], "wall_seconds": wall}


def cli(sbx: Any, folder: Path, examples: int, seed: int) -> dict[str, float]:
    token = httpx.post(f"{sbx.urls.nomos_api}/oauth/token", json={"grant_type": "client_credentials"},
                       auth=("partner-suite", sbx.secrets["NOMOS_CLIENT_SECRET"])).json()["access_token"]
    totals = {"cases": 0.0, "requests": 0.0, "seconds": 0.0, "wall_seconds": 0.0}
    before = requests_served(sbx)
    for n, (schema, path, auth) in enumerate(operations(sbx.secrets, token)):
        report = folder / f"cli-{n}.json"
        base = sbx.urls.nomos_api if schema.startswith("nomos") else sbx.urls.nox
        started = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "schemathesis"), "run", str(ROOT / "schemas" / schema), "--url", base, "--include-path", path,
             *auth, "--phases", PHASES, "--mode", "all", "--max-examples", str(examples), "--seed", str(seed),
             "--workers", "1", "--generation-database", "none", "--request-timeout", "10",
             "--exclude-checks", EXCLUDED.get(path, EXCLUDED_DEFAULT), "--continue-on-failure",
             "--report", "json", "--report-json-path", str(report), "--no-color"],
            cwd=folder, capture_output=True, text=True, timeout=900)
        totals["wall_seconds"] += time.perf_counter() - started
        if not report.exists():
            raise SystemExit(f"`schemathesis run` for {path} wrote no report (exit {done.returncode}):\n"
                             f"{done.stdout[-1500:]}{done.stderr[-500:]}")
        data = json.loads(report.read_text(encoding="utf-8"))
        totals["cases"] += data["test_cases"]["generated"]
        totals["seconds"] += data["running_time"]
    totals["requests"] = requests_served(sbx) - before
    return totals


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=25, help="examples per operation (default: the sandbox profile's 25)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    logging.getLogger("uvicorn.error").setLevel(logging.ERROR)  # fuzzed requests uvicorn cannot parse: expected
    # Secrets drawn here, never taken from the environment: they go on the CLI's command line.
    seed = Seed(secrets={name: secrets.token_urlsafe(18) for name in SECRET_ENV})
    with tempfile.TemporaryDirectory() as tmp, sandbox.start(seed=seed, rate_limit_every=COUNT_EVERY) as sbx:
        folder = Path(tmp)
        figures = {"suite": suite(sbx, folder, args.examples, args.seed), "cli": cli(sbx, folder, args.examples, args.seed)}
    result: dict[str, float] = {"examples": args.examples, "seed": args.seed}
    for side, f in figures.items():
        print(f"{side:5}: {f['cases']:5.0f} cases {f['requests']:5.0f} requests in {f['seconds']:5.2f}s testing "
              f"({f['wall_seconds']:5.2f}s wall): {f['cases'] / f['seconds']:6.1f} cases/s, "
              f"{f['requests'] / f['seconds']:6.1f} requests/s")
        result |= {f"{side}_{key}": round(value, 3) for key, value in f.items()}
        result[f"{side}_cases_per_s"] = round(f["cases"] / f["seconds"], 1)
        result[f"{side}_requests_per_s"] = round(f["requests"] / f["seconds"], 1)
    result["cases_ratio"] = round(result["suite_cases_per_s"] / result["cli_cases_per_s"], 2)
    result["requests_ratio"] = round(result["suite_requests_per_s"] / result["cli_requests_per_s"], 2)
    suite_wall, cli_wall = figures["suite"], figures["cli"]
    result["wall_cases_ratio"] = round((suite_wall["cases"] / suite_wall["wall_seconds"])
                                       / (cli_wall["cases"] / cli_wall["wall_seconds"]), 2)
    print(f"suite / CLI: {result['cases_ratio']:.2f}x cases/s, {result['requests_ratio']:.2f}x requests/s "
          f"(by process wall time, start-up included: {result['wall_cases_ratio']:.2f}x cases/s)")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
