"""The target's test clock (interfaces.md §3), when it has one. Each move is counted in
the process's :class:`suite.clock.Moves` (cached tokens compare it: steps/clients/nomos.py)."""

from __future__ import annotations

import httpx

from suite.clock import Moves
from suite.http import describe


class NoClock(Exception):
    """The target offers no test clock."""


class ClockClient:
    def __init__(self, http: httpx.Client | None, clock_url: str | None, moves: Moves) -> None:
        self._http = http
        self._url = clock_url
        self._moves = moves

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
        self._moves.moved()
        response = self._http.post(self._url, json={"advance_seconds": seconds})  # type: ignore[union-attr]
        assert response.status_code == 200, f"the test clock did not move: {describe(response)}"
        return int(response.json()["now"])
