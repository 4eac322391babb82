"""The sweep (issue 21): every item of the surface against every check class that
binds it (suite/sweep/classes.py), over HTTP. One test function per class,
parametrized by the items it applies to; the coverage table (docs/sweep-coverage.md)
names these very tests. A finding names the standard and its clause; a team accepts
one with a ``[[deviations]]`` entry whose id is the test's name.

Nothing here asserts a choice the docs leave open: which status a refusal has, how a
page words it, where a link's token sits. Both sandbox readings pass."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from playwright.sync_api import Error as PlaywrightError

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.clients.nox import NoxClient
from steps.reach import Reach, swap, with_params
from suite.http import describe
from suite.requirements import proves
from suite.sweep.classes import by_id, probes
from suite.sweep.html import Html
from suite.sweep.surface import Item
from suite.target import Target

pytestmark = [pytest.mark.sweep, pytest.mark.security]
F = TypeVar("F", bound=Callable[..., Any])


def _params(class_id: str) -> list[object]:
    """The class's probes; those that move the target's test clock are tagged ``clock``
    (on a shared clock they then run alone: suite/clock.py)."""
    return [pytest.param(item, param, id=param,
                         marks=[pytest.mark.clock] if class_id == "refusal-language" and item.refusal == "expired" else [])
            for item, param in probes(class_id)]


def probe(class_id: str, requirement: str) -> Callable[[F], F]:
    """A class's probe: parametrized by the items it applies to, marked with its requirement
    (named here as well, so that a reader and the catalog's coverage check see it)."""
    assert requirement == f"REQ-{by_id()[class_id].requirement}", f"{class_id} proves {by_id()[class_id].requirement}"

    def decorate(func: F) -> F:
        return pytest.mark.parametrize(("item", "param"), _params(class_id))(proves(requirement)(func))
    return decorate


def finding(class_id: str, what: str) -> str:
    """A failure message: what was found, the standard and clause, how to accept it."""
    check = by_id()[class_id]
    return f"{what} [{check.requirement}; {check.source}]"


def language_of(param: str) -> str:
    return param.rsplit("-", 1)[1]


# ------------------------------------------------------------------ SEC-15 reflected XSS


def reflected(reach: Reach, target: Target, item_id: str, marker: str) -> list[httpx.Response]:
    """The answers of the page ``item_id`` opened with ``marker`` in every input a link carries."""
    urls = target.urls
    if item_id == "partner-sign-in":
        return [reach.get(with_params(f"{urls.partner_app}/portal", next=f"/{marker}")).response]
    if item_id == "partner-oauth-page":
        return [reach.get(with_params(f"{urls.partner_app}/oauth/nox", state=marker, language=marker)).response]
    if item_id == "partner-oauth-refused":
        return [reach.get(with_params(f"{urls.partner_app}/oauth/nox", language=marker)).response]
    if item_id == "portal-signed-out":
        return [reach.get(with_params(f"{urls.nomos_portal}/", next=marker)).response]
    if item_id == "portal-link-refused":
        return [reach.get(with_params(f"{urls.nomos_portal}/", token_hash=marker, type="magiclink",
                                      next=marker)).response]
    if item_id in ("nox-brand-picker", "nox-supplier-picker"):
        session = reach.supplier_session("en") if item_id == "nox-brand-picker" else reach.manufacturer_session("en")
        return [reach.get(with_params(session["link_url"], language=marker)).response]
    if item_id == "nox-refused-invalid":
        session = reach.supplier_session("en")
        return [reach.get(with_params(swap(session["link_url"], session["link_token"], marker), language=marker)).response]
    if item_id == "partner-callback-refused":  # a crafted link opened by a signed-in user
        with reach.browser_like() as client:
            reach.partner_signed_in(client)
            return [reach.open(client, with_params(f"{urls.partner_app}/callback", data=marker)).response]
    if item_id == "manufacturer-result":
        return [reach.get(with_params(target.nox.manufacturer_redirect_url, status=marker, reason=marker)).response]
    raise AssertionError(f"the sweep does not know how to reach {item_id}: add it to reflected()")


@probe("reflected-xss", "REQ-SEC-15")
def test_reflected_input_is_escaped(reach: Reach, target: Target, item: Item, param: str) -> None:
    tag = f"x-sweep-{secrets.token_hex(4)}"
    marker = f"\"'><{tag}>"
    for response in reflected(reach, target, param, marker):
        assert response.status_code < 500, f"{describe(response)}: a server error for a link's input"
        assert f"<{tag}" not in response.text, finding("reflected-xss", (
            f"{item.label} writes what the link carries ({', '.join(item.query)}) back into its HTML unescaped: "
            f"the marker <{tag}> arrived as markup at {response.request.url.path}"))


# ----------------------------------------------------------- SEC-16 error fields' meaning


def nomos_errors(nomos: NomosClient, target: Target, item_id: str) -> list[httpx.Response]:
    """Several refusals of one Nomos operation, of at least two different codes."""
    if item_id == "nomos-magic-link":
        return [nomos.mint(customer_id="cus_x", bearer=None), nomos.mint(customer_id="cus_x", bearer=None),
                nomos.mint(content=b"{not json"), nomos.mint(customer_id=f"cus_sweep_unknown_{secrets.token_hex(4)}")]
    wrong = f"sweep-wrong-{secrets.token_hex(4)}"
    return [nomos.request_token(client_secret=wrong), nomos.request_token(client_secret=wrong),
            nomos.request_token(client_id=f"sweep-unknown-{secrets.token_hex(4)}", client_secret=wrong)]


@probe("error-meaning", "REQ-SEC-16")
def test_error_fields_mean_something(nomos: NomosClient, target: Target, item: Item, param: str) -> None:
    bodies = []
    for response in nomos_errors(nomos, target, param):
        assert 400 <= response.status_code < 500, f"expected a refusal, got {describe(response)}"
        body = response.json()
        assert isinstance(body, dict) and {"code", "requestId", "docs"} <= set(body), \
            f"an error body without code, requestId and docs (SSO-05): {describe(response)}"
        bodies.append(body)
    ids = [b["requestId"] for b in bodies]
    assert len(set(ids)) == len(ids), finding("error-meaning", (
        f"{item.label}: {len(ids)} errors carry only {len(set(ids))} distinct requestId(s); "
        "an id meant for debugging one error must name that error alone"))
    docs: dict[str, set[str]] = {}
    for body in bodies:
        docs.setdefault(str(body["code"]), set()).add(str(body["docs"]))
    shared = {link for code, links in docs.items() for link in links
              if any(link in others for other, others in docs.items() if other != code)}
    assert not shared, finding("error-meaning", (
        f"{item.label}: errors of different codes ({', '.join(sorted(docs))}) link the same docs page "
        f"{sorted(shared)[0]}; the docs field is 'the docs related to the error code'"))


# ------------------------------------------------------- SEC-17 WWW-Authenticate on 401


def challenge(response: httpx.Response) -> tuple[str, dict[str, str]]:
    """The scheme and parameters of the first WWW-Authenticate challenge ('' when none)."""
    value = response.headers.get("www-authenticate", "").strip()
    scheme, _, rest = value.partition(" ")
    params = {}
    for part in rest.split(","):
        key, _, val = part.strip().partition("=")
        if key:
            params[key.strip().lower()] = val.strip().strip('"')
    return scheme.lower(), params


@probe("auth-challenge", "REQ-SEC-17")
def test_unauthorized_names_its_scheme(nomos: NomosClient, target: Target, item: Item, param: str) -> None:
    if param == "nomos-token":
        response = nomos.request_token(client_secret=f"sweep-wrong-{secrets.token_hex(4)}")
        assert response.status_code == 401, finding("auth-challenge", (
            f"a wrong client secret sent with HTTP Basic is answered {response.status_code}, not 401"))
        scheme, _ = challenge(response)
        assert scheme == "basic", finding("auth-challenge", (
            f"{item.label} answers a failed HTTP Basic client authentication 401 "
            f"{'without WWW-Authenticate' if not scheme else f'challenging {scheme!r}'}; it must challenge Basic"))
        return
    missing = nomos.mint(customer_id="cus_x", bearer=None)
    invalid = nomos.mint(customer_id="cus_x", bearer=f"sweep.invalid.{secrets.token_hex(8)}")
    for response, words in ((missing, "without a token"), (invalid, "with an invalid token")):
        assert response.status_code == 401, f"minting {words} was not refused with 401: {describe(response)}"
        scheme, params = challenge(response)
        assert scheme == "bearer", finding("auth-challenge", (
            f"{item.label} answers a request {words} 401 "
            f"{'without WWW-Authenticate' if not scheme else f'challenging {scheme!r}'}; it must challenge Bearer"))
    _, params = challenge(invalid)
    assert params.get("error") == "invalid_token", finding("auth-challenge", (
        f"{item.label}: the challenge for an invalid token says error={params.get('error')!r}, "
        "not \"invalid_token\" (RFC 6750 §3.1)"))


# ------------------------------------------------------------ SEC-18 refusal languages


def refused(reach: Reach, clock: ClockClient, target: Target, param: str) -> tuple[httpx.Response, str]:
    """The refusal page ``param`` names, and the test id that shows it refused."""
    item_id, lang = (param.rsplit("-", 1) if param[-3:-2] == "-" else (param, ""))
    if item_id == "nox-refused-invalid":
        session = reach.supplier_session(lang)
        return reach.get(swap(session["link_url"], session["link_token"], secrets.token_urlsafe(16))).response, \
            "session-error"
    if item_id == "nox-refused-expired":
        if not clock.available:
            pytest.skip("this target has no test clock: an expired link would take 10 minutes of real time")
        session = reach.supplier_session(lang)
        clock.advance(target.link_session_lifetime + 60)
        return reach.get(session["link_url"]).response, "session-error"
    if item_id == "nox-refused-completed":
        link = reach.completed_link(lang)
        return reach.get(link).response, "session-error"
    if item_id == "partner-oauth-refused":
        return reach.get(with_params(f"{target.urls.partner_app}/oauth/nox", language=lang)).response, "oauth-error"
    if item_id == "portal-link-refused":
        url = with_params(f"{target.urls.nomos_portal}/", token_hash=secrets.token_hex(20), type="magiclink")
        return reach.get(url).response, "link-error"
    if item_id == "partner-callback-refused":
        with reach.browser_like() as client:
            reach.partner_signed_in(client)
            answer = reach.open(client, with_params(f"{target.urls.partner_app}/callback", data="!not-base64url!"))
        return answer.response, "callback-error"
    raise AssertionError(f"the sweep does not know how to reach {item_id}: add it to refused()")


def built_by_script(request: pytest.FixtureRequest, target: Target, response: httpx.Response,
                    test_id: str) -> dict[str, str] | None:
    """The attributes of ``test_id``'s element once the page's scripts have put it in: the
    answer shown from memory in a browser (nothing more is sent); None when the first HTML
    has nothing a script puts in, or the element never appears."""
    if not Html(response.text, str(response.url)).built_later:
        return None
    page = request.getfixturevalue("page")  # (only here: a browser only for a page a script builds)
    url = str(response.url)
    page.route("**/*", lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                   body=response.text) if route.request.url == url else route.abort())
    page.goto(url)
    element = page.get_by_test_id(test_id).first
    try:
        element.wait_for(state="attached", timeout=round(target.limits.page_wait_seconds * 1000))
    except PlaywrightError:
        return None
    return element.evaluate("e => Object.fromEntries([...e.attributes].map(a => [a.name, a.value]))")


@probe("refusal-language", "REQ-SEC-18")
def test_refusal_is_in_the_asked_language(reach: Reach, clock: ClockClient, target: Target, item: Item,
                                          param: str, request: pytest.FixtureRequest) -> None:
    response, shows = refused(reach, clock, target, param)
    page = Html(response.text, str(response.url))
    shown = ({"data-reason": page.attribute(shows, "data-reason") or ""} if page.has(shows)
             else built_by_script(request, target, response, shows))
    assert shown is not None, f"expected the refusal {shows!r} of {item.label}, but {describe(response)}"
    if item.refusal in ("invalid", "expired", "completed"):
        assert shown.get("data-reason") == item.refusal, (
            f"expected NOX to refuse the link as {item.refusal}, but it says {shown.get('data-reason')!r}")
    declared = (page.lang or "").split("-")[0].lower()  # BCP 47: nl-NL is Dutch
    if item.languages:
        lang = language_of(param)
        assert declared == lang, finding("refusal-language", (
            f"{item.label} ({item.refusal}) is in {page.lang!r} although the flow asked for {lang!r}"))
    else:
        assert declared.isalpha(), finding("refusal-language", (
            f"{item.label} ({item.refusal}) declares no language (<html lang> is {page.lang!r})"))


# --------------------------------------------------------------- SEC-19 405 and Allow


PROBE_METHOD = {"endpoint": "GET", "entry": "DELETE", "page": "DELETE"}


@probe("method-allow", "REQ-SEC-19")
def test_unsupported_method_names_the_allowed_ones(reach: Reach, target: Target, item: Item, param: str) -> None:
    base = {"Nomos": target.urls.nomos_api, "NOX": target.urls.nox}.get(item.party, target.urls.partner_app)
    method = PROBE_METHOD[item.kind]
    with reach.browser_like() as client:
        response = client.request(method, base + item.path)
    assert response.status_code >= 400 and response.status_code < 500, finding("method-allow", (
        f"{method} on {item.name}, which does not offer it, is answered {response.status_code}"))
    if response.status_code == 405:
        allow = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
        assert allow, finding("method-allow", f"{item.label} answers {method} 405 without an Allow header")
        assert item.method in allow and method not in allow, finding("method-allow", (
            f"{item.label} answers {method} 405 with Allow: {', '.join(sorted(allow))}"))


# ------------------------------------------------------------ SEC-20 non-ASCII JSON


def utf8_json(response: httpx.Response) -> object:
    try:
        return json.loads(response.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise AssertionError(finding("json-non-ascii", f"{describe(response)} is not JSON in UTF-8")) from None


@probe("json-non-ascii", "REQ-SEC-20")
def test_non_ascii_text_round_trips(nomos: NomosClient, nox: NoxClient, target: Target, item: Item, param: str) -> None:
    text = f"sweep-Zoë-Øre-Ñandú-日本-{secrets.token_hex(3)}"
    if param == "nox-supplier-session":
        response = nox.create_supplier_session(nox.supplier_session_body(text, "hp"))
        echoed = "supplier_user_id"
    elif param == "nox-manufacturer-session":
        response = nox.create_manufacturer_session(nox.manufacturer_session_body(text))
        echoed = "manufacturer_user_id"
    elif param == "nomos-magic-link":
        response, echoed = nomos.mint(customer_id=text), ""
    else:
        response, echoed = nox.post_login_redirect(nox.handoff_body(text, text)), ""
    assert response.status_code < 500, f"non-ASCII text crashed {item.label}: {describe(response)}"
    body = utf8_json(response)
    if echoed:
        assert response.status_code == 201, f"{item.label} refused a user id beyond ASCII: {describe(response)}"
        got = body.get(echoed) if isinstance(body, dict) else None
        assert got == text, finding("json-non-ascii", (
            f"{item.label} echoes user_id as {echoed} = {got!r}, not the {text!r} it was sent"))
    else:
        assert 400 <= response.status_code < 500, f"{item.label} accepted an unknown id: {describe(response)}"


# ------------------------------------------------- SEC-21 security headers (advisory)


def shown_page(reach: Reach, nomos: NomosClient, target: Target, item: Item) -> httpx.Response:
    """The page of ``item`` as a person gets it (signed in where it is personal)."""
    urls, item_id = target.urls, item.id
    with reach.browser_like() as client:
        if item_id == "partner-home":
            return reach.partner_signed_in(client).response
        if item_id == "partner-callback-refused":
            reach.partner_signed_in(client)
            return reach.open(client, with_params(f"{urls.partner_app}/callback", data="!not-base64url!")).response
        if item_id in ("portal-hub", "portal-invoice"):
            hub = reach.portal_signed_in(client, nomos)
            invoice = target.users["subscribed"].invoice_id
            if item_id == "portal-hub" or not invoice:
                return hub.response
            return reach.open(client, f"{urls.nomos_portal}/invoices/{invoice}").response
        if item_id == "portal-checkout":
            return reach.portal_signed_in(client, nomos, "unsubscribed").response
    if item_id == "partner-sign-in":
        return reach.get(f"{urls.partner_app}/portal").response
    if item_id == "partner-oauth-page":
        return reach.get(with_params(f"{urls.partner_app}/oauth/nox", state=secrets.token_urlsafe(16), language="en")).response
    if item_id == "partner-oauth-refused":
        return reach.get(with_params(f"{urls.partner_app}/oauth/nox", language="en")).response
    if item_id == "portal-signed-out":
        return reach.get(f"{urls.nomos_portal}/").response
    if item_id == "portal-link-refused":
        return reach.get(with_params(f"{urls.nomos_portal}/", token_hash=secrets.token_hex(20), type="magiclink")).response
    if item_id == "nox-brand-picker":
        return reach.get(reach.supplier_session("en")["link_url"]).response
    if item_id == "nox-supplier-picker":
        return reach.get(reach.manufacturer_session("en")["link_url"]).response
    if item_id == "nox-refused-invalid":
        session = reach.supplier_session("en")
        return reach.get(swap(session["link_url"], session["link_token"], secrets.token_urlsafe(16))).response
    if item_id == "manufacturer-result":
        return reach.get(with_params(target.nox.manufacturer_redirect_url, status="success")).response
    raise AssertionError(f"the sweep does not know how to reach {item_id}: add it to shown_page()")


def frames_refused(response: httpx.Response) -> bool:
    policy = response.headers.get("content-security-policy", "")
    ancestors = next((d.strip() for d in policy.split(";") if d.strip().lower().startswith("frame-ancestors")), "")
    if ancestors:
        return "*" not in ancestors.split()[1:]
    return response.headers.get("x-frame-options", "").strip().upper() in ("DENY", "SAMEORIGIN")


@pytest.mark.advisory
@probe("security-headers", "REQ-SEC-21")
def test_pages_answer_with_the_security_headers(reach: Reach, nomos: NomosClient, target: Target, item: Item,
                                                param: str) -> None:
    response = shown_page(reach, nomos, target, item)
    assert response.status_code < 500 and "html" in response.headers.get("content-type", ""), \
        f"expected {item.label} as an HTML page, but {describe(response)}"
    advice = (" (advisory: accept a vendor's choice with [[deviations]] "
              f"id = \"test_pages_answer_with_the_security_headers[{param}]\")")
    missing = []
    if response.headers.get("x-content-type-options", "").strip().lower() != "nosniff":
        missing.append("X-Content-Type-Options: nosniff (V14.4.4)")
    if not frames_refused(response):
        missing.append("frame-ancestors or X-Frame-Options (V14.4.7)")
    if item.personal and "no-store" not in response.headers.get("cache-control", "").lower():
        missing.append("Cache-Control: no-store on a personal page (V8.2.1)")
    assert not missing, finding("security-headers", f"{item.label} is sent without {'; '.join(missing)}") + advice
