"""What the partner app accepts on its NOX callback: the ``data`` parameter, base64url
without padding, decoding to the JSON object of schemas/nox-callback-payload.

Extra fields are accepted (NOX does not forbid them); ``brand`` must be a lowercase
slug (``^[a-z0-9]+(-[a-z0-9]+)*$``). Every refusal names its problem in a sentence the
user sees.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

MAX_DATA = 8192
BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
BRAND_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


class CallbackRefused(Exception):
    def __init__(self, message: str, *, malformed: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.malformed = malformed


def decode_data(values: list[str], lenient_padding: bool) -> Any:
    """The decoded JSON of the ``data`` parameter, or CallbackRefused naming the problem."""
    if not values:
        raise CallbackRefused("The link back from NOX carries no 'data' parameter, so there is nothing to connect.")
    if len(values) > 1:
        raise CallbackRefused("The link back from NOX carries more than one 'data' parameter.")
    data = values[0]
    if not data:
        raise CallbackRefused("The 'data' parameter of the link back from NOX is empty.")
    if len(data) > MAX_DATA:
        raise CallbackRefused("The 'data' parameter of the link back from NOX is too long.")
    if lenient_padding:
        data = data.rstrip("=")
    if "=" in data:
        raise CallbackRefused("The 'data' parameter is not base64url without padding: it contains '='.")
    if not BASE64URL.fullmatch(data):
        odd = sorted({c for c in data if not BASE64URL.fullmatch(c)})
        shown = " ".join(repr(c) for c in odd[:5])
        raise CallbackRefused(f"The 'data' parameter is not base64url: it contains {shown}.")
    if len(data) % 4 == 1:
        raise CallbackRefused("The 'data' parameter is not valid base64url (its length is impossible).")
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        raise CallbackRefused("The 'data' parameter is not valid base64url.") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackRefused("The 'data' parameter does not decode to UTF-8 text.") from None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise CallbackRefused("The 'data' parameter does not decode to JSON.") from None


def check_payload(payload: Any) -> tuple[str, str, str, list[str]]:
    """``(nox_user_id, supplier_user_id, brand, device_ids)`` or CallbackRefused."""
    if not isinstance(payload, dict):
        raise CallbackRefused("The 'data' parameter decodes to JSON that is not an object.")
    missing = [f for f in ("nox_user_id", "supplier_user_id", "brand", "device_ids", "connected_at") if f not in payload]
    if missing:
        raise CallbackRefused(f"The callback data misses the field(s): {', '.join(missing)}.")
    nox_user_id = payload["nox_user_id"]
    if not isinstance(nox_user_id, str) or not nox_user_id.strip():
        raise CallbackRefused("The callback field 'nox_user_id' must be a non-empty string.")
    supplier_user_id = payload["supplier_user_id"]
    if not isinstance(supplier_user_id, str):
        raise CallbackRefused("The callback field 'supplier_user_id' must be a string.")
    brand = payload["brand"]
    if not isinstance(brand, str) or not BRAND_SLUG.fullmatch(brand):
        raise CallbackRefused("The callback field 'brand' must be a lowercase brand name such as 'daikin'.")
    device_ids = payload["device_ids"]
    if not isinstance(device_ids, list) or not device_ids:
        raise CallbackRefused("The callback field 'device_ids' must be a non-empty list of device ids.")
    if not all(isinstance(d, str) and d.strip() for d in device_ids):
        raise CallbackRefused("Every entry of the callback field 'device_ids' must be a non-empty string.")
    connected_at = payload["connected_at"]
    if isinstance(connected_at, bool) or not isinstance(connected_at, int):
        raise CallbackRefused("The callback field 'connected_at' must be an integer (Unix seconds).")
    return nox_user_id, supplier_user_id, brand, list(dict.fromkeys(device_ids))
