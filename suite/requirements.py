"""The requirements catalog (docs/spec/requirements.md): IDs, their text and groups.

The project's copy of the spec and the vendor pages lives in ``docs/`` and is the one
the suite reads; tests/selftest/test_docs.py reports drift from ``../shared`` when a
developer's machine has it.

Scenarios prove requirements with Gherkin tags (``@REQ-SSO-07``); plain pytest tests
with :func:`proves`. Both become pytest markers named after the ID, so
``pytest -m REQ-SSO-07`` selects everything that proves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import pytest

from suite.paths import DOCS_DIR

DOCS = DOCS_DIR
SPEC = DOCS / "spec"
VENDOR_DOCS = DOCS / "vendor-docs"
DEFAULT_CATALOG = SPEC / "requirements.md"
TAG = re.compile(r"^REQ-(SSO|SUP|MAN|CON|SEC)-\d\d$")
_ROW = re.compile(r"^\| ((?:SSO|SUP|MAN|CON|SEC)-\d\d) \| (.+?) \| ([^|]*) \|\s*$", re.M)

GROUPS = {
    "SSO": "Nomos portal single sign-on",
    "SUP": "Supplier-initiated device linking",
    "MAN": "Manufacturer-initiated supplier linking",
    "CON": "Contracts under generated input",
    "SEC": "Depth: what attackers and off-by-ones break",
}

F = TypeVar("F", bound=Callable[..., object])


@dataclass(frozen=True)
class Requirement:
    id: str  # "SSO-07"
    text: str
    source: str

    @property
    def tag(self) -> str:
        return f"REQ-{self.id}"

    @property
    def group(self) -> str:
        return self.id.split("-")[0]


@cache
def catalog(path: Path = DEFAULT_CATALOG) -> dict[str, Requirement]:
    """Requirements by tag (``REQ-SSO-07``); empty when the file is missing (a broken checkout)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    return {f"REQ-{m[1]}": Requirement(m[1], m[2].strip(), m[3].strip()) for m in _ROW.finditer(text)}


def proves(*tags: str) -> Callable[[F], F]:
    """Mark a plain pytest test with the requirement IDs it proves: ``@proves("REQ-CON-01")``."""
    for tag in tags:
        if not TAG.match(tag):
            raise ValueError(f"{tag!r} is not a requirement tag like 'REQ-SSO-07'")

    def decorate(func: F) -> F:
        for tag in tags:
            func = getattr(pytest.mark, tag)(func)
        return func

    return decorate
