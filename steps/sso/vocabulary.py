"""The SSO feature's words, mapped to values and requests: magic links and the forgeries
made from them, where ``next`` sends the customer, the forged access tokens and the
malformed mint requests the feature names, and Nomos's documented error codes.

Each mapping fails with the list of known words when a feature names an unknown one.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from steps.clients.nomos import NomosClient
from suite import http
from suite.target import PartnerUser

# Words of the step patterns.
HER = r"(?:her|his)"
SHE = r"(?:she|he)"
DEVICE = r"(?P<device>laptop|phone)"

# Three base64url segments separated by dots, the first an encoded JSON object: a JWT.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The error code Nomos documents for each status (vendor-docs, Err* schemas).
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
}
REFUSALS = {"unauthorised": (401,), "invalid input": (400, 422), "not found": (404,)}
OFF_SITE = "evil.example"


# --------------------------------------------------------------------- magic links


@dataclass(frozen=True)
class MagicLink:
    """A minted magic link, and the forgeries made from it."""

    url: str

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def token(self) -> str:
        return self.query.get("token_hash", "")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    @property
    def destination(self) -> str:
        """The portal page the link leads to after sign-in: its ``next`` path, else its own
        path (Nomos may point a link at a page, or at its entry with ``next``)."""
        return self.query.get("next") or self.path

    def with_query(self, **changes: str | None) -> MagicLink:
        """The same link with query parameters replaced (in place), added, or removed (None)."""
        parts = urlsplit(self.url)
        query, done = [], set()
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in changes:
                done.add(key)
                if changes[key] is None:
                    continue
                value = changes[key]
            query.append((key, value))
        query += [(k, v) for k, v in changes.items() if k not in done and v is not None]
        return MagicLink(urlunsplit(parts._replace(query=urlencode(query, safe="/"))))


def _changed_character(token: str) -> str:
    """The token with its middle character replaced by another of the same kind."""
    if not token:
        return "0"
    middle = len(token) // 2
    char = token[middle]
    if char.isdigit():
        other = str((int(char) + 1) % 10)
    elif char.isalpha():
        base = "a" if char.islower() else "A"
        other = chr((ord(char) - ord(base) + 1) % 26 + ord(base))
    else:
        other = "0"
    return token[:middle] + other + token[middle + 1 :]


FORGERIES: dict[str, Callable[[MagicLink], MagicLink]] = {
    "the magic link": lambda link: link,
    "the magic link with one character of its token changed": lambda link: link.with_query(
        token_hash=_changed_character(link.token)
    ),
    "the magic link with its token cut short": lambda link: link.with_query(token_hash=link.token[: len(link.token) // 2]),
    "a link with an invented token": lambda link: link.with_query(
        token_hash=secrets.token_urlsafe(max(len(link.token) * 3 // 4, 16))
    ),
    "the magic link without its token": lambda link: link.with_query(token_hash=None),
}

# Where `next` sends the customer after sign-in, in the feature's words.
DESTINATIONS: dict[str, Callable[[PartnerUser], str]] = {
    "one of her invoices": lambda user: f"/invoices/{user.invoice_id}",
    "a full address on another website": lambda user: f"https://{OFF_SITE}/account",
    "a protocol-relative address on another website": lambda user: f"//{OFF_SITE}/account",
}


# ------------------------------------------------------------- access tokens, inputs


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def invented_token() -> str:
    """A well-formed JWT that Nomos never issued (its signature is random)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": "partner-suite", "scope": "read:* write:*", "exp": 4102444800}).encode())
    return f"{header}.{claims}.{_b64url(secrets.token_bytes(32))}"


def tampered(token: str) -> str:
    """The token with its claims changed and its signature kept; a token that is not a
    JWT gets one character changed instead."""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            claims = None
        if isinstance(claims, dict):
            claims["scope"] = "read:* write:* admin:*"
            claims["exp"] = 4102444800
            return ".".join((parts[0], _b64url(json.dumps(claims).encode()), parts[2]))
    return _changed_character(token)


def bearer_for(credential: str, nomos: NomosClient) -> str | None:
    """The Authorization bearer value for the feature's words (None: no header)."""
    choices: dict[str, Callable[[], str | None]] = {
        "without an access token": lambda: None,
        "with an invented access token": invented_token,
        "with a tampered access token": lambda: tampered(nomos.access_token().reveal()),
    }
    if credential not in choices:
        raise AssertionError(f"the feature names credential {credential!r}; known: {', '.join(choices)}")
    return choices[credential]()


def bad_input(words: str, customer_id: str) -> dict[str, Any]:
    """Keyword arguments of NomosClient.mint for the malformed request the feature names."""
    choices: dict[str, dict[str, Any]] = {
        "without a customer id": {"body": {}},
        "with a number as customer id": {"body": NomosClient.magic_link_body(42)},
        "with null as customer id": {"body": NomosClient.magic_link_body(None)},
        "with a list as body": {"body": [NomosClient.magic_link_body(customer_id)]},
        "with a body that is not JSON": {"content": f"customerId={customer_id}".encode()},
        "with an empty body": {"content": b""},
    }
    if words not in choices:
        raise AssertionError(f"the feature names bad input {words!r}; known: {', '.join(choices)}")
    return choices[words]


def answered(response: httpx.Response) -> str:
    """What Nomos answered, in one line, without any link or token in it."""
    return http.answered(response, {"link": "a magic link", "access_token": "an access token"}, "code")
