"""Checks of NOX's answers to link-session requests, shared by the supplier-initiated and
the manufacturer-initiated flows (schemas/nox.openapi.yaml). Steps of both flows call
these; each flow keeps its own wording in its feature."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from steps.clients.clock import ClockClient
from suite import http
from suite.target import Target

# Statuses NOX answers with, in the features' words (schemas/nox.openapi.yaml).
SESSION_REFUSALS = {"unauthorised": 401, "invalid input": 400}


def answered(response: httpx.Response) -> str:
    """What NOX answered, in one redacted line, without links or tokens in it."""
    return http.answered(response, {"link_url": "a session", "redirect_url": "a session"}, "error")


def created(response: httpx.Response | None, who: str) -> dict[str, Any]:
    """The body of a created link session; fails saying what NOX answered instead."""
    assert response is not None, f"the {who} started no link session in this scenario"
    assert response.status_code == 201, (
        f"expected NOX to start the {who}'s link session (201), but it answered {answered(response)}"
    )
    body = response.json()
    assert isinstance(body, dict), f"expected a JSON object from NOX, but it answered {answered(response)}"
    return body


def expect_link(response: httpx.Response | None, target: Target, who: str) -> None:
    body = created(response, who)
    link = body.get("link_url")
    parts = urlsplit(link) if isinstance(link, str) else None
    assert parts and parts.scheme in ("http", "https") and parts.netloc, (
        f"expected `link_url` to be an absolute address, but it is {type(link).__name__ if parts is None else link!r}"
    )
    nox_host = urlsplit(target.urls.nox).netloc
    assert parts.netloc == nox_host, (
        f"expected `link_url` to open NOX's Authenticator UI at {nox_host}, but it points at {parts.netloc}"
    )
    token = body.get("link_token")
    assert isinstance(token, str) and token, f"expected a `link_token` identifying the session, but it is {token!r}"


def expect_open_for(response: httpx.Response | None, clock: ClockClient, minutes: int, who: str) -> None:
    body = created(response, who)
    created_at, expires, completed = body.get("created_at"), body.get("expires_at"), body.get("completed_at")
    assert isinstance(created_at, int) and isinstance(expires, int), (
        f"expected `created_at` and `expires_at` as unix seconds, but they are {created_at!r} and {expires!r}"
    )
    assert expires - created_at == minutes * 60, (
        f"expected the session to be open for {minutes} minutes, but it is open for {expires - created_at} seconds"
    )
    if clock.available:
        now = clock.now()
        assert abs(created_at - now) <= 5, f"expected `created_at` to be now ({now}), but it is {created_at}"
    assert completed is None, f"expected `completed_at` to be null on a new session, but it is {completed!r}"


def expect_refused(response: httpx.Response | None, refusal: str, who: str) -> None:
    assert response is not None, f"the {who} asked NOX nothing in this scenario"
    expected = SESSION_REFUSALS[refusal]
    assert response.status_code < 500, (
        f"expected NOX to refuse as {refusal} ({expected}), but it failed with a server error: {answered(response)}"
    )
    assert response.status_code == expected, (
        f"expected NOX to refuse as {refusal} ({expected}), but it answered {answered(response)}"
    )


def expect_no_link(response: httpx.Response | None, who: str) -> None:
    assert response is not None, f"the {who} asked NOX nothing in this scenario"
    assert "link_url" not in response.text and "token=" not in response.text, (
        f"expected no link in a refusal, but NOX answered {response.status_code} with a link in it"
    )
