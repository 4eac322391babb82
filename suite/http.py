"""The HTTP policy every API client of the suite goes through.

Staging is somebody's: the suite only talks to the hosts its target profile declares,
spends at most a bounded number of requests per worker, paces itself, honours 429 with
``Retry-After`` (within limits), and never waits forever on a slow answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Protocol

import httpx

from suite.redaction import redact

# 429s retried per request before the answer is handed to the caller as it is.
MAX_RATE_LIMIT_RETRIES = 3
# Longest Retry-After the suite will honour; a longer one fails the request clearly.
MAX_RETRY_AFTER_SECONDS = 30.0


class PolicyViolation(Exception):
    """The suite was about to break its own rules for a target (host, budget)."""


@dataclass
class RequestLedger:
    """Counts what this worker sent; shared by every client of one target."""

    budget: int
    sent: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def spend(self) -> None:
        with self._lock:
            if self.sent >= self.budget:
                raise PolicyViolation(
                    f"request budget of {self.budget} for this run is spent; raise [limits] request_budget "
                    "in the target profile if this run really needs more"
                )
            self.sent += 1


class Answer(Protocol):
    """An HTTP answer of any client (httpx, requests, Schemathesis' lists of values):
    only its headers are read."""

    @property
    def headers(self) -> Mapping[str, str] | Mapping[str, list[str]]: ...


def retry_after_seconds(response: Answer, default: float = 1.0) -> float:
    raw = response.headers.get("retry-after") or ""
    value = (raw[0] if raw else "") if isinstance(raw, list) else raw
    value = value.strip()
    if not value:
        return default
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return default


class Pacer:
    """Spaces requests at most ``requests_per_second`` apart (0 = unthrottled); the
    time waited is booked on the ledger."""

    def __init__(self, ledger: RequestLedger, requests_per_second: float = 0.0) -> None:
        self._ledger = ledger
        self._interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self._interval:
            return
        with self._lock:
            now = time.monotonic()
            wait = self._next_slot - now
            self._next_slot = max(now, self._next_slot) + self._interval
        if wait > 0:
            self._ledger.waited_seconds += wait
            time.sleep(wait)  # pacing a remote target, not waiting on a condition


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that enforces the target's host allowlist, request budget,
    pace and 429 handling around a real transport."""

    def __init__(
        self,
        allowed_hosts: frozenset[str],
        ledger: RequestLedger,
        requests_per_second: float = 0.0,
        inner: httpx.BaseTransport | None = None,
    ) -> None:
        self._allowed = allowed_hosts
        self._ledger = ledger
        self._pacer = Pacer(ledger, requests_per_second)
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host not in self._allowed:
            raise PolicyViolation(
                f"refusing to send a request to {host}: not a host of the target profile "
                f"(allowed: {', '.join(sorted(self._allowed))})"
            )
        for attempt in range(MAX_RATE_LIMIT_RETRIES + 1):
            self._ledger.spend()
            self._pacer.wait()
            response = self._inner.handle_request(request)
            if response.status_code != 429 or attempt == MAX_RATE_LIMIT_RETRIES:
                return response
            delay = retry_after_seconds(response)
            if delay > MAX_RETRY_AFTER_SECONDS:
                return response
            response.close()
            self._ledger.rate_limited += 1
            self._ledger.waited_seconds += delay
            time.sleep(delay)  # the server said when to come back: Retry-After
        return response  # pragma: no cover - loop always returns

    def close(self) -> None:
        self._inner.close()


def client(
    base_url: str,
    *,
    allowed_hosts: frozenset[str],
    ledger: RequestLedger,
    timeout: float,
    requests_per_second: float = 0.0,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An httpx client bound to one origin of the target, under the policy."""
    return httpx.Client(
        base_url=base_url,
        transport=PolicyTransport(allowed_hosts, ledger, requests_per_second),
        timeout=httpx.Timeout(timeout),
        headers=headers,
        follow_redirects=False,
    )


def answered(response: httpx.Response, carries: dict[str, str], code_key: str) -> str:
    """What an API answered, in one redacted line for a failure message: a body holding
    one of ``carries``' keys is named by its words (never shown: links and tokens), an
    error by its ``code_key`` and message, anything else by its type and size."""
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if isinstance(body, dict):
        for key, words in carries.items():
            if key in body:
                return f"{status} with {words}"
        if code_key in body or "message" in body:
            return redact(f"{status} {body.get(code_key)}: {str(body.get('message'))[:120]!r}")
    kind = response.headers.get("content-type", "no content type")
    return f"{status} with a {kind} body of {len(response.content)} bytes"


def describe(response: httpx.Response) -> str:
    """One redacted line about an answer, for failure messages."""
    body = response.text[:300].replace("\n", " ")
    return redact(f"{response.request.method} {response.request.url.path} -> {response.status_code}: {body}")
