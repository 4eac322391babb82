"""Fixtures for the project's own tests of the sandbox: a running sandbox and HTTP clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import sandbox
from sandbox.server import Sandbox


@pytest.fixture(scope="session")
def sbx() -> Iterator[Sandbox]:
    """One fault-free sandbox for the whole selftest session."""
    with sandbox.start() as running:
        yield running


@pytest.fixture
def faulty_sandbox() -> Iterator[object]:
    """Start a sandbox with the given faults: ``faulty_sandbox("name", ...)``."""
    started: list[Sandbox] = []

    def _start(*faults: str) -> Sandbox:
        running = sandbox.start(faults)
        started.append(running)
        return running

    yield _start
    for running in started:
        running.stop()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client that does not follow redirects, so tests see every hop."""
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client
