"""The supplier feature's words, mapped to values and requests: kinds of device, the
brands a scenario chooses, the fields of a whole link session, and the partner
backend's malformed link-session requests. The link data's defects are in
:mod:`steps.supplier.callback`."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from steps.clients.nox import KEY_DEFAULT, NoxClient
from suite.target import AssetBrands, BrandAccount, PartnerUser, Target

DEVICES = {"heat pump": "hp", "solar panels": "pv", "heat pumps": "hp"}
DEVICE = r"(?P<device>heat pump|solar panels)"
OTHER = {"hp": "pv", "pv": "hp"}
# A link session is open for 10 minutes (vendor-docs/nox-energy-supplier-integration.txt).
LINK_SESSION_FIELDS = ("link_url", "link_token", "language", "asset_type", "redirect_url", "supplier",
                       "supplier_user_id", "created_at", "expires_at", "brand", "completed_at")
# Where the partner asks NOX to send the link data; the partner registers no such address.
UNREGISTERED_RETURN = "https://evil.example/callback"
# Who asks NOX for a link session in this flow, in failure messages.
WHO = "partner backend"
USUAL_BRAND = "the partner's usual brand"


def asset(words: str) -> str:
    if words not in DEVICES:
        raise AssertionError(f"the feature names device {words!r}; known: {', '.join(DEVICES)}")
    return DEVICES[words]


def brand_choice(which: str, brands: AssetBrands) -> tuple[str, BrandAccount]:
    """The brand the feature names on NOX's brand picker, and the account to sign in with."""
    choices = {
        USUAL_BRAND: (brands.brand, brands.accounts[0]),
        "a brand that asks for its terms": (brands.terms_brand, brands.terms_account),
    }
    if which not in choices:
        raise AssertionError(f"the feature names brand {which!r}; known: {', '.join(choices)}")
    return choices[which]


def request_for(words: str, nox: NoxClient, target: Target, user: PartnerUser,
                asset_type: str) -> tuple[Any, str | None, bytes | None]:
    """Body, key and raw content of the partner backend's request the feature names."""

    def body(**changes: Any) -> dict[str, Any]:
        return nox.supplier_session_body(user.id, asset_type, **changes)

    choices: dict[str, Callable[[], tuple[Any, str | None, bytes | None]]] = {
        "without its key": lambda: (body(), None, None),
        "with a wrong key": lambda: (body(), secrets.token_urlsafe(24), None),
        "with the manufacturer's key": lambda: (body(), target.nox.manufacturer_api_key.reveal(), None),
        "without saying who the user is": lambda: (body(user_id=None), KEY_DEFAULT, None),
        "without saying which kind of device": lambda: (body(asset_type=None), KEY_DEFAULT, None),
        "without a return address": lambda: (body(redirect_url=None), KEY_DEFAULT, None),
        "for a kind of device NOX does not link": lambda: (body(asset_type="ev"), KEY_DEFAULT, None),
        "with a return address that is not an address": lambda: (body(redirect_url="not an address"), KEY_DEFAULT, None),
        "with a language NOX does not speak": lambda: (body(language="de"), KEY_DEFAULT, None),
        "with a brand NOX does not know": lambda: (body(brand="no-such-brand"), KEY_DEFAULT, None),
        "with a request that is not JSON": lambda: (None, KEY_DEFAULT, b"user_id=alice&asset_type=hp"),
        "with a user that is a number": lambda: (body(user_id=42), KEY_DEFAULT, None),
        "with a return address the partner has not registered": lambda: (
            body(redirect_url=UNREGISTERED_RETURN), KEY_DEFAULT, None,
        ),
    }
    if words not in choices:
        raise AssertionError(f"the feature names request {words!r}; known: {', '.join(choices)}")
    return choices[words]()
