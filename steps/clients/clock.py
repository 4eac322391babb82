"""The target's test clock (interfaces.md §3), when it has one."""

from __future__ import annotations

import httpx

from suite.http import describe


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
        response = self._http.post(self._url, json={"advance_seconds": seconds})  # type: ignore[union-attr]
        assert response.status_code == 200, f"the test clock did not move: {describe(response)}"
        return int(response.json()["now"])
