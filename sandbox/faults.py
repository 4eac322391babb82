"""Switchable faults: each one breaks one behaviour the way a real regression would.

Every module of a party declares its own faults in a module-level ``FAULTS`` list, next
to the code that honours them (``world.faulty("name")``); :func:`catalog` gathers them
from every module under ``sandbox.parties``, packages included. A fault names the
requirement IDs it breaks and what a user would notice, so the detection matrix can
check that the suite turns red at a scenario carrying one of those tags.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

PARTIES_PACKAGE = "sandbox.parties"


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


def party_modules() -> list[str]:
    """Every module under ``sandbox.parties``: the parties and the modules of each party package."""
    package = importlib.import_module(PARTIES_PACKAGE)
    return sorted(info.name for info in pkgutil.walk_packages(package.__path__, f"{PARTIES_PACKAGE}."))


@cache
def declared_in() -> dict[str, str]:
    """Fault name -> the module that declares it (and must honour it)."""
    where: dict[str, str] = {}
    for module_name in party_modules():
        for fault in getattr(importlib.import_module(module_name), "FAULTS", ()):
            if fault.name in where:
                raise ValueError(f"fault {fault.name!r} is declared twice ({where[fault.name]}, {module_name})")
            where[fault.name] = module_name
    return where


def catalog() -> dict[str, Fault]:
    found: dict[str, Fault] = {}
    for module_name in sorted(set(declared_in().values())):
        for fault in importlib.import_module(module_name).FAULTS:
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
