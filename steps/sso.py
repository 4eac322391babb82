"""Steps of the portal single sign-on flow (features/portal_sso.feature).

In the API scenarios the suite's Nomos client plays the partner backend; the browser
scenarios go through the partner app and the portal as a customer would. Magic links
are taken apart and forged in one place here (:class:`MagicLink`), and the bad inputs
and forged credentials the feature names in words are mapped to requests below.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from pytest_bdd import given, parsers, then, when

from steps.clients.clock import ClockClient
from steps.clients.nomos import NomosClient
from steps.common import PERSONAS, Scenario, let_time_pass
from steps.pages.partner import PartnerHome, PartnerPortalEntry, PartnerSignIn
from steps.pages.portal import AccountHub, Checkout, Invoice, Portal, SignedOut
from suite import http
from suite.browser_watch import Item, Recording, Watches, find
from suite.evidence import Evidence
from suite.plugin import Run
from suite.redaction import Secret
from suite.target import PartnerUser, Target

PERSONA = r"(?P<persona>[A-Z]\w*)"
HER = r"(?:her|his)"
SHE = r"(?:she|he)"
DEVICE = r"(?P<device>laptop|phone)"

# Three base64url segments separated by dots, the first an encoded JSON object: a JWT.
JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The error code Nomos documents for each status (vendor-docs, Err* schemas).
ERROR_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    402: "PAYMENT_REQUIRED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    422: "UNPROCESSABLE_ENTITY",
    429: "TOO_MANY_REQUESTS",
    500: "INTERNAL_SERVER_ERROR",
}
REFUSALS = {"unauthorised": (401,), "invalid input": (400, 422), "not found": (404,)}
OFF_SITE = "evil.example"


# --------------------------------------------------------------------- magic links


@dataclass(frozen=True)
class MagicLink:
    """A minted magic link, and the forgeries made from it."""

    url: str

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.url).query, keep_blank_values=True))

    @property
    def token(self) -> str:
        return self.query.get("token_hash", "")

    @property
    def origin(self) -> str:
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"

    @property
    def path(self) -> str:
        return urlsplit(self.url).path or "/"

    def with_query(self, **changes: str | None) -> MagicLink:
        """The same link with query parameters replaced (in place), added, or removed (None)."""
        parts = urlsplit(self.url)
        query, done = [], set()
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if key in changes:
                done.add(key)
                if changes[key] is None:
                    continue
                value = changes[key]
            query.append((key, value))
        query += [(k, v) for k, v in changes.items() if k not in done and v is not None]
        return MagicLink(urlunsplit(parts._replace(query=urlencode(query, safe="/"))))


def _changed_character(token: str) -> str:
    """The token with its middle character replaced by another of the same kind."""
    if not token:
        return "0"
    middle = len(token) // 2
    char = token[middle]
    if char.isdigit():
        other = str((int(char) + 1) % 10)
    elif char.isalpha():
        base = "a" if char.islower() else "A"
        other = chr((ord(char) - ord(base) + 1) % 26 + ord(base))
    else:
        other = "0"
    return token[:middle] + other + token[middle + 1 :]


FORGERIES: dict[str, Callable[[MagicLink], MagicLink]] = {
    "the magic link": lambda link: link,
    "the magic link with one character of its token changed": lambda link: link.with_query(
        token_hash=_changed_character(link.token)
    ),
    "the magic link with its token cut short": lambda link: link.with_query(token_hash=link.token[: len(link.token) // 2]),
    "a link with an invented token": lambda link: link.with_query(
        token_hash=secrets.token_urlsafe(max(len(link.token) * 3 // 4, 16))
    ),
    "the magic link without its token": lambda link: link.with_query(token_hash=None),
}

# Where `next` sends the customer after sign-in, in the feature's words.
DESTINATIONS: dict[str, Callable[[PartnerUser], str]] = {
    "one of her invoices": lambda user: f"/invoices/{user.invoice_id}",
    "a full address on another website": lambda user: f"https://{OFF_SITE}/account",
    "a protocol-relative address on another website": lambda user: f"//{OFF_SITE}/account",
}


# ------------------------------------------------------------- access tokens, inputs


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def invented_token() -> str:
    """A well-formed JWT that Nomos never issued (its signature is random)."""
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = _b64url(json.dumps({"sub": "partner-suite", "scope": "read:* write:*", "exp": 4102444800}).encode())
    return f"{header}.{claims}.{_b64url(secrets.token_bytes(32))}"


def tampered(token: str) -> str:
    """The token with its claims changed and its signature kept; a token that is not a
    JWT gets one character changed instead."""
    parts = token.split(".")
    if len(parts) == 3:
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            claims = None
        if isinstance(claims, dict):
            claims["scope"] = "read:* write:* admin:*"
            claims["exp"] = 4102444800
            return ".".join((parts[0], _b64url(json.dumps(claims).encode()), parts[2]))
    return _changed_character(token)


def bearer_for(credential: str, nomos: NomosClient) -> str | None:
    """The Authorization bearer value for the feature's words (None: no header)."""
    choices: dict[str, Callable[[], str | None]] = {
        "without an access token": lambda: None,
        "with an invented access token": invented_token,
        "with a tampered access token": lambda: tampered(nomos.access_token().reveal()),
    }
    if credential not in choices:
        raise AssertionError(f"the feature names credential {credential!r}; known: {', '.join(choices)}")
    return choices[credential]()


def bad_input(words: str, customer_id: str) -> dict[str, Any]:
    """Keyword arguments of NomosClient.mint for the malformed request the feature names."""
    choices: dict[str, dict[str, Any]] = {
        "without a customer id": {"body": {}},
        "with a number as customer id": {"body": {"customerId": 42}},
        "with null as customer id": {"body": {"customerId": None}},
        "with a list as body": {"body": [{"customerId": customer_id}]},
        "with a body that is not JSON": {"content": f"customerId={customer_id}".encode()},
        "with an empty body": {"content": b""},
    }
    if words not in choices:
        raise AssertionError(f"the feature names bad input {words!r}; known: {', '.join(choices)}")
    return choices[words]


def answered(response: httpx.Response) -> str:
    """What Nomos answered, in one line, without any link or token in it."""
    return http.answered(response, {"link": "a magic link", "access_token": "an access token"}, "code")


# --------------------------------------------------------------------------- state


@dataclass
class SsoState:
    """What one SSO scenario's steps share; a fresh one per scenario."""

    target: Target
    persona: str = "Alice"
    token: Secret | None = None
    token_lifetime: int = 3600
    answer: httpx.Response | None = None
    link: MagicLink | None = None  # the link in play (minted, or the last one a click used)
    opened: list[MagicLink | None] = field(default_factory=list)  # links the clicks went through
    browser: str = "default"
    session_age: dict[str, int] = field(default_factory=dict)  # seconds, per browser
    recording: Recording | None = None

    def user(self, persona: str | None = None) -> PartnerUser:
        persona = persona or self.persona
        if persona not in PERSONAS:
            raise AssertionError(f"the feature names persona {persona!r}; known: {', '.join(PERSONAS)}")
        return self.target.user(PERSONAS[persona])

    def minted(self) -> MagicLink:
        assert self.answer is not None, "no magic link was minted in this scenario"
        assert self.answer.status_code == 200, f"expected Nomos to mint a magic link, but it answered {answered(self.answer)}"
        link = self.answer.json().get("link")
        assert isinstance(link, str), f"expected a `link` in Nomos's answer, but it answered {answered(self.answer)}"
        return MagicLink(link)


@pytest.fixture
def sso(target: Target) -> SsoState:
    return SsoState(target)


def pass_time(sso: SsoState, clock: ClockClient, nomos: NomosClient, config: pytest.Config, seconds: int) -> None:
    let_time_pass(clock, nomos, seconds, config.getoption("--real-time-waits"))
    for browser in sso.session_age:
        sso.session_age[browser] += seconds


def open_energy_account(scenario: Scenario, sso: SsoState, watches: Watches, browser: str) -> MagicLink | None:
    """Click 'Open energy account' on the partner app's home page; note the link it went through."""
    page = scenario.browser(browser)
    watch = watches.watch(page)
    since = watch.mark()
    PartnerHome(page, scenario.target).open_energy_account()
    portal = urlsplit(scenario.target.urls.nomos_portal).netloc
    link = next(
        (MagicLink(url) for url in watch.navigations(since) if urlsplit(url).netloc == portal and "token_hash=" in url),
        None,
    )
    sso.opened.append(link)
    sso.link = link or sso.link
    sso.browser = browser
    sso.session_age[browser] = 0
    return link


def sign_in(scenario: Scenario, user: PartnerUser, browser: str) -> None:
    page = scenario.browser(browser)
    PartnerSignIn(page, scenario.target).open().sign_in(user)
    PartnerHome(page, scenario.target).expect_signed_in_as(user)


# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is a Nomos customer with an energy subscription"))
def subscribed_customer(sso: SsoState, persona: str) -> None:
    assert PERSONAS.get(persona) == "subscribed", f"{persona} must be the persona with a subscription (steps/common.py)"
    assert sso.user(persona).nomos_customer_id, f"the target names no Nomos customer for {persona}"


@given(parsers.parse("{persona} is a Nomos customer without a subscription yet"))
def unsubscribed_customer(sso: SsoState, persona: str) -> None:
    assert PERSONAS.get(persona) == "unsubscribed", f"{persona} must be the persona without a subscription (steps/common.py)"
    assert sso.user(persona).nomos_customer_id, f"the target names no Nomos customer for {persona}"


# ------------------------------------------------------------------- the Nomos API


@given("the partner backend has an access token from Nomos")
def has_access_token(sso: SsoState, nomos: NomosClient) -> None:
    response = nomos.request_token()
    assert response.status_code == 200, (
        f"expected Nomos to give the partner backend an access token for its client credentials, "
        f"but it answered {answered(response)}"
    )
    body = response.json()
    token, kind, lifetime = body.get("access_token"), body.get("token_type"), body.get("expires_in")
    problems = []
    if not isinstance(token, str) or not JWT.fullmatch(token):
        problems.append("`access_token` is not a JWT")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        problems.append(f"`token_type` is {kind!r}, not 'Bearer'")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int) or lifetime <= 0:
        problems.append(f"`expires_in` is {lifetime!r}, not a positive number of seconds")
    assert not problems, "Nomos's access token answer is not as documented: " + "; ".join(problems)
    sso.token = Secret(token, "Nomos access token")
    sso.token_lifetime = lifetime


@given("the access token has expired")
def access_token_expired(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config
) -> None:
    pass_time(sso, clock, nomos, pytestconfig, sso.token_lifetime + 60)


@when("the partner backend asks Nomos for an access token with a wrong client secret")
def token_with_wrong_secret(sso: SsoState, nomos: NomosClient) -> None:
    sso.answer = nomos.request_token(client_secret=secrets.token_urlsafe(24))


@when(parsers.re(rf"the partner backend mints a magic link for {PERSONA}(?: (?P<credential>(?:with|without) .+))?"))
def mint_for(sso: SsoState, nomos: NomosClient, persona: str, credential: str | None) -> None:
    sso.persona = persona
    customer_id = sso.user(persona).nomos_customer_id
    if credential is not None:
        bearer = bearer_for(credential, nomos)
    else:
        bearer = sso.token.reveal() if sso.token else nomos.access_token().reveal()
    sso.answer = nomos.mint(customer_id=customer_id, bearer=bearer)


@when(parsers.re(r"the partner backend mints a magic link (?P<words>(?:with|without) .+)"))
def mint_malformed(sso: SsoState, nomos: NomosClient, words: str) -> None:
    sso.answer = nomos.mint(**bad_input(words, sso.user("Alice").nomos_customer_id))


@when("the partner backend mints a magic link for a customer Nomos does not know")
def mint_for_stranger(sso: SsoState, nomos: NomosClient, run: Run) -> None:
    sso.answer = nomos.mint(customer_id=run.unique("cus_unknown"))


@then("Nomos answers with a magic link")
def answers_with_link(sso: SsoState) -> None:
    response = sso.answer
    assert response is not None, "nothing was asked of Nomos in this scenario"
    assert response.status_code == 200, f"expected Nomos to mint a magic link, but it answered {answered(response)}"
    assert response.headers.get("content-type", "").startswith("application/json"), (
        f"expected a JSON answer, but it came as {response.headers.get('content-type')!r}"
    )
    body = response.json()
    assert body.get("object") == "magic_link", f"expected `object` 'magic_link', but the answer has {body.get('object')!r}"
    link = body.get("link")
    parts = urlsplit(link) if isinstance(link, str) else None
    assert parts and parts.scheme in ("http", "https") and parts.netloc, (
        "expected `link` to be an absolute URI, but it is "
        + (f"{type(link).__name__}" if not isinstance(link, str) else f"{parts.scheme or 'no scheme'}://{parts.netloc}")
    )


@then(parsers.re(r"Nomos refuses (?:it )?as (?P<refusal>unauthorised|invalid input|not found)"))
def refused_as(sso: SsoState, refusal: str) -> None:
    response = sso.answer
    assert response is not None, "nothing was asked of Nomos in this scenario"
    expected = REFUSALS[refusal]
    assert response.status_code < 500, (
        f"expected Nomos to refuse as {refusal} ({' or '.join(map(str, expected))}), "
        f"but it failed with a server error: {answered(response)}"
    )
    assert response.status_code in expected, (
        f"expected Nomos to refuse as {refusal} ({' or '.join(map(str, expected))}), but it answered {answered(response)}"
    )


@then("the refusal explains itself with a code, a message, a request id and a link to the docs")
def error_body_complete(sso: SsoState) -> None:
    response = sso.answer
    assert response is not None, "nothing was asked of Nomos in this scenario"
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict), (
        f"expected the {status} refusal to carry Nomos's JSON error body, but it came as "
        f"{response.headers.get('content-type', 'no content type')} ({len(response.content)} bytes)"
    )
    problems = []
    expected_code = ERROR_CODES.get(status)
    if body.get("code") != expected_code:
        problems.append(f"`code` is {body.get('code')!r} where {status} means {expected_code!r}")
    for key, what in (("message", "a message"), ("requestId", "a request id")):
        if not isinstance(body.get(key), str) or not body[key].strip():
            problems.append(f"`{key}` ({what}) is missing or empty")
    docs = body.get("docs")
    if not isinstance(docs, str) or urlsplit(docs).scheme not in ("http", "https"):
        problems.append("`docs` is not a link to the documentation")
    assert not problems, f"the {status} error body is not as documented (code, message, requestId, docs): " + "; ".join(
        problems
    )


@then("no magic link is given")
def no_link(sso: SsoState) -> None:
    response = sso.answer
    assert response is not None, "nothing was asked of Nomos in this scenario"
    gave_link = "token_hash" in response.text or '"link"' in response.text
    assert not gave_link, f"expected no magic link in a refusal, but Nomos answered {answered(response)} with a link in it"


@then("no access token is given")
def no_token(sso: SsoState) -> None:
    response = sso.answer
    assert response is not None, "nothing was asked of Nomos in this scenario"
    assert "access_token" not in response.text and not JWT.search(response.text), (
        f"expected no access token for wrong client credentials, but Nomos answered {answered(response)}"
    )


@then("the link points at the hosted portal")
def link_to_portal(sso: SsoState) -> None:
    link = sso.minted()
    portal = MagicLink(sso.target.urls.nomos_portal).origin
    assert link.origin == portal, f"expected the link to point at the hosted portal {portal}, but it points at {link.origin}"


@then("the link carries a one-time token of the magic-link type")
def link_token(sso: SsoState) -> None:
    link = sso.minted()
    assert link.token, "expected the link to carry a one-time token (`token_hash`), but it has none"
    kind = link.query.get("type")
    assert kind == "magiclink", f"expected the link to be of type 'magiclink', but its `type` is {kind!r}"


@then("the link leads to the account overview by default")
def link_next_overview(sso: SsoState) -> None:
    link = sso.minted()
    destination = link.query.get("next")
    assert destination == "/overview", (
        f"expected the link to lead to '/overview' after sign-in, but its `next` is {destination!r}"
    )


@then("the link points at the hosted checkout")
def link_to_checkout(sso: SsoState) -> None:
    link = sso.minted()
    portal = MagicLink(sso.target.urls.nomos_portal).origin
    assert link.origin == portal and link.path == "/start", (
        f"expected the link of a customer without a subscription to point at the hosted checkout {portal}/start, "
        f"but it points at {link.origin}{link.path}"
    )
    assert link.token, "expected the checkout link to carry a one-time token (`token_hash`), but it has none"


# --------------------------------------------------------------------- the browser


@given(parsers.re(rf"the partner backend has minted a magic link for {PERSONA}(?: that leads to (?P<destination>.+))?"))
def minted_link(sso: SsoState, nomos: NomosClient, persona: str, destination: str | None) -> None:
    sso.persona = persona
    user = sso.user(persona)
    link = MagicLink(nomos.magic_link(user.nomos_customer_id))
    if destination is not None:
        if destination not in DESTINATIONS:
            raise AssertionError(f"the feature names destination {destination!r}; known: {', '.join(DESTINATIONS)}")
        if destination == "one of her invoices" and not user.invoice_id:
            pytest.skip(f"target {sso.target.name!r} names no invoice of {persona} (partner_users.*.invoice_id)")
        link = link.with_query(next=DESTINATIONS[destination](user))
    sso.link = link


@given(parsers.re(rf"everything {PERSONA}'s browser sends and receives is recorded"))
def recorded_browser(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    assert not scenario.pages, "the recording must start before the scenario's browser is used"
    sso.recording = browser_watch.recording()
    scenario.pages["default"] = sso.recording.page


@given(parsers.re(rf"{PERSONA} has opened {HER} energy account(?: on {HER} {DEVICE})?"))
def has_opened_energy_account(
    scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str, device: str | None
) -> None:
    sso.persona = persona
    browser = device or "default"
    user = sso.user(persona)
    sign_in(scenario, user, browser)
    open_energy_account(scenario, sso, browser_watch, browser)
    AccountHub(scenario.browser(browser), scenario.target).expect_for(user)


@when(parsers.re(rf"{PERSONA} opens {HER} energy account"))
def opens_energy_account(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    open_energy_account(scenario, sso, browser_watch, "default")


@when(parsers.re(rf"{PERSONA} opens {HER} energy account twice"))
def opens_energy_account_twice(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    for _ in range(2):
        PartnerHome(scenario.browser(), scenario.target).open()
        open_energy_account(scenario, sso, browser_watch, "default")


@when(parsers.re(rf"{PERSONA} opens (?P<which>the magic link.*|a link with an invented token)"))
def opens_link(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str, which: str) -> None:
    if which not in FORGERIES:
        raise AssertionError(f"the feature names link {which!r}; known: {', '.join(FORGERIES)}")
    assert sso.link is not None, "no magic link was minted in this scenario"
    sso.persona = persona
    page = scenario.browser()
    browser_watch.watch(page)
    Portal(page, scenario.target).open_link(FORGERIES[which](sso.link).url)
    sso.browser = "default"


@when(parsers.re(rf"{HER} magic link is opened again (?P<where>in another browser|after {SHE} signed out of the portal)"))
def link_opened_again(scenario: Scenario, sso: SsoState, browser_watch: Watches, where: str) -> None:
    assert sso.link is not None, "no magic link was opened in this scenario"
    if where == "in another browser":
        sso.browser = "another browser"
    else:
        AccountHub(scenario.browser(sso.browser), scenario.target).sign_out()
    page = scenario.browser(sso.browser)
    browser_watch.watch(page)
    Portal(page, scenario.target).open_link(sso.link.url)


@when(parsers.re(rf"{PERSONA} returns to {HER} account hub in the same browser"))
def returns_to_hub(scenario: Scenario, sso: SsoState, persona: str) -> None:
    sso.persona = persona
    AccountHub(scenario.browser(sso.browser), scenario.target).visit_hub()


@when(parsers.re(rf"{SHE} signs out of the portal on {HER} {DEVICE}"))
def signs_out_on(scenario: Scenario, device: str) -> None:
    hub = AccountHub(scenario.browser(device), scenario.target)
    hub.visit_hub()
    hub.sign_out()


@when(parsers.re(rf"{PERSONA} goes straight to the partner app's energy account entry"))
def goes_to_portal_entry(scenario: Scenario, sso: SsoState, browser_watch: Watches, persona: str) -> None:
    sso.persona = persona
    page = scenario.browser()
    browser_watch.watch(page)
    PartnerPortalEntry(page, scenario.target).visit()


# ------------------------------------------------------------------- time passing


@when("the magic link's lifetime has passed")
def link_lifetime_passed(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config
) -> None:
    pass_time(sso, clock, nomos, pytestconfig, sso.target.magic_link_lifetime + 5)


@when("most of the magic link's lifetime has passed")
def most_of_link_lifetime_passed(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config
) -> None:
    lifetime = sso.target.magic_link_lifetime
    pass_time(sso, clock, nomos, pytestconfig, lifetime - min(30, lifetime // 2))


@given("the portal session's lifetime has passed")
@when("the portal session's lifetime has passed")
def session_lifetime_passed(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config
) -> None:
    pass_time(sso, clock, nomos, pytestconfig, sso.target.portal_session_lifetime + 60)


@given("half of the portal session's lifetime has passed")
def half_session_lifetime_passed(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config
) -> None:
    pass_time(sso, clock, nomos, pytestconfig, sso.target.portal_session_lifetime // 2)


@when(parsers.re(rf"{HER} {DEVICE}'s portal session expires"))
def device_session_expires(
    sso: SsoState, clock: ClockClient, nomos: NomosClient, pytestconfig: pytest.Config, device: str
) -> None:
    assert device in sso.session_age, f"no portal session was opened on the {device} in this scenario"
    remaining = sso.target.portal_session_lifetime - sso.session_age[device]
    pass_time(sso, clock, nomos, pytestconfig, remaining + 60)
    younger = [b for b, age in sso.session_age.items() if b != device and age >= sso.target.portal_session_lifetime]
    assert not younger, f"the scenario let the session on {', '.join(younger)} expire too; it would prove nothing"


# ------------------------------------------------------------------- what they see


@then(parsers.re(rf"{SHE} sees {HER} account hub with {HER} name"))
def sees_hub(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    AccountHub(page, scenario.target).expect_for(sso.user())
    evidence.capture(page, f"{sso.persona}'s account hub in the Nomos portal")


@then(parsers.re(rf"the hub offers quick links to {HER} data, invoices, orders, tariff and help"))
def hub_quick_links(scenario: Scenario, sso: SsoState) -> None:
    missing = AccountHub(scenario.browser(sso.browser), scenario.target).missing_quick_links()
    assert not missing, (
        f"expected quick links to data, invoices, orders, tariff and help, but the hub has none to {', '.join(missing)}"
    )


@then(parsers.re(rf"{SHE} sees the portal's signed-out page"))
def sees_signed_out(scenario: Scenario, sso: SsoState) -> None:
    SignedOut(scenario.browser(sso.browser), scenario.target).expect_signed_out()


@then("the portal refuses the link")
def link_refused(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    SignedOut(page, scenario.target).expect_link_refused()
    evidence.capture(page, "the portal refusing a magic link")


@then("no one is signed in to the portal in that browser")
def nobody_signed_in(scenario: Scenario, sso: SsoState) -> None:
    page = scenario.browser(sso.browser)
    portal = SignedOut(page, scenario.target)
    portal.visit_hub()
    portal.expect_signed_out()


@then(parsers.re(rf"{SHE} sees that invoice"))
def sees_invoice(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    invoice_id = sso.user().invoice_id
    assert invoice_id, "the target names no invoice for this persona"
    Invoice(page, scenario.target).expect_invoice(invoice_id)
    evidence.capture(page, f"invoice {invoice_id} in the Nomos portal")


@then(parsers.re(rf"{HER} browser stays on the portal"))
def stays_on_portal(scenario: Scenario, sso: SsoState, browser_watch: Watches) -> None:
    page = scenario.browser(sso.browser)
    portal = Portal(page, scenario.target)
    foreign = browser_watch.watch(page).foreign()
    assert not foreign, (
        f"after opening the link the browser was sent off the portal to {', '.join(foreign)} (blocked by the suite); "
        "expected the portal to keep `next` on the portal"
    )
    expected = MagicLink(scenario.target.urls.nomos_portal).origin
    assert portal.origin == expected, f"expected the browser to stay on the portal {expected}, but {portal.describe()}"


@then(parsers.re(rf"{SHE} sees the hosted checkout"))
def sees_checkout(scenario: Scenario, sso: SsoState, evidence: Evidence) -> None:
    page = scenario.browser(sso.browser)
    Checkout(page, scenario.target).expect_shown()
    evidence.capture(page, "the hosted checkout of the Nomos portal")


@then(parsers.re(rf"{HER} {DEVICE} is signed out of the portal"))
def device_signed_out(scenario: Scenario, device: str) -> None:
    portal = SignedOut(scenario.browser(device), scenario.target)
    portal.visit_hub()
    portal.expect_signed_out()


@then(parsers.re(rf"{HER} {DEVICE} is still signed in to the portal"))
def device_signed_in(scenario: Scenario, sso: SsoState, device: str) -> None:
    hub = AccountHub(scenario.browser(device), scenario.target)
    hub.visit_hub()
    hub.expect_for(sso.user())


@then(parsers.re(rf"{SHE} sees the partner app's sign-in page"))
def sees_partner_sign_in(scenario: Scenario, evidence: Evidence) -> None:
    page = scenario.browser()
    PartnerSignIn(page, scenario.target).expect_shown()
    evidence.capture(page, "the partner app's sign-in page")


@then(parsers.re(rf"{HER} browser never reached the portal"))
def never_reached_portal(scenario: Scenario, browser_watch: Watches) -> None:
    watch = browser_watch.watch(scenario.browser())
    portal = urlsplit(scenario.target.urls.nomos_portal).netloc
    reached = [watch.places.of(url) for url in watch.requested() if urlsplit(url).netloc == portal]
    assert not reached, (
        f"the browser of a visitor not signed in to the partner app was sent to {reached[0]}: "
        "expected the entry to mint nothing and ask for the partner sign-in"
    )


@then("each opening used a different magic link")
def different_links(sso: SsoState, scenario: Scenario) -> None:
    assert len(sso.opened) >= 2, "the scenario opened the energy account fewer than two times"
    for number, link in enumerate(sso.opened, start=1):
        assert link is not None and link.token, (
            f"expected click {number} on 'Open energy account' to go through a magic link to the portal, "
            f"but {Portal(scenario.browser(sso.browser), scenario.target).describe()}"
        )
    tokens = [link.token for link in sso.opened if link]
    assert len(set(tokens)) == len(tokens), (
        f"{len(tokens)} clicks on 'Open energy account' went through only {len(set(tokens))} distinct magic link(s): "
        "expected a fresh one-time link per click"
    )


@then(parsers.re(rf"nothing {HER} browser sent, received, stored or showed carries a Nomos access token"))
def no_access_token_in_browser(sso: SsoState, nomos: NomosClient) -> None:
    assert sso.recording is not None, "the scenario did not record the browser"
    items: list[Item] = sso.recording.finish()
    seen = {party for party in ("the partner app", "the Nomos portal") if any(party in item.where for item in items)}
    assert seen == {"the partner app", "the Nomos portal"}, (
        f"the recording saw only {', '.join(sorted(seen)) or 'nothing'}; without both the partner app and the portal "
        "the leak check would prove nothing"
    )
    patterns = {
        "a JWT-shaped value": JWT,
        "the Nomos access token the suite's own client holds": re.compile(re.escape(nomos.access_token().reveal())),
        "the word 'access_token'": re.compile(r"access_token", re.I),
        "a 'Bearer ' credential": re.compile(r"Bearer\s"),
    }
    findings = find(items, patterns)
    more = f" (and {len(findings) - 5} more)" if len(findings) > 5 else ""
    assert not findings, "expected no trace of a Nomos access token in the browser, but " + "; ".join(findings[:5]) + more
