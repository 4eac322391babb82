"""Staging is somebody's: the suite's HTTP clients honour 429 and Retry-After, stay
within the request budget, and refuse hosts the target profile does not declare."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import sandbox
from sandbox.server import Sandbox
from suite.http import BudgetSpent, PolicyViolation, RequestLedger, client, retry_after_seconds


@pytest.fixture(scope="module")
def busy() -> Iterator[Sandbox]:
    with sandbox.start(rate_limit_every=2) as running:
        yield running


def test_rate_limited_requests_wait_and_succeed(busy: Sandbox) -> None:
    ledger = RequestLedger(budget=100)
    host = frozenset({"127.0.0.1"})
    with client(busy.urls.control, allowed_hosts=host, ledger=ledger, timeout=5) as control:
        assert control.get("/health").status_code == 200  # control is never rate-limited
    nox_host = frozenset({httpx.URL(busy.urls.nox).host})
    with client(busy.urls.nox, allowed_hosts=nox_host, ledger=ledger, timeout=5) as nox:
        answers = [nox.post("/v2/supplier/link-sessions", json={}).status_code for _ in range(4)]
    assert 429 not in answers, answers
    assert ledger.rate_limited >= 1 and ledger.waited_seconds >= 1
    assert busy.rate_limits["nox"].refused == ledger.rate_limited


def test_undeclared_host_is_refused_before_sending() -> None:
    ledger = RequestLedger(budget=10)
    other = client("http://127.0.0.9:1", allowed_hosts=frozenset({"127.0.0.5"}), ledger=ledger, timeout=1)
    with other, pytest.raises(PolicyViolation, match="not a host of the target profile"):
        other.get("/")
    assert ledger.sent == 0


def test_budget_is_a_hard_limit(sbx: Sandbox) -> None:
    ledger = RequestLedger(budget=2)
    with client(sbx.urls.control, allowed_hosts=frozenset({"127.0.0.1"}), ledger=ledger, timeout=5) as control:
        control.get("/health")
        control.get("/health")
        with pytest.raises(BudgetSpent, match="request budget of 2"):
            control.get("/health")


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("", 1.0), ("soon", 1.0)])
def test_retry_after_forms(header: str, seconds: float) -> None:
    response = httpx.Response(429, headers={"retry-after": header} if header else {})
    assert retry_after_seconds(response) == seconds
