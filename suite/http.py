"""The HTTP policy every request of the suite goes through: the httpx clients of the
steps and Schemathesis' transport of the contract tests (suite/contract.py) alike.

Staging is somebody's: the suite only talks to the hosts its target profile declares,
spends at most the profile's request budget for the whole run (every worker, the
browser included: suite/budget.py), paces itself at the profile's requests per second
across the run, honours 429 with ``Retry-After`` (within limits), and never waits
forever on a slow answer.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Protocol, TypeVar

import httpx

from suite.redaction import redact

# 429s retried per request before the answer is handed to the caller as it is.
MAX_RATE_LIMIT_RETRIES = 3
# Longest Retry-After the suite will honour; a longer one fails the request clearly.
MAX_RETRY_AFTER_SECONDS = 30.0


class PolicyViolation(Exception):
    """The suite was about to break its own rules for a target (an undeclared host)."""


class BudgetSpent(BaseException):
    """The run's request budget is spent. A BaseException, so that neither a step's
    ``except Exception`` nor Hypothesis takes it for a failure of the system under test:
    suite/budget.py ends the run with its message."""


class RequestLedger:
    """The run's request budget and pace, shared by every process of one run.

    With a ``path`` (a file the controller creates and hands to its xdist workers) the
    count of requests sent and the next free sending slot live in that file, under an
    exclusive lock; without one, in this process. ``requests_per_second`` spaces every
    request of the run that far apart (0: unthrottled). What this process sent, waited
    and was refused is counted here too, for the per-test accounting.
    """

    RECORD = struct.Struct("<qd")  # requests sent by the run; next free slot (time.monotonic)

    def __init__(self, budget: int, requests_per_second: float = 0.0, path: Path | None = None,
                 raise_hint: str = "[limits] request_budget in the target profile") -> None:
        self.budget = budget
        self.interval = 1.0 / requests_per_second if requests_per_second > 0 else 0.0
        self.raise_hint = raise_hint
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600) if path is not None else None
        self._state = (0, 0.0)  # without a file
        self._lock = threading.Lock()
        self.by_source: Counter[str] = Counter()  # sent by this process
        self.refused = 0  # requests this process could not send: the budget was spent
        self.rate_limited = 0
        self.waited_seconds = 0.0

    # -------------------------------------------------------------- the shared record

    def _update(self, change: Callable[[int, float], tuple[int, float]]) -> tuple[int, float]:
        """Apply ``change`` to (sent, next slot) atomically across the run; the old record."""
        with self._lock:
            if self._fd is None:
                old = self._state
                self._state = change(*old)
                return old
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                raw = os.pread(self._fd, self.RECORD.size, 0)
                old = self.RECORD.unpack(raw) if len(raw) == self.RECORD.size else (0, 0.0)
                new = change(*old)
                if new != old:
                    os.pwrite(self._fd, self.RECORD.pack(*new), 0)
                return old
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    @property
    def sent(self) -> int:
        """Requests the whole run has sent (or booked) so far."""
        return self._update(lambda sent, slot: (sent, slot))[0]

    @property
    def spent(self) -> bool:
        return self.sent >= self.budget

    def message(self) -> str:
        return (f"request budget of {self.budget} requests for this run is spent; raise {self.raise_hint} "
                "if the run really needs more, or select fewer tests (-m, -k)")

    # ------------------------------------------------------------------ booking

    def reserve(self, source: str = "api", keep: int = 0) -> float | None:
        """Book one request of the run and its sending slot: the seconds to wait before
        sending, or None when the budget is spent (nothing booked). ``keep`` leaves that
        many requests of the budget unbooked (room for the redirects a browser follows)."""
        now = time.monotonic()
        limit = self.budget - keep

        def book(sent: int, slot: float) -> tuple[int, float]:
            if sent >= limit:
                return sent, slot
            return sent + 1, (max(now, slot) + self.interval) if self.interval else slot

        sent, slot = self._update(book)
        if sent >= limit:
            self.refused += 1
            return None
        self.by_source[source] += 1
        return max(0.0, slot - now) if self.interval else 0.0

    def spend(self, source: str = "api") -> None:
        """Book one request and wait for its slot; raise :class:`BudgetSpent` when the
        run's budget is spent."""
        wait = self.reserve(source)
        if wait is None:
            raise BudgetSpent(self.message())
        if wait > 0:
            self.waited_seconds += wait
            time.sleep(wait)  # pacing a shared target across the run, not waiting on a condition

    def note(self, source: str = "browser") -> None:
        """Count a request already on its way (a browser's redirect hop): never refused,
        but one past the budget marks this process as refused."""
        sent, _ = self._update(lambda sent, slot: (sent + 1, slot))
        self.by_source[source] += 1
        if sent >= self.budget:
            self.refused += 1

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


class Answer(Protocol):
    """An HTTP answer of any client (httpx, requests, Schemathesis' lists of values):
    its status and headers are read."""

    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str] | Mapping[str, list[str]]: ...


class Counts(Protocol):
    """Where a caller wants one exchange's requests and waits counted too."""

    requests: int
    rate_limited: int
    waited_seconds: float


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


R = TypeVar("R", bound=Answer)


class Policy:
    """The one HTTP policy of a target: host allowlist, the run's budget and pace, and
    429 with ``Retry-After``, around any way of sending a request."""

    def __init__(self, allowed_hosts: frozenset[str], ledger: RequestLedger) -> None:
        self.allowed = allowed_hosts
        self.ledger = ledger

    def check_host(self, host: str) -> None:
        if host not in self.allowed:
            raise PolicyViolation(
                f"refusing to send a request to {host}: not a host of the target profile "
                f"(allowed: {', '.join(sorted(self.allowed))})")

    def send(self, host: str, attempt: Callable[[], R], counts: Counts | None = None, source: str = "api") -> R:
        """Send by calling ``attempt`` (once per try), within the policy."""
        self.check_host(host)
        for tries in range(MAX_RATE_LIMIT_RETRIES + 1):
            self.ledger.spend(source)
            response = attempt()
            if counts is not None:
                counts.requests += 1
            if response.status_code != 429 or tries == MAX_RATE_LIMIT_RETRIES:
                break
            delay = retry_after_seconds(response)
            if delay > MAX_RETRY_AFTER_SECONDS:
                break
            close = getattr(response, "close", None)
            if callable(close):
                close()
            self.ledger.rate_limited += 1
            self.ledger.waited_seconds += delay
            if counts is not None:
                counts.rate_limited += 1
                counts.waited_seconds += delay
            time.sleep(delay)  # the server said when to come back: Retry-After
        return response


class PolicyTransport(httpx.BaseTransport):
    """An httpx transport that sends through the target's :class:`Policy`."""

    def __init__(self, policy: Policy, inner: httpx.BaseTransport | None = None) -> None:
        self._policy = policy
        self._inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self._policy.send(request.url.host, lambda: self._inner.handle_request(request))

    def close(self) -> None:
        self._inner.close()


def client(
    base_url: str,
    *,
    allowed_hosts: frozenset[str],
    ledger: RequestLedger,
    timeout: float,
    headers: dict[str, str] | None = None,
) -> httpx.Client:
    """An httpx client bound to one origin of the target, under the policy."""
    return httpx.Client(
        base_url=base_url,
        transport=PolicyTransport(Policy(allowed_hosts, ledger)),
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
