"""How NOX reads an API request: the API key first, then the body.

A request without a valid key gets 401 whatever its body, and creates nothing; a
manufacturer key is not a supplier key and vice versa. ``user_id`` is a non-empty
string of at most 512 characters; ``redirect_url`` an absolute http(s) URL of at most
2048 characters. ``language: null`` is refused (the enum has no null). Unknown fields
are ignored. A redirect URL is allowed when scheme, host, port and path match one of
the holder's (origin + ``allowed_redirect_paths``) exactly and it has no fragment; its
query is ignored (and kept: the callback appends ``&data=``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from sandbox.faults import Fault
from sandbox.parties.nox.state import error
from sandbox.seed import LANGUAGES, ApiClient
from sandbox.web import read_json
from sandbox.world import World

T = TypeVar("T")
MAX_TEXT = 512
MAX_URL = 2048

FAULTS: list[Fault] = [
    Fault("nox-500-on-malformed-body", ("SUP-03", "CON-01"),
          "a body that is not JSON, not an object or has a mistyped field gets a 500 instead of a 400"),
    Fault("nox-accepts-unknown-language", ("SUP-03",),
          "a language outside nl, en, fr, es is accepted and echoed"),
    Fault("nox-language-default-wrong", ("SUP-06",),
          "a session created without a language is in English instead of Dutch"),
]


class Invalid(Exception):
    """A request body NOX refuses (400). ``structural``: not an object or a mistyped field."""

    def __init__(self, message: str, *, structural: bool = False) -> None:
        super().__init__(message)
        self.structural = structural


def holder_of(request: Request, holder: ApiClient, world: World) -> ApiClient | None:
    """``holder`` when the request carries its API key, else None."""
    given = request.headers.get("x-api-key")
    if given is None:
        return None
    expected = world.seed.secret(holder.key_env)
    return holder if hmac.compare_digest(given.encode(), expected.encode()) else None


def unauthorized(kind: str) -> JSONResponse:
    return error(401, "unauthorized", f"The x-api-key header is missing or not a valid {kind} API key.")


def _string(body: dict[str, Any], name: str, kind: str, limit: int) -> str:
    if name not in body or body[name] is None:
        raise Invalid(f"'{name}' is required.")
    value = body[name]
    if not isinstance(value, str):
        raise Invalid(f"'{name}' must be {kind}.", structural=True)
    if len(value) > limit:
        raise Invalid(f"'{name}' must be at most {limit} characters.")
    return value


def text_field(body: dict[str, Any], name: str) -> str:
    value = _string(body, name, "a string", MAX_TEXT)
    if not value:
        raise Invalid(f"'{name}' must not be empty.")
    return value


def url_field(body: dict[str, Any], name: str) -> str:
    value = _string(body, name, "a string (a URI)", MAX_URL)
    try:
        parts = urlsplit(value)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port is None or parts.port > 0)
    except ValueError:
        ok = False
    if not ok or any(ch.isspace() or ord(ch) < 32 for ch in value):
        raise Invalid(f"'{name}' must be an absolute http(s) URI.")
    return value


def language_field(body: dict[str, Any], world: World) -> str:
    if "language" not in body:
        return "en" if world.faulty("nox-language-default-wrong") else "nl"
    value = body["language"]
    if world.faulty("nox-accepts-unknown-language") and isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    if value not in LANGUAGES:
        raise Invalid(f"'language' must be one of {', '.join(LANGUAGES)}.", structural=not isinstance(value, str))
    return str(value)


def allowed(url: str, origin: str, paths: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    if parts.fragment or "#" in url:
        return False
    without_query = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return without_query in {f"{origin}{path}" for path in paths}


async def object_body(request: Request) -> dict[str, Any]:
    try:
        body, problem = await read_json(request)
    except (ValueError, RecursionError):  # e.g. a 5000-digit number, or nesting 100000 deep
        body, problem = None, "the request body is not JSON NOX can read"
    if problem:
        raise Invalid(problem[0].upper() + problem[1:] + ".", structural=True)
    if not isinstance(body, dict):
        raise Invalid("The request body must be a JSON object.", structural=True)
    return body


def refused_body(exc: Invalid, body_level: bool, world: World) -> Response:
    """400 ``invalid_body`` (the body as a whole) or ``validation_error`` (a field)."""
    if exc.structural and world.faulty("nox-500-on-malformed-body"):
        return PlainTextResponse("Internal Server Error", status_code=500)
    return error(400, "invalid_body" if body_level else "validation_error", str(exc))


async def read_body(request: Request, world: World, fields: Callable[[dict[str, Any]], T]) -> T | Response:
    """What ``fields`` reads from the JSON object body, or the 400 that refuses it."""
    try:
        body = await object_body(request)
    except Invalid as exc:
        return refused_body(exc, True, world)
    try:
        return fields(body)
    except Invalid as exc:
        return refused_body(exc, False, world)
