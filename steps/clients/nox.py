"""Client of the NOX API: supplier and manufacturer link sessions and the (assumed)
post-login redirect (schemas/nox.openapi.yaml)."""

from __future__ import annotations

from typing import Any

import httpx

from suite.http import describe
from suite.target import Target

KEY_DEFAULT = "default"


class NoxClient:
    def __init__(self, target: Target, http: httpx.Client) -> None:
        self._target = target
        self._http = http

    def _headers(self, api_key: str | None, default: str) -> dict[str, str]:
        key = default if api_key == KEY_DEFAULT else api_key
        return {"x-api-key": key} if key is not None else {}

    def create_supplier_session(
        self, body: Any, *, api_key: str | None = KEY_DEFAULT, content: bytes | None = None
    ) -> httpx.Response:
        headers = self._headers(api_key, self._target.nox.supplier_api_key.reveal())
        if content is not None:
            return self._http.post("/v2/supplier/link-sessions", content=content,
                                   headers={**headers, "Content-Type": "application/json"})
        return self._http.post("/v2/supplier/link-sessions", json=body, headers=headers)

    def create_manufacturer_session(self, body: Any, *, api_key: str | None = KEY_DEFAULT) -> httpx.Response:
        headers = self._headers(api_key, self._target.nox.manufacturer_api_key.reveal())
        return self._http.post("/v2/manufacturer/link-sessions", json=body, headers=headers)

    def post_login_redirect(self, body: Any, *, api_key: str | None = KEY_DEFAULT) -> httpx.Response:
        headers = self._headers(api_key, self._target.nox.supplier_api_key.reveal())
        return self._http.post("/post-login-redirect", json=body, headers=headers)

    def supplier_session(self, **fields: Any) -> dict[str, Any]:
        """Create a supplier link session that must succeed; returns its JSON."""
        body = {"redirect_url": self._target.nox.supplier_redirect_url, **fields}
        response = self.create_supplier_session({k: v for k, v in body.items() if v is not None})
        assert response.status_code == 201, f"NOX did not create the link session: {describe(response)}"
        return response.json()

    def manufacturer_session(self, **fields: Any) -> dict[str, Any]:
        body = {"redirect_url": self._target.nox.manufacturer_redirect_url, **fields}
        response = self.create_manufacturer_session({k: v for k, v in body.items() if v is not None})
        assert response.status_code == 201, f"NOX did not create the manufacturer session: {describe(response)}"
        return response.json()
