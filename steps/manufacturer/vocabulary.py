"""The manufacturer feature's words, mapped to requests: the manufacturer app's malformed
link-session requests, the partner backend's hand-off credentials, and NOX's refusals
of a hand-off."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from steps.clients.nox import KEY_DEFAULT, NoxClient
from suite.target import Target

# NOX's refusals of a hand-off, in the feature's words: (in words, the statuses that
# count). interfaces.md §2 fixes 401 for a wrong key; an unknown, used or expired state
# "is a 4xx" and which one is NOX's choice, so any client error refuses it but 401 (the
# key was refused instead) and 429 (NOX was busy; the client waits and retries).
STATE_REFUSED = frozenset(range(400, 500)) - {401, 429}
HANDOFF_REFUSALS: dict[str, tuple[str, frozenset[int]]] = {
    "unauthorised": ("401", frozenset({401})),
    "an unknown session": ("a 4xx other than 401", STATE_REFUSED),
    "already used": ("a 4xx other than 401", STATE_REFUSED),
    "expired": ("a 4xx other than 401", STATE_REFUSED),
}
# Where the manufacturer asks NOX to send the user back; no manufacturer registers it.
UNREGISTERED_RETURN = "https://evil.example/linked"
# Who asks NOX for a link session in this flow, in failure messages.
WHO = "manufacturer app"


def session_request(words: str, nox: NoxClient, target: Target, user_id: str) -> tuple[dict[str, Any], str | None]:
    """The body and key of the manufacturer app's request the feature names."""

    def body(**changes: Any) -> dict[str, Any]:
        return nox.manufacturer_session_body(user_id, **changes)

    choices: dict[str, Callable[[], tuple[dict[str, Any], str | None]]] = {
        "without its key": lambda: (body(), None),
        "with a wrong key": lambda: (body(), secrets.token_urlsafe(24)),
        "with the supplier's key": lambda: (body(), target.nox.supplier_api_key.reveal()),
        "without saying who the user is": lambda: (body(user_id=None), KEY_DEFAULT),
        "without a return address": lambda: (body(redirect_url=None), KEY_DEFAULT),
        "with a return address that is not an address": lambda: (body(redirect_url="not an address"), KEY_DEFAULT),
        "with a language NOX does not speak": lambda: (body(language="de"), KEY_DEFAULT),
        "with a return address the manufacturer has not registered": lambda: (
            body(redirect_url=UNREGISTERED_RETURN), KEY_DEFAULT,
        ),
    }
    if words not in choices:
        raise AssertionError(f"the feature names request {words!r}; known: {', '.join(choices)}")
    return choices[words]()


def handoff_key(words: str, target: Target) -> str | None:
    """The x-api-key of the partner backend's hand-off the feature names."""
    choices: dict[str, Callable[[], str | None]] = {
        "without its key": lambda: None,
        "with a wrong key": lambda: secrets.token_urlsafe(24),
        "with the manufacturer's key": lambda: target.nox.manufacturer_api_key.reveal(),
    }
    if words not in choices:
        raise AssertionError(f"the feature names credential {words!r}; known: {', '.join(choices)}")
    return choices[words]()

