"""A browser's cookies as a server set them (SEC-07, SEC-08): which cookies hold a
signed-in session, the attributes each was set with, and putting an old one back.

A session cookie is found by what it does, not by its name (no vendor names one): it is
a cookie of the party's host without which the browser is signed out. Its attributes
are read from the ``Set-Cookie`` headers the browser received (a browser reports a
``SameSite`` it assumed, not the one the server sent).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import BrowserContext, Page, Response

Cookie = dict[str, Any]


@dataclass
class SetCookies:
    """Every ``Set-Cookie`` header a browser context receives from now on."""

    context: BrowserContext
    _responses: list[Response] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.context.on("response", self._note)

    def _note(self, response: Response) -> None:
        self._responses.append(response)

    def attributes(self, host: str, name: str) -> list[str] | None:
        """The attributes (lower case, ``samesite=lax`` style) of the last ``Set-Cookie``
        of ``host`` that set ``name``; None when none did."""
        found: list[str] | None = None
        for response in self._responses:
            if urlsplit(response.url).netloc != host:
                continue
            for header in response.headers_array():
                if header["name"].lower() != "set-cookie":
                    continue
                parts = [p.strip() for p in header["value"].split(";")]
                if parts and parts[0].split("=", 1)[0].strip() == name:
                    found = [p.lower().replace(" ", "") for p in parts[1:]]
        return found


def session_cookies(page: Page, url: str, signed_in: Callable[[], bool]) -> list[Cookie]:
    """The cookies of ``url``'s host without which ``signed_in()`` turns False (each tried
    alone and put back); all of them when only removing them together signs out."""
    context = page.context
    cookies = list(context.cookies(url))
    found = []
    for cookie in cookies:
        context.clear_cookies(name=cookie["name"], domain=cookie["domain"], path=cookie["path"])
        try:
            if not signed_in():
                found.append(cookie)
        finally:
            context.add_cookies([cookie])
    return found or cookies

