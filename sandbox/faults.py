"""Switchable faults: each one breaks one behaviour the way a real regression would.

Every party module declares its own faults in a module-level ``FAULTS`` list, next to
the code that honours them; :func:`catalog` gathers them. A fault names the
requirement IDs it breaks and what a user would notice, so the detection matrix can
check that the suite turns red at a scenario carrying one of those tags.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from dataclasses import dataclass

PARTY_MODULES = (
    "sandbox.parties.control",
    "sandbox.parties.nomos_api",
    "sandbox.parties.nomos_portal",
    "sandbox.parties.nox",
    "sandbox.parties.brands",
    "sandbox.parties.partner_app",
    "sandbox.parties.manufacturer_app",
)


@dataclass(frozen=True)
class Fault:
    name: str
    requirements: tuple[str, ...]
    symptom: str

    def __post_init__(self) -> None:
        if not self.requirements:
            raise ValueError(f"fault {self.name!r} must name the requirement(s) it breaks")


class UnknownFault(ValueError):
    pass


def catalog() -> dict[str, Fault]:
    found: dict[str, Fault] = {}
    for module_name in PARTY_MODULES:
        module = importlib.import_module(module_name)
        for fault in getattr(module, "FAULTS", ()):
            if fault.name in found:
                raise ValueError(f"fault {fault.name!r} is declared twice")
            found[fault.name] = fault
    return found


class Faults:
    """The set of faults switched on for one sandbox."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._known = catalog()
        self._on: set[str] = set()
        for name in names:
            self.switch_on(name)

    def switch_on(self, name: str) -> None:
        if name not in self._known:
            raise UnknownFault(
                f"unknown sandbox fault {name!r}; `python -m sandbox --list-faults` lists them"
            )
        self._on.add(name)

    def replace(self, names: Iterable[str]) -> None:
        """Switch exactly these faults on (the fault matrix switches per test)."""
        wanted = set(names)
        for name in wanted:
            if name not in self._known:
                raise UnknownFault(f"unknown sandbox fault {name!r}")
        self._on = wanted

    def on(self, name: str) -> bool:
        if name not in self._known:
            # A typo in a party's own code must not silently disable a fault.
            raise UnknownFault(f"party code asks for undeclared fault {name!r}")
        return name in self._on

    @property
    def active(self) -> frozenset[str]:
        return frozenset(self._on)
