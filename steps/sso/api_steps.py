"""SSO steps about the Nomos API (features/portal_sso.feature, "minting at Nomos"): the
suite's Nomos client plays the partner backend. The feature's words for forged tokens
and malformed requests are in :mod:`steps.sso.vocabulary`."""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import pytest
from pytest_bdd import given, parsers, then, when

from steps.cast import PERSONA, PERSONAS
from steps.clients.nomos import NomosClient
from steps.common import TimePasses
from steps.sso.journey import SsoState, pass_time
from steps.sso.vocabulary import DESTINATIONS, ERROR_CODES, JWT, REFUSALS, MagicLink, answered, bad_input, bearer_for
from suite.plugin import Run
from suite.redaction import Secret

# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} is a Nomos customer with an energy subscription"))
def subscribed_customer(sso: SsoState, persona: str) -> None:
    assert PERSONAS.get(persona) == "subscribed", f"{persona} must be the persona with a subscription (steps/cast.py)"
    assert sso.user(persona).nomos_customer_id, f"the target names no Nomos customer for {persona}"


@given(parsers.parse("{persona} is a Nomos customer without a subscription yet"))
def unsubscribed_customer(sso: SsoState, persona: str) -> None:
    assert PERSONAS.get(persona) == "unsubscribed", f"{persona} must be the persona without a subscription (steps/cast.py)"
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
def access_token_expired(sso: SsoState, time_passes: TimePasses) -> None:
    pass_time(sso, time_passes, sso.token_lifetime + 60)


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
    assert link.origin == portal and link.destination == "/start", (
        f"expected the link of a customer without a subscription to lead to the hosted checkout {portal}/start "
        f"(by its path or its `next`), but it leads to {link.origin}{link.destination}"
    )
    assert link.token, "expected the checkout link to carry a one-time token (`token_hash`), but it has none"


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
