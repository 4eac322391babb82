"""How a portal's ``next`` check goes wrong (SEC-01): the regressions an attacker's
spellings of another website's address slip through, each a fault of its own.

The portal itself (``nomos_portal``) follows ``next`` only when it is a path on the
portal (:func:`sandbox.parties.nomos_portal.safe_next`); with one of these faults on,
:func:`escape` names the address a broken check lets through, and the portal sends it
verbatim in ``Location``, as a server that does not encode it would. The browser then
reads it the WHATWG way: ``\\`` as ``/``, a tab dropped, another scheme as absolute.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from sandbox.faults import Fault
from sandbox.world import World

FAULTS: list[Fault] = [
    Fault("portal-next-backslash", ("SEC-01",),
          "next=/\\evil.example passes the check, and the browser reads it as //evil.example"),
    Fault("portal-next-checked-encoded", ("SEC-01",),
          "the check reads next still percent-encoded (/%2Fevil.example) and the redirect decoded (//evil.example)"),
    Fault("portal-next-decoded-twice", ("SEC-01",),
          "next is decoded once more after the check: /%252Fevil.example ends as //evil.example"),
    Fault("portal-next-scheme-without-slashes", ("SEC-01",),
          "the check looks only for '//': https:evil.example passes and the browser goes there"),
    Fault("portal-next-own-prefix", ("SEC-01",),
          "an address starting with the portal's own is trusted: <portal>@evil.example goes to evil.example"),
    Fault("portal-next-control-characters", ("SEC-01",),
          "the check misses a tab: /<tab>/evil.example passes, and the browser drops the tab"),
    Fault("portal-next-lookalike", ("SEC-01",),
          "next is normalised (NFKC) after the check: a full-width slash becomes a slash, /\uff0fevil.example "
          "ends as //evil.example"),
]


def _path(value: str) -> bool:
    """The first half of a check: starts like a path, not like a protocol-relative address."""
    return value.startswith("/") and not value.startswith("//")


def _raw_query_value(request: Request, name: str) -> str | None:
    for pair in request.url.query.split("&"):
        key, _, value = pair.partition("=")
        if key == name:
            return value
    return None


def escape(world: World, request: Request, wanted: str | None) -> str | None:
    """The address a broken check would follow for ``next=wanted``; None when none does."""
    if not wanted:
        return None
    raw = _raw_query_value(request, "next") or ""
    normalised = unicodedata.normalize("NFKC", wanted)
    if world.faulty("portal-next-backslash") and _path(wanted) and "\\" in wanted:
        return wanted
    if world.faulty("portal-next-checked-encoded") and _path(raw) and "%" in raw:
        return wanted
    if world.faulty("portal-next-decoded-twice") and _path(wanted) and "%" in wanted:
        return unquote(wanted)
    if world.faulty("portal-next-scheme-without-slashes") and ":" in wanted and "//" not in wanted and "\\" not in wanted:
        return wanted
    if world.faulty("portal-next-own-prefix") and wanted.startswith(world.urls.nomos_portal):
        return wanted
    if world.faulty("portal-next-control-characters") and _path(wanted) and "\t" in wanted:
        return wanted
    if world.faulty("portal-next-lookalike") and _path(wanted) and normalised != wanted:
        return normalised
    return None


def verbatim_redirect(location: str) -> Response:
    """A 303 whose ``Location`` is exactly ``location`` (not percent-encoded)."""
    return Response(status_code=303, headers={"location": location})
