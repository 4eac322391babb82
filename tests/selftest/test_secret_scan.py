"""Secrets never leave the process.

The whole suite runs with canary secrets, tracing and screenshots on for every test,
and faults that make scenarios and contract tests fail (so failure messages, traces
and reproductions are written too). Then stdout, stderr and every artifact, inside
trace archives too, are searched for the canaries and for any Nomos access token
(JWT-shaped values): zero occurrences.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CANARIES = {
    "NOMOS_CLIENT_SECRET": "canary-nomos-client-secret-5b1e",
    "NOX_SUPPLIER_API_KEY": "canary-nox-supplier-key-9c2d",
    "NOX_MANUFACTURER_API_KEY": "canary-nox-manufacturer-key-1f7a",
    "PARTNER_ALICE_PASSWORD": "canary-alice-password-3e8b",
    "PARTNER_BOB_PASSWORD": "canary-bob-password-6a4c",
    "BRAND_ACCOUNT_PASSWORD": "canary-brand-password-2d9f",
}
JWT = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+")
# Faults that make browser scenarios (with typed passwords) and contract tests fail.
FAULTS = ("portal-hub-missing-quick-link", "nox-expires-at-off", "nomos-error-body-incomplete")


def blobs(root: Path) -> list[tuple[str, bytes]]:
    found = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        found.append((str(path.relative_to(root)), data))
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                found += [(f"{path.relative_to(root)}!{name}", archive.read(name)) for name in archive.namelist()]
    return found


def test_no_secret_in_any_output(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    env = {**os.environ, **CANARIES, "SUITE_REPORTS_DIR": str(reports)}
    args = [sys.executable, "-m", "pytest", "tests/flows", "tests/contracts", "-n", "2", "-q",
            "--junitxml", str(reports / "junit.xml"), "--cucumberjson", str(reports / "cucumber.json"),
            "--living-doc", str(reports / "living-documentation.html"),
            "--tracing", "on", "--screenshot", "on"]
    for fault in FAULTS:
        args += ["--sandbox-fault", fault]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, timeout=900)
    assert done.returncode == 1, "the faults should have failed the run: " + done.stdout.decode()[-1500:]

    outputs = [("stdout", done.stdout), ("stderr", done.stderr), *blobs(reports)]
    traces = [name for name, _ in outputs if name.endswith("trace.zip")]
    assert traces, "no Playwright trace was written, so the scan would prove nothing"
    assert json.loads((reports / "cucumber.json").read_text()), "Cucumber JSON is empty"
    leaks = [f"{name}: {label}" for name, data in outputs
             for label, canary in CANARIES.items() if canary.encode() in data]
    leaks += [f"{name}: a JWT-shaped token" for name, data in outputs if JWT.search(data)]
    scanned = sum(len(data) for _, data in outputs)
    print(f"\nsecret scan: {len(outputs)} outputs ({len(traces)} traces), {scanned / 1e6:.1f} MB, "
          f"{len(leaks)} occurrences")
    assert not leaks, "secrets leaked into: " + "; ".join(leaks[:10])
