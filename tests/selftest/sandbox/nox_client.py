"""Talking to the sandbox's NOX in the selftests: creating link sessions, starting the
manufacturer flow, signing in at a brand page for a code, and reading NOX's answers."""

from __future__ import annotations

import base64
import json
import re
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from sandbox.parties.nox import NoxState
from sandbox.server import Sandbox

SUPPLIER_FIELDS = {"link_url", "link_token", "language", "asset_type", "redirect_url", "supplier",
                   "supplier_user_id", "created_at", "expires_at", "brand", "completed_at"}
MANUFACTURER_FIELDS = {"link_url", "link_token", "language", "redirect_url", "manufacturer",
                       "manufacturer_user_id", "created_at", "expires_at", "brand", "completed_at"}
DEFAULT = object()



def new_user() -> str:
    return f"usr_{uuid.uuid4().hex[:10]}"


def supplier_key(sbx: Sandbox) -> str:
    return sbx.secrets["NOX_SUPPLIER_API_KEY"]


def manufacturer_key(sbx: Sandbox) -> str:
    return sbx.secrets["NOX_MANUFACTURER_API_KEY"]


def nox_state(sbx: Sandbox) -> NoxState:
    found = sbx.world.state["nox"]
    assert isinstance(found, NoxState)
    return found


def create_supplier(sbx: Sandbox, http: httpx.Client, body: Any = DEFAULT, *, key: Any = DEFAULT,
                    content: bytes | None = None, **fields: Any) -> httpx.Response:
    """POST /v2/supplier/link-sessions; ``key=None`` sends no x-api-key."""
    api_key = supplier_key(sbx) if key is DEFAULT else key
    headers = {"x-api-key": api_key} if api_key is not None else {}
    if content is not None:
        return http.post(f"{sbx.urls.nox}/v2/supplier/link-sessions", content=content,
                         headers={**headers, "content-type": "application/json"})
    if body is DEFAULT:
        body = {"user_id": new_user(), "asset_type": "hp", "redirect_url": f"{sbx.urls.partner_app}/callback",
                **fields}
    return http.post(f"{sbx.urls.nox}/v2/supplier/link-sessions", json=body, headers=headers)


def supplier_session(sbx: Sandbox, http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = create_supplier(sbx, http, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def create_manufacturer(sbx: Sandbox, http: httpx.Client, body: Any = DEFAULT, *, key: Any = DEFAULT,
                        **fields: Any) -> httpx.Response:
    api_key = manufacturer_key(sbx) if key is DEFAULT else key
    headers = {"x-api-key": api_key} if api_key is not None else {}
    if body is DEFAULT:
        body = {"user_id": new_user(), "redirect_url": f"{sbx.urls.manufacturer_app}/linked", **fields}
    return http.post(f"{sbx.urls.nox}/v2/manufacturer/link-sessions", json=body, headers=headers)


def manufacturer_session(sbx: Sandbox, http: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = create_manufacturer(sbx, http, **fields)
    assert response.status_code == 201, response.text
    return response.json()


def start_auth(sbx: Sandbox, http: httpx.Client, **fields: Any) -> tuple[dict[str, Any], str]:
    """A manufacturer session whose user chose this partner: (session, state)."""
    session = manufacturer_session(sbx, http, **fields)
    chosen = http.get(f"{sbx.urls.nox}/ui/suppliers/helios", params={"token": session["link_token"]})
    assert chosen.status_code == 303, chosen.text
    return session, query(chosen.headers["location"])["state"]


def post_login(sbx: Sandbox, http: httpx.Client, body: Any, *, key: Any = DEFAULT,
               content: bytes | None = None) -> httpx.Response:
    api_key = supplier_key(sbx) if key is DEFAULT else key
    headers = {"x-api-key": api_key} if api_key is not None else {}
    if content is not None:
        return http.post(f"{sbx.urls.nox}/post-login-redirect", content=content,
                         headers={**headers, "content-type": "application/json"})
    return http.post(f"{sbx.urls.nox}/post-login-redirect", json=body, headers=headers)


def query(url: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def ids_on(response: httpx.Response) -> list[str]:
    return re.findall(r'data-testid="([^"]+)"', response.text)


def tag_of(response: httpx.Response, testid: str) -> str:
    found = re.search(rf'<[^>]*data-testid="{re.escape(testid)}"[^>]*>', response.text)
    assert found, f"no {testid} in {response.text[:500]}"
    return found.group(0)


def attr(response: httpx.Response, testid: str, name: str) -> str | None:
    found = re.search(rf'\b{re.escape(name)}="([^"]*)"', tag_of(response, testid))
    return found.group(1) if found else None


def html_lang(response: httpx.Response) -> str:
    found = re.search(r'<html lang="([^"]*)"', response.text)
    return found.group(1) if found else ""


def session_error(response: httpx.Response) -> str | None:
    return attr(response, "session-error", "data-reason") if "session-error" in ids_on(response) else None


def decode(data: str) -> dict[str, Any]:
    assert re.fullmatch(r"[A-Za-z0-9_-]+", data), f"not base64url without padding: {data}"
    return json.loads(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def assert_json_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body.get("message"), str) and body["message"]
    assert isinstance(body.get("error"), str) and body["error"]
    if code:
        assert body["error"] == code, body
    return body


def brand_code(sbx: Sandbox, http: httpx.Client, session: str, brand: str, username: str,
               terms: bool = True) -> str:
    """Sign in at the brand page for NOX session ``session``; the code it hands NOX."""
    form = {"session": session, "language": "en", "username": username,
            "password": sbx.secrets["BRAND_ACCOUNT_PASSWORD"]} | ({"accept_terms": "yes"} if terms else {})
    response = http.post(f"{sbx.urls.brands}/{brand}/authorize", data=form)
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert without_query(location) == f"{sbx.urls.nox}/ui/brand-return", location
    assert query(location)["session"] == session
    return query(location)["code"]


def brand_return(sbx: Sandbox, http: httpx.Client, session: str, code: str) -> httpx.Response:
    return http.get(f"{sbx.urls.nox}/ui/brand-return", params={"session": session, "code": code})
