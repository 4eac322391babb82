"""The shared test clock (interfaces.md §3)."""

from __future__ import annotations

import httpx

from sandbox.server import Sandbox


def test_clock_reports_now(sbx: Sandbox, http: httpx.Client) -> None:
    now = http.get(sbx.urls.clock).json()["now"]
    assert isinstance(now, int)
    assert abs(now - sbx.world.clock.now()) <= 1


def test_clock_moves_every_party_forward(sbx: Sandbox, http: httpx.Client) -> None:
    before = http.get(sbx.urls.clock).json()["now"]
    after = http.post(sbx.urls.clock, json={"advance_seconds": 601}).json()["now"]
    assert after - before >= 601
    assert abs(sbx.world.clock.now() - after) <= 1


def test_clock_refuses_bad_input_without_5xx(sbx: Sandbox, http: httpx.Client) -> None:
    for body in (b"", b"not json", b'{"advance_seconds": -5}', b'{"advance_seconds": "5"}', b"[]"):
        response = http.post(sbx.urls.clock, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 400, body
