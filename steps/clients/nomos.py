"""Client of the Nomos API: client-credentials tokens and magic links (schemas/nomos.openapi.yaml)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from suite.clock import Moves
from suite.http import describe
from suite.redaction import Secret, register
from suite.target import Target

API_VERSION = "2026-01-29.edison"


class NomosClient:
    def __init__(self, target: Target, http: httpx.Client, moves: Moves) -> None:
        self._target = target
        self._http = http
        self.moves = moves  # how often the target's clock moved, as this process knows (suite/clock.py)
        self._token: Secret | None = None
        # When the cached token is to be fetched again: the target's clock moved (by this
        # process or, on a shared clock, by another: suite/clock.py), or its lifetime is
        # nearly over in real time.
        self._moves = -1
        self._fresh_until = 0.0

    # -- request bodies

    @staticmethod
    def magic_link_body(customer_id: Any) -> dict[str, Any]:
        """The body of ``POST /admin/magic_link`` for a customer (any value, for bad input)."""
        return {"customerId": customer_id}

    # -- raw operations: answers as they come, for contract and negative scenarios

    def request_token(self, client_id: str | None = None, client_secret: str | None = None) -> httpx.Response:
        auth = (
            client_id or self._target.nomos.client_id,
            client_secret if client_secret is not None else self._target.nomos.client_secret.reveal(),
        )
        response = self._http.post("/oauth/token", json={"grant_type": "client_credentials"}, auth=auth)
        if response.status_code == 200:
            for key in ("access_token", "refresh_token"):
                value = response.json().get(key)
                if isinstance(value, str):
                    register(value)  # tokens are secrets too: never in a report
        return response

    def mint(
        self,
        body: Any = None,
        *,
        customer_id: str | None = None,
        bearer: str | None = "default",
        content: bytes | None = None,
    ) -> httpx.Response:
        """POST /admin/magic_link. ``bearer=None`` sends no Authorization header;
        ``content`` sends raw bytes instead of JSON. With the client's own token
        (``bearer="default"``) a 401 fetches a new token and tries once more: on a shared
        target time may have moved past the cached token's lifetime."""
        if bearer != "default":
            return self._mint(body, customer_id, bearer, content)
        response = self._mint(body, customer_id, self.access_token().reveal(), content)
        if response.status_code == 401:
            self.forget_token()
            response = self._mint(body, customer_id, self.access_token().reveal(), content)
        return response

    def _mint(self, body: Any, customer_id: str | None, bearer: str | None, content: bytes | None) -> httpx.Response:
        headers = {"X-API-Version": API_VERSION}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        if content is not None:
            headers["Content-Type"] = "application/json"
            return self._http.post("/admin/magic_link", content=content, headers=headers)
        payload = self.magic_link_body(customer_id) if customer_id is not None else body
        return self._http.post("/admin/magic_link", json=payload, headers=headers)

    # -- the happy path, asserted

    def access_token(self) -> Secret:
        if self._token is None or self._moves != self.moves.count or time.monotonic() >= self._fresh_until:
            moves = self.moves.count
            response = self.request_token()
            assert response.status_code == 200, f"Nomos refused the client credentials: {describe(response)}"
            body = response.json()
            lifetime = body.get("expires_in")
            lifetime = lifetime if isinstance(lifetime, int) and not isinstance(lifetime, bool) and lifetime > 0 else 300
            self._token = Secret(body["access_token"], "Nomos access token")
            self._moves, self._fresh_until = moves, time.monotonic() + lifetime - min(60, lifetime // 10)
        return self._token

    def forget_token(self) -> None:
        """Drop the cached token (Nomos refused it: time moved past its lifetime)."""
        self._token = None

    def magic_link(self, customer_id: str) -> str:
        response = self.mint(customer_id=customer_id)
        assert response.status_code == 200, f"Nomos did not mint a magic link: {describe(response)}"
        return response.json()["link"]
