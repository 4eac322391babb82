"""Watching a browser: where it went, and everything it sent, received, stored and showed.

Every browser context the suite opens is metered (:class:`Meter`): its requests to the
target's hosts count against the run's request budget and keep its pace.

Two levels, both handed out by the ``browser_watch`` fixture:

* :class:`Watch` attaches to any browser context. It notes every request the browser
  makes, and it blocks (and notes) every request to a host that is not one of the
  target's, so a browser sent off the target never leaves the machine and the step can
  say where it was sent.
* :class:`Recording` is a browser context created to be recorded in full, for the leak
  checks of SSO-18: every request with its headers and body and every response with its
  headers and text body (Playwright's HAR, in a temporary file deleted as soon as it is
  read, because it holds the sign-in form's password), the page and its web storage
  after every load, and the cookie jar at the end.

Why a HAR and not response events: a handler of the sync API runs only when the test
next talks to the browser, and by then Chromium has dropped the bodies of the pages it
has left; the HAR is written inside the Playwright driver as the responses arrive.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Request, Route
from playwright.sync_api import Error as PlaywrightError

from suite.http import RequestLedger
from suite.target import Target

BINDING = "__suiteWatchSnapshot"
# Sends the page and its web storage to the recorder after every load. Runs in every
# frame of the recorded context before the page's own scripts.
SNAPSHOT_SCRIPT = f"""
(() => {{
  const read = (what) => {{ try {{ return what(); }} catch (e) {{ return ""; }} }};
  window.addEventListener("load", () => {{
    const send = window["{BINDING}"];
    if (typeof send !== "function") return;
    send({{
      url: location.href,
      html: read(() => document.documentElement.outerHTML),
      local: read(() => JSON.stringify(Object.entries(localStorage))),
      session: read(() => JSON.stringify(Object.entries(sessionStorage))),
    }});
  }});
}})();
"""
TEXT_TYPES = re.compile(r"^(text/|application/(json|javascript|xml|x-www-form-urlencoded)|[^;]*\+(json|xml))", re.I)


@dataclass(frozen=True)
class Item:
    """One thing the browser saw, sent or kept; ``where`` names it without its value."""

    where: str
    text: str


class Places:
    """Names the target's origins the way a person would ("the partner app")."""

    def __init__(self, target: Target) -> None:
        self._names = {
            urlsplit(url).netloc: name
            for name, url in (
                ("the partner app", target.urls.partner_app),
                ("the Nomos portal", target.urls.nomos_portal),
                ("the Nomos API", target.urls.nomos_api),
                ("NOX", target.urls.nox),
                ("the manufacturer app", target.urls.manufacturer_app),
            )
        }
        self.hosts = frozenset(urlsplit(url).hostname or "" for url in vars(target.urls).values() if url)

    def of(self, url: str) -> str:
        """``/portal on the partner app``: path and party, never the query (it may hold a token)."""
        parts = urlsplit(url)
        party = self._names.get(parts.netloc, parts.hostname or parts.scheme)
        return f"{parts.path or '/'} on {party}"

    def is_foreign(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https", "ws", "wss") and (parts.hostname or "") not in self.hosts


class Watch:
    """Where one browser context went; requests to other hosts are blocked and noted."""

    def __init__(self, context: BrowserContext, places: Places, *, block_foreign: bool = True) -> None:
        self.places = places
        self._requests: list[Request] = []
        self._blocked: list[str] = []
        context.on("request", self._note)
        if block_foreign:
            context.route(places.is_foreign, self._block)

    def _note(self, request: Request) -> None:
        self._requests.append(request)

    def _block(self, route: Route) -> None:
        self._blocked.append(route.request.url)
        route.abort("blockedbyclient")

    def mark(self) -> int:
        """A point in the history, to ask later what happened since."""
        return len(self._requests)

    def navigations(self, since: int = 0) -> list[str]:
        """Addresses the top-level page went through since the mark, redirects included."""
        found = []
        for request in self._requests[since:]:
            with contextlib.suppress(PlaywrightError):
                if request.is_navigation_request() and request.frame.parent_frame is None:
                    found.append(request.url)
        return found

    def requested(self, since: int = 0) -> list[str]:
        return [request.url for request in self._requests[since:]]

    def foreign(self) -> list[str]:
        """Hosts and paths outside the target the browser tried to reach (blocked)."""
        seen: list[str] = []
        for url in self._blocked:
            parts = urlsplit(url)
            where = f"{parts.hostname}{parts.path}"
            if where not in seen:
                seen.append(where)
        return seen


@dataclass
class Recording:
    """A browser context recorded in full; :meth:`finish` closes it and returns what it saw."""

    context: BrowserContext
    page: Page
    har: Path
    places: Places
    snapshots: list[dict[str, str]] = field(default_factory=list)
    finished: bool = False

    def _snapshot(self, source: object, data: dict[str, str]) -> None:
        self.snapshots.append(data)

    def _final_snapshot(self) -> None:
        with contextlib.suppress(PlaywrightError):
            self.snapshots.append({
                "url": self.page.url,
                "html": self.page.content(),
                "local": self.page.evaluate("() => { try { return JSON.stringify(Object.entries(localStorage)); } "
                                            "catch (e) { return ''; } }"),
                "session": self.page.evaluate("() => { try { return JSON.stringify(Object.entries(sessionStorage)); } "
                                              "catch (e) { return ''; } }"),
            })

    def finish(self) -> list[Item]:
        """Everything recorded: network (HAR), pages and storage, cookies."""
        self._final_snapshot()
        cookies = self.context.cookies()
        self.close()
        items = [Item(f"the cookie {c['name']!r} of {c['domain']}", c["value"]) for c in cookies]
        for snap in self.snapshots:
            where = self.places.of(snap.get("url", ""))
            items += [
                Item(f"the address of the page {where}", snap.get("url", "")),
                Item(f"the page {where} as shown", snap.get("html", "")),
                Item(f"the local storage of {where}", snap.get("local", "")),
                Item(f"the session storage of {where}", snap.get("session", "")),
            ]
        return items + self._network()

    def close(self) -> None:
        if not self.finished:
            self.finished = True
            with contextlib.suppress(PlaywrightError):
                self.context.close()  # writes the HAR

    def _network(self) -> list[Item]:
        try:
            entries = json.loads(self.har.read_text(encoding="utf-8"))["log"]["entries"]
        finally:
            self.har.unlink(missing_ok=True)
        items = []
        for entry in entries:
            request, response = entry["request"], entry["response"]
            what = f"{request['method']} {self.places.of(request['url'])}"
            items += [
                Item(f"the address of the request {what}", request["url"]),
                Item(f"the headers of the request {what}", _headers(request.get("headers", []))),
                Item(f"the body of the request {what}", (request.get("postData") or {}).get("text", "")),
                Item(f"the headers of the response to {what}", _headers(response.get("headers", []))),
                Item(f"the response to {what}", _content(response.get("content", {}))),
            ]
        return [item for item in items if item.text]


def _headers(headers: list[dict[str, str]]) -> str:
    return "\n".join(f"{h['name']}: {h['value']}" for h in headers)


def _content(content: Mapping[str, Any]) -> str:
    text = content.get("text", "")
    if not text:
        return ""
    if content.get("encoding") == "base64":
        try:
            raw = base64.b64decode(text)
        except (binascii.Error, ValueError):
            return ""
        if not TEXT_TYPES.match(content.get("mimeType", "")):
            return raw.decode("latin-1")  # binary: still searchable for ASCII tokens
        return raw.decode("utf-8", errors="replace")
    return text


def find(items: list[Item], patterns: Mapping[str, re.Pattern[str]]) -> list[str]:
    """Findings like "a JWT-shaped value appeared in the response to GET /portal on the
    partner app": what was found and where, never the value itself."""
    findings = []
    for item in items:
        for what, pattern in patterns.items():
            if pattern.search(item.text):
                finding = f"{what} appeared in {item.where}"
                if finding not in findings:
                    findings.append(finding)
    return findings


@dataclass
class Watches:
    """The ``browser_watch`` fixture: watches and recordings for one scenario."""

    target: Target
    new_context: Callable[..., BrowserContext]
    folder: Path
    _watches: dict[int, Watch] = field(default_factory=dict)
    _recordings: list[Recording] = field(default_factory=list)

    @property
    def places(self) -> Places:
        return Places(self.target)

    def watch(self, page: Page, *, block_foreign: bool = True) -> Watch:
        """The watch on this page's browser context (attached on first use). Flows that
        pass through pages the profile cannot name (a manufacturer's own sign-in page)
        watch without blocking other hosts."""
        key = id(page.context)
        if key not in self._watches:
            self._watches[key] = Watch(page.context, self.places, block_foreign=block_foreign)
        return self._watches[key]

    def recording(self) -> Recording:
        """A new browser context, recorded in full and watched."""
        har = self.folder / f"recording-{len(self._recordings) + 1}.har"
        context = self.new_context(record_har_path=str(har), record_har_content="embed")
        recording = Recording(context=context, page=context.new_page(), har=har, places=self.places)
        context.expose_binding(BINDING, recording._snapshot)
        context.add_init_script(SNAPSHOT_SCRIPT)
        self._recordings.append(recording)
        self.watch(recording.page)
        return recording

    def close(self) -> None:
        """Close what is still open and delete every HAR: they hold the sign-in password."""
        for recording in self._recordings:
            recording.close()
            recording.har.unlink(missing_ok=True)


class Meter:
    """Books every request a browser context sends to the target's hosts on the run's
    ledger (suite/http.py), like the API clients' requests.

    On a paced target (``requests_per_second`` > 0) a route holds each request until its
    slot of the run's pace and blocks it once the run's budget is spent; a route sees only
    the first request of a redirect chain, so a request is let through only while the
    budget has room for the redirects that may follow, and the hops are counted as the
    browser reports them. On an unpaced target (the embedded sandbox) the requests are
    only counted as the browser reports them: holding each one costs every page load
    (measured: about 30 ms a navigation), and the run still stops once one is over the
    budget, after the test that sent it.
    """

    REDIRECT_ROOM = 5  # the suite's longest redirect chain (SSO: app, API, portal) and then some

    def __init__(self, context: BrowserContext, hosts: frozenset[str], ledger: RequestLedger) -> None:
        self._hosts = hosts
        self._ledger = ledger
        self._held = ledger.interval > 0
        if self._held:
            context.route(self._is_target, self._book)
        context.on("request", self._count)

    def _is_target(self, url: str) -> bool:
        return (urlsplit(url).hostname or "") in self._hosts

    def _book(self, route: Route) -> None:
        wait = self._ledger.reserve("browser", keep=self.REDIRECT_ROOM)
        if wait is None:
            route.abort("blockedbyclient")  # the run's budget is spent: suite/budget.py stops the run
            return
        if wait > 0:
            time.sleep(wait)  # the run's pace (requests_per_second), as for the API clients
        route.fallback()

    def _count(self, request: Request) -> None:
        booked = self._held and request.redirected_from is None  # booked by the route already
        if not booked and self._is_target(request.url):
            self._ledger.note("browser")


@pytest.fixture
def new_context(
    new_context: Callable[..., BrowserContext], target: Target, ledger: RequestLedger
) -> Callable[..., BrowserContext]:
    """pytest-playwright's ``new_context`` (and so ``context`` and ``page``), every
    context metered against the run's request budget."""
    hosts = Places(target).hosts

    def metered(**kwargs: Any) -> BrowserContext:
        context = new_context(**kwargs)
        Meter(context, hosts, ledger)
        return context

    return metered


@pytest.fixture
def browser_watch(
    target: Target, new_context: Callable[..., BrowserContext], tmp_path: Path
) -> Iterator[Watches]:
    watches = Watches(target, new_context, tmp_path)
    yield watches
    watches.close()
