"""What every party's web layer needs, written once: JSON error bodies, HTML pages and
their alerts, form parsing, the signed-in guard, the HTML error handler, and the one
way a party's backend calls another party over HTTP."""

from __future__ import annotations

import asyncio
import html
import json
import ssl
import uuid
from collections.abc import Awaitable, Callable
from functools import cache, wraps
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

import httpx
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

T = TypeVar("T")
Endpoint = Callable[[Request], Awaitable[Response]]
ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]

HTTP_TIMEOUT = 10.0
MAX_RETRIES = 3
MAX_RETRY_WAIT = 2.0
# The sentences of the HTML error pages, by status (anything else: SOMETHING_WRONG).
HTTP_MESSAGES = {404: "There is no such page.", 405: "This page cannot be used that way."}
SOMETHING_WRONG = "Something went wrong."
# What every page answers with (OWASP ASVS 4.0.3 V14.4.4, V14.4.7, V8.2.1): no content
# sniffing, no framing by other sites, and nothing kept in a shared or browser cache.
PAGE_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "frame-ancestors 'none'",
                "X-Frame-Options": "DENY", "Cache-Control": "no-store"}


def request_id() -> str:
    return str(uuid.uuid4())


async def read_json(request: Request) -> tuple[Any, str | None]:
    """The parsed JSON body, or ``(None, reason)`` when it is missing or not JSON."""
    raw = await request.body()
    if not raw.strip():
        return None, "the request body is empty"
    try:
        return json.loads(raw), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, "the request body is not valid JSON"


async def read_form(request: Request, max_bytes: int, max_field: int | None = None) -> dict[str, str]:
    """A URL-encoded form body as a dict (first value wins, each cut to ``max_field``
    characters); empty when it is larger than ``max_bytes`` or unreadable."""
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            return {}
    try:
        pairs = parse_qsl(raw.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=50)
    except ValueError:
        return {}
    form: dict[str, str] = {}
    for key, value in pairs:
        form.setdefault(key, value[:max_field] if max_field else value)
    return form


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def alert(testid: str, message: str, tag: str = "p") -> str:
    """A message announced to assistive technology (and found by ``get_by_role("alert")``)."""
    return f'<{tag} role="alert" data-testid="{testid}">{esc(message)}</{tag}>'


def page(
    title: str,
    body: str,
    *,
    lang: str = "en",
    status_code: int = 200,
    party: str = "",
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A complete, self-contained HTML page (no external assets)."""
    document = f"""<!doctype html>
<html lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>
 body {{ font-family: system-ui, sans-serif; margin: 0; background: #f5f7fa; color: #1d2733; }}
 header {{ background: #1d2733; color: #fff; padding: 12px 24px; font-weight: 600; }}
 main {{ max-width: 720px; margin: 24px auto; background: #fff; padding: 24px 32px;
        border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); }}
 label {{ display: block; margin: 12px 0 4px; }}
 input[type=email], input[type=password], input[type=text] {{ width: 100%; padding: 8px; box-sizing: border-box; }}
 button, .button {{ margin-top: 16px; padding: 10px 18px; background: #2563eb; color: #fff; border: 0;
        border-radius: 6px; text-decoration: none; display: inline-block; cursor: pointer; }}
 [role=alert] {{ background: #fee2e2; color: #7f1d1d; padding: 12px; border-radius: 6px; }}
 ul.options {{ list-style: none; padding: 0; display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px; }}
 ul.options a {{ display: block; padding: 10px; border: 1px solid #cbd5e1; border-radius: 6px;
        text-decoration: none; color: inherit; text-align: center; }}
</style>
</head>
<body>
<header>{esc(party)}</header>
<main>
{body}
</main>
</body>
</html>
"""
    return HTMLResponse(document, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status_code, headers=headers)


def html_errors(render: Callable[[Request, int, str], Response]) -> ExceptionHandler:
    """Starlette's exception handler for a party's pages: ``render(request, status,
    sentence)`` draws the page; the exception's headers (e.g. ``Allow``) are kept."""

    async def handle(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        response = render(request, status, HTTP_MESSAGES.get(status, SOMETHING_WRONG))
        if isinstance(exc, HTTPException) and exc.headers:
            response.headers.update(exc.headers)
        return response

    return handle


def requires(
    who: Callable[[Request], T | None], otherwise: Callable[[Request], Response]
) -> Callable[[Callable[[Request, T], Awaitable[Response]]], Endpoint]:
    """The signed-in guard: the endpoint runs with the signed-in ``who(request)``;
    without one the visitor gets ``otherwise(request)`` (a sign-in redirect, a signed-out page)."""

    def decorate(handler: Callable[[Request, T], Awaitable[Response]]) -> Endpoint:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            found = who(request)
            if found is None:
                return otherwise(request)
            return await handler(request, found)

        return endpoint

    return decorate


class UpstreamError(Exception):
    """Another party failed in a way the user cannot fix (shown as a friendly 502)."""


@cache
def tls() -> ssl.SSLContext:
    """One TLS context for every outgoing request: building one per client costs ~20 ms
    of CPU on the shared event loop."""
    return ssl.create_default_context()


def retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_WAIT)


async def send(method: str, url: str, **kwargs: Any) -> httpx.Response:
    """One server-to-server request from one party to another; a 429 is retried up to
    ``MAX_RETRIES`` times after its Retry-After (at most ``MAX_RETRY_WAIT`` s, awaited
    without blocking the loop). A network failure raises :class:`UpstreamError`."""
    try:
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT, follow_redirects=False, verify=tls()) as client:
            for attempt in range(MAX_RETRIES + 1):
                response = await client.request(method, url, **kwargs)
                if response.status_code != 429 or attempt == MAX_RETRIES:
                    return response
                await asyncio.sleep(retry_after(response))
    except httpx.HTTPError as exc:
        raise UpstreamError(f"{type(exc).__name__} talking to {urlsplit(url).netloc}") from None
    raise UpstreamError("unreachable")  # pragma: no cover - the loop always returns


def json_object(response: httpx.Response) -> dict[str, Any] | None:
    """The answer's JSON object, or None when it is not JSON or not an object."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
