"""Client of the NOX API: supplier and manufacturer link sessions and the (assumed)
post-login redirect (schemas/nox.openapi.yaml).

The ``*_body`` builders are the one place a request body is written; the steps change
a field by naming it (``None`` leaves it out), so a malformed request reads as the one
field it breaks."""

from __future__ import annotations

from typing import Any

import httpx

from suite.target import Target

KEY_DEFAULT = "default"


def _present(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


class NoxClient:
    def __init__(self, target: Target, http: httpx.Client) -> None:
        self._target = target
        self._http = http

    # -- request bodies

    def supplier_session_body(self, user_id: Any, asset_type: Any, /, **fields: Any) -> dict[str, Any]:
        """A supplier link session for the partner's user, returning to the partner's
        registered callback; ``fields`` add or replace fields, ``None`` leaves one out."""
        return _present(**{"user_id": user_id, "asset_type": asset_type,
                           "redirect_url": self._target.nox.supplier_redirect_url, **fields})

    def manufacturer_session_body(self, user_id: Any, /, **fields: Any) -> dict[str, Any]:
        """A manufacturer link session for the manufacturer's user, returning to the
        manufacturer's registered address; ``fields`` as in :meth:`supplier_session_body`."""
        return _present(**{"user_id": user_id, "redirect_url": self._target.nox.manufacturer_redirect_url, **fields})

    @staticmethod
    def handoff_body(state: str, supplier_user_id: str) -> dict[str, Any]:
        """The partner's word to NOX of who signed in for an authentication session."""
        return {"state": state, "supplier_user_id": supplier_user_id}

    # -- raw operations: answers as they come

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
