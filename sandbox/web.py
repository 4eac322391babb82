"""Small helpers every party uses: JSON error bodies, HTML pages, body parsing."""

from __future__ import annotations

import html
import json
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse


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


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


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
    return HTMLResponse(document, status_code=status_code, headers=headers)


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(payload, status_code=status_code, headers=headers)
