"""The sweep's fixtures: how it reaches the target (steps/reach.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from steps.clients.nox import NoxClient
from steps.reach import Reach
from suite import http as policy
from suite.target import Target


@pytest.fixture(scope="session")
def reach(target: Target, ledger: policy.RequestLedger, nox: NoxClient) -> Iterator[Reach]:
    reaching = Reach(target, ledger, nox)
    yield reaching
    reaching.close()
