"""Secrets never leave the process: every secret value the suite resolves is registered
here, and everything the suite writes (reports, failure messages, Cucumber JSON,
traces) passes through :func:`redact` first."""

from __future__ import annotations

import re
from urllib.parse import quote, quote_plus

MASK = "«redacted»"
# Values shorter than this are not treated as secrets (they would mask ordinary words).
MIN_SECRET_LENGTH = 6
# JWT-shaped values (a Nomos access token), even cut short by a printer that truncates
# long strings: a prefix is not the registered value, so it is masked by its shape.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*)?")

_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def register(value: str) -> None:
    """Remember a secret value (and the forms it takes on the wire) for redaction."""
    global _pattern
    if len(value) < MIN_SECRET_LENGTH or value in _values:
        return
    _values.update({value, quote(value, safe=""), quote_plus(value)})
    _pattern = re.compile("|".join(re.escape(v) for v in sorted(_values, key=len, reverse=True)))


def redact(text: str) -> str:
    if not text:
        return text
    if _pattern is not None:
        text = _pattern.sub(MASK, text)
    return JWT.sub(MASK, text) if "eyJ" in text else text


def redact_bytes(data: bytes) -> bytes:
    if not data or (_pattern is None and b"eyJ" not in data):
        return data
    return redact(data.decode("utf-8", errors="surrogateescape")).encode("utf-8", errors="surrogateescape")


def known() -> frozenset[str]:
    return frozenset(_values)


class Secret:
    """A secret value that does not print itself: ``str()``, ``repr()`` and f-strings
    show a mask; only :meth:`reveal` gives the value, at the point of use."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value
        self.source = source  # e.g. "$NOX_SUPPLIER_API_KEY"
        register(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.source})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
