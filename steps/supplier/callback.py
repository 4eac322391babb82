"""NOX's link data, the ``data`` query parameter of the supplier callback (SUP-10, SUP-11,
SUP-16; vendor-docs/nox-energy-supplier-integration.txt §1.3): reading it off the
browser's way back, decoding it strictly, and making broken or forged data on purpose.

The decoded object is checked against ``schemas/nox-callback-payload.schema.json``, the
one place that describes it. Failure messages name fields and kinds, never the data.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jsonschema

from suite.paths import SCHEMAS_DIR

SCHEMA = SCHEMAS_DIR / "nox-callback-payload.schema.json"
BASE64URL_UNPADDED = re.compile(r"[A-Za-z0-9_-]+")


@cache
def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))


def is_callback(url: str, redirect_url: str) -> bool:
    """``url`` is the partner's registered callback address (any query)."""
    here, wanted = urlsplit(url), urlsplit(redirect_url)
    return (here.scheme, here.netloc, here.path) == (wanted.scheme, wanted.netloc, wanted.path)


def data_of(url: str) -> str | None:
    """The ``data`` parameter of a callback address, None when there is none."""
    values = parse_qs(urlsplit(url).query, keep_blank_values=True).get("data")
    return values[-1] if values else None


def encoding_problems(data: str) -> list[str]:
    """Why ``data`` is not base64url without padding ('' when it is)."""
    problems = []
    if not data:
        problems.append("it is empty")
    if "=" in data:
        problems.append("it carries '=' padding")
    if "+" in data or "/" in data:
        problems.append("it uses the standard base64 alphabet ('+' or '/') instead of the URL-safe one")
    if data and not problems and not BASE64URL_UNPADDED.fullmatch(data):
        problems.append("it holds characters outside the base64url alphabet")
    if data and not problems and len(data) % 4 == 1:
        problems.append("its length is not that of any base64 text")
    return problems


def decode(data: str) -> Any:
    """The JSON value behind base64url ``data`` (padding tolerated here: ``encoding_problems``
    judges the form). Raises AssertionError saying what is wrong, without the data."""
    try:
        raw = base64.urlsafe_b64decode(data.rstrip("=") + "=" * (-len(data.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        raise AssertionError("the link data is not base64url at all") from None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AssertionError("the link data decodes to bytes that are not JSON") from None


def payload_problems(payload: Any) -> list[str]:
    """Where the decoded payload breaks the callback schema, one phrase each."""
    found = []
    for error in sorted(validator().iter_errors(payload), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "the payload"
        found.append(f"{where}: {error.validator} {error.validator_value!r}" if error.validator != "required"
                     else f"{where}: {error.message.split(' is a required')[0]} is missing")
    return found


def encode(payload: Any, *, padded: bool = False) -> str:
    text = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode("utf-8")).decode("ascii")
    return text if padded else text.rstrip("=")


@dataclass(frozen=True)
class Callback:
    """One arrival at the partner's callback, as the browser made it."""

    url: str

    @property
    def data(self) -> str | None:
        return data_of(self.url)

    def payload(self) -> dict[str, Any]:
        data = self.data
        assert data is not None, "the browser arrived at the partner's callback without link data"
        payload = decode(data)
        problems = payload_problems(payload)
        assert not problems, "the link data does not have the documented fields: " + "; ".join(problems)
        return payload


# ------------------------------------------------------------- broken link data


def _without(field: str) -> Callable[[dict[str, Any]], str]:
    return lambda payload: encode({k: v for k, v in payload.items() if k != field})


def _with(field: str, value: Any) -> Callable[[dict[str, Any]], str]:
    return lambda payload: encode({**payload, field: value})


# The defects the feature names, each made from an otherwise valid payload for the user.
DEFECTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "that is not base64url": lambda payload: "this is not~base64url!",
    "that is base64url but not JSON": lambda payload: base64.urlsafe_b64encode(b"\xff\x00 not json").decode().rstrip("="),
    "that is JSON but not an object": lambda payload: encode([payload]),
    "without devices": _without("device_ids"),
    "whose devices are not a list": lambda payload: encode({**payload, "device_ids": payload["device_ids"][0]}),
    "without a NOX user": _without("nox_user_id"),
    "whose connection time is not a number": _with("connected_at", "yesterday"),
    "with base64 padding": lambda payload: encode(payload, padded=True),
}


def broken(defect: str, payload: dict[str, Any]) -> str:
    if defect not in DEFECTS:
        raise AssertionError(f"the feature names defect {defect!r}; known: {', '.join(DEFECTS)}")
    if defect == "with base64 padding":
        # Only a text whose length is not a multiple of 3 bytes gets padding: lengthen a
        # harmless extra field (the partner accepts unknown fields) until it does.
        filler = 0
        while "=" not in encode({**payload, "note": "x" * filler}, padded=True):
            filler += 1
        payload = {**payload, "note": "x" * filler}
    return DEFECTS[defect](payload)
