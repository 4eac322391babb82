"""The check classes of the sweep, each from a named source, and where each applies.

A class applies to a surface item (suite/sweep/surface.py) or says in one line why it
does not. The probes are tests/sweep/test_sweep.py, one test function per class,
parametrized by :func:`probes`; the coverage table (suite/sweep/coverage.py) is
generated from the same function, so a cell names the very test that runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from suite.sweep.surface import Item, surface

LANGUAGES = ("nl", "en", "fr", "es")  # vendor page 003: the Authenticator UI's languages


@dataclass(frozen=True)
class CheckClass:
    id: str
    title: str
    source: str  # the standard and clause, named in every failure message
    requirement: str  # "SEC-15"
    test: str  # the probe's test function in tests/sweep/test_sweep.py
    why_not: Callable[[Item], str]  # "" when the class applies, else the one-line reason
    per_language: bool = False
    # Items this class probes elsewhere (where HTTP cannot show it: a browser scenario):
    # item id -> the node ids of the tests that do.
    elsewhere: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # The docs leave it open (no vendor page nor interfaces.md asks for it): the probe is
    # tagged ``advisory``, and a team accepts a vendor's choice with a [[deviations]] entry.
    advisory: bool = False

    def params(self, item: Item) -> list[str]:
        if self.per_language and item.languages:
            return [f"{item.id}-{lang}" for lang in LANGUAGES]
        return [item.id]


def _xss(item: Item) -> str:
    if item.kind == "endpoint":
        return "answers application/json, never a page a browser renders (CON-01 checks the content type)"
    if item.kind == "entry":
        if item.id == "partner-oauth":
            return "answers the supplier OAuth page, the item partner-oauth-page, probed there"
        return "answers a redirect (to sign-in, the portal, NOX) or a page that is an item of its own, probed there"
    if not item.query:
        return "takes no query parameter a visitor's link can carry"
    if item.id == "partner-devices":
        return ("shows link data only once it is checked to be the signed-in user's own (SUP-16), and storing it "
                "would change a shared target's data; the refused callback, same input, is probed")
    if item.id == "nox-brand-sign-in":
        return "its query is the link session's, written by NOX; its public twin, the brand picker, is probed"
    if item.refusal in ("expired", "completed"):
        return "reached with a real session's token only; the invalid refusal takes any token and is probed"
    return ""


def _error_fields(item: Item) -> str:
    if item.kind != "endpoint":
        return "a page, not an API: no documented error fields"
    if item.party != "Nomos":
        return "NOX publishes no error body (schemas/nox.openapi.yaml): no documented field whose meaning to check"
    return ""


def _challenge(item: Item) -> str:
    if item.auth in ("bearer", "basic"):
        return ""
    if item.auth == "api-key":
        return "authenticates with an x-api-key header, not an HTTP authentication scheme (RFC 9110 §11): no challenge"
    if item.auth == "session":
        return "a sign-in page and a session cookie, not HTTP authentication: a visitor is sent to sign in"
    return "asks for no authentication"


def _allow(item: Item) -> str:
    if item.kind == "page" and item.id != "partner-oauth-page":
        return "interfaces.md §1 fixes its test ids, not its address or methods; its entry point is probed"
    if item.kind == "entry" and item.id == "partner-oauth":
        return "the same address as the supplier OAuth page (partner-oauth-page), probed there"
    return ""


def _refusal_language(item: Item) -> str:
    if item.kind != "page":
        return "not a page"
    if not item.refusal:
        return "not a refusal (a page in the asked language is SUP-08's, MAN-02's and MAN-03's)"
    return ""


def _headers(item: Item) -> str:
    if item.kind != "page":
        return "not a page a browser shows (an API answer, or a redirect to a page that is its own item)"
    if item.id == "nox-brand-sign-in":
        return "the manufacturer's own page, on a host the suite may reach only through the browser"
    if item.id in ("nox-refused-expired", "nox-refused-completed"):
        return "the same refusal page as nox-refused-invalid (only data-reason differs), probed there"
    if item.id == "partner-devices":
        return "reached only by storing a callback's devices on a shared target; home shows the same devices, probed"
    return ""


def _non_ascii(item: Item) -> str:
    if item.kind != "endpoint":
        return "answers HTML, not JSON"
    if not item.body or item.operation_id == "createAccessToken":
        return "its body holds no free text (grant_type is an enum)"
    return ""


CLASSES: list[CheckClass] = [
    CheckClass("reflected-xss", "what a link carries is written into the page escaped, never as markup",
               "OWASP ASVS 4.0.3 V5.3.3 (context-aware output escaping); WSTG-INPV-01 (reflected XSS)",
               "SEC-15", "test_reflected_input_is_escaped", _xss),
    CheckClass("error-meaning", "an error's requestId identifies that error; its docs link is the code's own page",
               "vendor 002 (Err* schemas: requestId 'to be used for debugging and error reporting', docs 'related "
               "to the error code'); OWASP ASVS 4.0.3 V7.1.1/V7.4.1 (a unique id per error)",
               "SEC-16", "test_error_fields_mean_something", _error_fields),
    CheckClass("auth-challenge", "a 401 names the authentication scheme it wants",
               "RFC 6750 §3 and §3.1 (Bearer: WWW-Authenticate, error=\"invalid_token\" for a bad token); "
               "RFC 6749 §5.2 (invalid_client over HTTP Basic: 401 with WWW-Authenticate); RFC 9110 §15.5.2",
               "SEC-17", "test_unauthorized_names_its_scheme", _challenge),
    CheckClass("refusal-language", "a refusal a customer sees is in the language the flow asked for, every one of them",
               "vendor 003 ('language: Language for the Authenticator UI', nl, en, fr, es); interfaces.md §1 "
               "('<html lang> tells a page's language'); WCAG 2.1 SC 3.1.1",
               "SEC-18", "test_refusal_is_in_the_asked_language", _refusal_language, per_language=True,
               # A completed link needs a sign-in at the manufacturer's own pages, which the
               # suite's HTTP policy does not reach: features/refusal_languages.feature.
               elsewhere=(("nox-refused-completed", tuple(
                   f"tests/flows/test_flows.py::test_a_link_already_used_is_refused_in_the_language_it_was_made_in[{name}]"
                   for name in ("Dutch", "English", "French", "Spanish"))),)),
    CheckClass("method-allow", "a method the address does not support is refused, and a 405 says which it does",
               "RFC 9110 §15.5.6 (405: the origin server MUST generate an Allow header), §9.1; vendor 002 (405)",
               "SEC-19", "test_unsupported_method_names_the_allowed_ones", _allow),
    CheckClass("security-headers",
               "a page forbids content sniffing and framing by other sites; a personal page is never cached",
               "OWASP ASVS 4.0.3 V14.4.4 (nosniff), V14.4.7 (frame-ancestors or X-Frame-Options), V8.2.1 "
               "(no caching of sensitive data: Cache-Control no-store); WSTG-CLNT-09 (clickjacking). Advisory: "
               "no vendor page or interfaces.md asks for these headers",
               "SEC-21", "test_pages_answer_with_the_security_headers", _headers, advisory=True),
    CheckClass("json-non-ascii", "text beyond ASCII goes in and comes back as it was sent",
               "RFC 8259 §8.1 (JSON text is UTF-8) and §7; vendor 003 (the answer echoes user_id as supplier_user_id)",
               "SEC-20", "test_non_ascii_text_round_trips", _non_ascii),
]


def by_id() -> dict[str, CheckClass]:
    return {c.id: c for c in CLASSES}


SWEEP_MODULE = "tests/sweep/test_sweep.py"


def probes(class_id: str) -> list[tuple[Item, str]]:
    """``(item, param id)`` for every probe of one class in tests/sweep (those it probes elsewhere left out)."""
    check = by_id()[class_id]
    away = dict(check.elsewhere)
    return [(item, param) for item in surface() if not check.why_not(item) and item.id not in away
            for param in check.params(item)]


def cell(check: CheckClass, item: Item) -> tuple[tuple[str, ...], str]:
    """``(node ids of the probes, "")`` where the class applies, else ``((), reason)``."""
    reason = check.why_not(item)
    if reason:
        return (), reason
    away = dict(check.elsewhere)
    if item.id in away:
        return away[item.id], ""
    return tuple(f"{SWEEP_MODULE}::{check.test}[{param}]" for param in check.params(item)), ""
