"""The depth feature's words, mapped to values: the spellings of another website's
address an attacker writes into a magic link's ``next``, the time limits and their edges,
and what makes a token guessable.

Each mapping fails with the list of known words when a feature names an unknown one.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from suite.target import Target

HER = r"(?:her|his)"
PERSONA_BROWSER = r"(?P<persona>[A-Z]\w*)"
# Where the spellings lead: a host no target has, which the suite's browser blocks.
ELSEWHERE = "evil.example"


def _spellings(portal: str) -> dict[str, list[str]]:
    """Raw ``next`` query text per spelling, as it appears in the link (already
    percent-encoded where a browser would encode it)."""
    host, e = urlsplit(portal).netloc, ELSEWHERE
    return {
        "as a full address": [quote(f"https://{e}/account", safe=""), f"http://{e}/account"],
        "without its scheme": [f"//{e}/account", f"///{e}/account"],
        "with backslashes": [f"%5C%5C{e}/account", f"/%5C{e}/account"],
        "with slashes and backslashes mixed": [f"%5C/{e}/account", f"/%5C/{e}/account", f"/%2F%5C{e}/account"],
        "with percent-encoded slashes": [f"%2F%2F{e}%2Faccount", f"/%2F{e}/account"],
        "with double-encoded slashes": [f"%252F%252F{e}%252Faccount", f"/%252F{e}/account"],
        "with no slashes after its scheme": [f"https:{e}/account", f"http:{e}/account"],
        "after the portal's own address and an @": [quote(f"{portal}@{e}/account", safe=":/@"), f"//{host}@{e}/account"],
        "with whitespace and control characters": [f"/%09/{e}/account", f"%20//{e}/account", f"/%0A/{e}/account",
                                                   f"%00//{e}/account"],
        "with look-alike characters": [f"/%EF%BC%8F{e}/account", f"%EF%BC%8F%EF%BC%8F{e}/account",
                                       f"/%E2%88%95{e}/account", f"//{e}%E3%80%82/account"],
    }


def spellings(written: str, portal: str) -> list[str]:
    known = _spellings(portal)
    if written not in known:
        raise AssertionError(f"the feature names spelling {written!r}; known: {', '.join(known)}")
    return known[written]


def with_raw_next(link: str, raw: str) -> str:
    """The magic link with its ``next`` replaced by ``raw`` exactly as written (other
    parameters untouched, in their order)."""
    parts = urlsplit(link)
    kept = [pair for pair in parts.query.split("&") if pair and pair.split("=", 1)[0] != "next"]
    return parts._replace(query="&".join([*kept, f"next={raw}"])).geturl()


# ---------------------------------------------------------------- time limits

MAGIC_LINK = "the magic link's lifetime"
PORTAL_SESSION = "the portal session's lifetime"
LINK_SESSION = "the link session's lifetime"
SIGN_IN_WINDOW = "the sign-in window"
ACCESS_TOKEN = "the access token's lifetime"
LIMITS = (MAGIC_LINK, PORTAL_SESSION, LINK_SESSION, SIGN_IN_WINDOW, ACCESS_TOKEN)


def profile_limit(words: str, target: Target) -> int:
    """Seconds of a limit the target profile gives (the access token's is in its answer)."""
    known: dict[str, Callable[[], int]] = {
        MAGIC_LINK: lambda: target.magic_link_lifetime,
        PORTAL_SESSION: lambda: target.portal_session_lifetime,
        LINK_SESSION: lambda: target.link_session_lifetime,
        SIGN_IN_WINDOW: lambda: target.sign_in_window,
    }
    if words not in known:
        raise AssertionError(f"the feature names limit {words!r}; known: {', '.join(known)}")
    return known[words]()


# -------------------------------------------------------------------- tokens

MIN_BITS = 128  # RFC 6749 §10.10, RFC 6819 §5.1.4.2.2
SHARED_RUN = 8  # leading or trailing characters two random tokens share about never
ALPHABETS = (
    ("digits", string.digits),
    ("hex", string.digits + "abcdef"),
    ("HEX", string.digits + "ABCDEF"),
    ("base32", string.ascii_uppercase + "234567"),
    ("alphanumeric", string.ascii_letters + string.digits),
    ("base64url", string.ascii_letters + string.digits + "-_"),
    ("base64", string.ascii_letters + string.digits + "+/="),
)


def bits(tokens: list[str]) -> float:
    """Entropy of the shortest token, by the smallest usual alphabet all the tokens fit."""
    used = set("".join(tokens))
    size = next((len(chars) for _, chars in ALPHABETS if used <= set(chars)), len(used | set(string.printable)))
    return min(len(t) for t in tokens) * math.log2(max(size, 2))


def _shared(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def guessable(tokens: list[str], what: str) -> list[str]:
    """Why the tokens could be guessed, one phrase each ('' when they look random)."""
    problems = []
    if len(set(tokens)) < len(tokens):
        problems.append(f"{len(tokens) - len(set(tokens))} of the {len(tokens)} {what} repeat an earlier one")
    strength = bits(tokens)
    if strength < MIN_BITS:
        problems.append(f"the shortest of the {what} ({min(map(len, tokens))} characters) carries about "
                        f"{strength:.0f} bits, less than {MIN_BITS}")
    distinct = sorted(set(tokens))
    pairs = [(a, b) for i, a in enumerate(distinct) for b in distinct[i + 1:]]
    prefix = max((_shared(a, b) for a, b in pairs), default=0)
    suffix = max((_shared(a[::-1], b[::-1]) for a, b in pairs), default=0)
    if max(prefix, suffix) >= SHARED_RUN:
        end = "first" if prefix >= suffix else "last"
        problems.append(f"two of the {what} share their {end} {max(prefix, suffix)} characters, as counters and "
                        "clocks do")
    if any(len(set(t)) < min(8, len(t) // 2) for t in tokens):
        problems.append(f"some of the {what} repeat a few characters over and over")
    return problems
