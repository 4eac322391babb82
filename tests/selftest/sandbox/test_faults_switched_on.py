"""Every fault of the parties below is switched on by at least one sandbox selftest,
which then checks what it breaks: the fault matrix proves the suite catches each fault,
these tests prove the fault does what its symptom says. (Nomos's faults are left to
the matrix and test_nomos.py for now.)"""

from __future__ import annotations

import ast
from pathlib import Path

from sandbox.faults import declared_in

HERE = Path(__file__).parent
PARTIES = ("sandbox.parties.partner_app", "sandbox.parties.nox", "sandbox.parties.brands",
           "sandbox.parties.manufacturer_app")
# The calls that start a party with faults switched on.
STARTERS = {"make_partner", "faulty_sandbox"}


def switched_on() -> dict[str, set[str]]:
    """Fault name -> the selftest modules that start a party with it switched on."""
    found: dict[str, set[str]] = {}
    for path in sorted(HERE.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if called in STARTERS:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.setdefault(arg.value, set()).add(path.name)
    return found


def test_every_party_fault_is_switched_on_by_a_selftest() -> None:
    declared = {name for name, module in declared_in().items() if module.startswith(PARTIES)}
    assert declared, "no faults found: the party names above are out of date"
    missing = sorted(declared - switched_on().keys())
    assert not missing, f"faults no sandbox selftest switches on: {', '.join(missing)}"
