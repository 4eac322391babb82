"""The API clients' fixtures, one per vendor API plus the test clock: each client gets an
``httpx`` client under the suite's policy (suite/http.py: the target's hosts only, the
run's budget and pace, the profile's timeout). A plugin of the root conftest."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.clients.nox import NoxClient
from suite import http as policy
from suite.keys import keeper_of
from suite.target import Target, allowed_hosts


def _http(target: Target, ledger: policy.RequestLedger, base_url: str) -> httpx.Client:
    return policy.client(
        base_url,
        allowed_hosts=allowed_hosts(target),
        ledger=ledger,
        timeout=target.limits.request_timeout_seconds,
    )


@pytest.fixture(scope="session")
def nomos(target: Target, ledger: policy.RequestLedger, pytestconfig: pytest.Config) -> Iterator[NomosClient]:
    with _http(target, ledger, target.urls.nomos_api) as http:
        yield NomosClient(target, http, keeper_of(pytestconfig).moves)


@pytest.fixture(scope="session")
def nox(target: Target, ledger: policy.RequestLedger) -> Iterator[NoxClient]:
    with _http(target, ledger, target.urls.nox) as http:
        yield NoxClient(target, http)


@pytest.fixture(scope="session")
def clock(target: Target, ledger: policy.RequestLedger, pytestconfig: pytest.Config) -> Iterator[ClockClient]:
    moves = keeper_of(pytestconfig).moves
    if target.urls.clock is None:
        yield ClockClient(None, None, moves)
        return
    with _http(target, ledger, target.urls.clock) as http:
        yield ClockClient(http, target.urls.clock, moves)
