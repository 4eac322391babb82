"""The target's test clock (interfaces.md §3), when it has one, and how often this
process knows it to have moved (cached tokens compare that: steps/clients/nomos.py)."""

from __future__ import annotations

import httpx

from suite.http import describe

_MOVES = [0]


def time_moves() -> int:
    """A number that changes whenever the target's clock moved: by this process, or (on a
    shared clock) by another since this process's test began (suite/clock.py)."""
    return _MOVES[0]


def moved_elsewhere(total: int) -> None:
    """Others moved the shared clock: ``total`` moves so far, as its movers counted."""
    _MOVES[0] = max(_MOVES[0], total)


class NoClock(Exception):
    """The target offers no test clock."""


class ClockClient:
    def __init__(self, http: httpx.Client | None, clock_url: str | None) -> None:
        self._http = http
        self._url = clock_url

    @property
    def available(self) -> bool:
        return self._http is not None and self._url is not None

    def now(self) -> int:
        if not self.available:
            raise NoClock("this target has no test clock")
        response = self._http.get(self._url)  # type: ignore[union-attr]
        assert response.status_code == 200, f"the test clock did not answer: {describe(response)}"
        return int(response.json()["now"])

    def advance(self, seconds: int) -> int:
        if not self.available:
            raise NoClock("this target has no test clock")
        _MOVES[0] += 1  # counted even if it fails: a token fetched again costs one request
        response = self._http.post(self._url, json={"advance_seconds": seconds})  # type: ignore[union-attr]
        assert response.status_code == 200, f"the test clock did not move: {describe(response)}"
        return int(response.json()["now"])
