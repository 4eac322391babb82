"""Supplier steps about NOX's API (features/supplier_device_link.feature, "the partner
starts a link session"): the suite's NOX client plays the partner backend. The
requests the feature names in words are built in :mod:`steps.supplier.vocabulary`."""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from steps import link_sessions
from steps.cast import IN_LANGUAGE, LANGUAGES, PERSONA
from steps.clients.clock import ClockClient
from steps.clients.nox import NoxClient
from steps.common import Scenario
from steps.supplier.journey import SupplierFlow, ask, started
from steps.supplier.vocabulary import DEVICE, LINK_SESSION_FIELDS, WHO, asset, request_for

# ------------------------------------------------------------------------ the cast


@given(parsers.parse("{persona} uses the partner app signed in with her own account"))
def uses_partner_app(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    """Her browser signs in when a step first needs it; API-only scenarios need none."""
    scenario.persona = persona
    assert scenario.user(persona).email, f"the target names no partner account for {persona}"


# ------------------------------------------------------------ NOX's API, as the partner


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE}"
                 rf"(?P<usual> of the partner's usual brand)?{IN_LANGUAGE}"))
def partner_starts(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                   usual: str | None, language: str | None) -> None:
    asset_type = asset(device)
    brand = sup_flow.brands(asset_type).brand if usual else None
    ask(sup_flow, nox, scenario.user(persona), asset_type, brand=brand, language=language)


@given(parsers.re(rf"the partner backend has started linking {PERSONA}'s {DEVICE}"
                  rf"(?P<usual> of the partner's usual brand)?{IN_LANGUAGE}"))
def partner_has_started(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                        usual: str | None, language: str | None) -> None:
    """As the step above, and NOX must have started the session: it is the link in play."""
    partner_starts(sup_flow, scenario, nox, persona, device, usual, language)
    started(sup_flow, asset(device))


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE} (?P<words>(?:with|without|for) .+)"))
def partner_starts_badly(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                         words: str) -> None:
    body, api_key, content = request_for(words, nox, sup_flow.target, scenario.user(persona), asset(device))
    sup_flow.asked = body if isinstance(body, dict) else {}
    sup_flow.answer = nox.create_supplier_session(body, api_key=api_key, content=content)


@when(parsers.re(rf"the partner backend starts linking {PERSONA}'s {DEVICE} of a brand that makes only "
                 r"(?P<others>heat pumps|solar panels)"))
def partner_starts_wrong_brand(sup_flow: SupplierFlow, scenario: Scenario, nox: NoxClient, persona: str, device: str,
                               others: str) -> None:
    asset_type, other = asset(device), asset(others)
    assert other != asset_type, "the feature must name the other kind of device"
    ask(sup_flow, nox, scenario.user(persona), asset_type, brand=sup_flow.brands(asset_type).other_type_brand)


@then("NOX answers the partner with a link to its Authenticator UI")
def answers_with_link(sup_flow: SupplierFlow) -> None:
    link_sessions.expect_link(sup_flow.answer, sup_flow.target, WHO)


@then("the answer describes the whole link session")
def describes_session(sup_flow: SupplierFlow) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    missing = [name for name in LINK_SESSION_FIELDS if name not in body]
    assert not missing, f"expected the answer to describe the whole link session, but it lacks {', '.join(missing)}"
    assert body["asset_type"] == sup_flow.asked["asset_type"], (
        f"expected the session to be for a {sup_flow.asked['asset_type']!r} device, but it is for {body['asset_type']!r}"
    )


@then(parsers.parse("the session is for {persona}'s account at the partner behind the key"))
def session_is_users(sup_flow: SupplierFlow, scenario: Scenario, persona: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    user, nox = scenario.user(persona), sup_flow.target.nox
    problems = []
    if body.get("supplier_user_id") != user.id:
        problems.append(f"`supplier_user_id` is {body.get('supplier_user_id')!r}, not {persona}'s {user.id!r}")
    if body.get("supplier") != nox.supplier_name:
        problems.append(f"`supplier` is {body.get('supplier')!r}, not {nox.supplier_name!r}")
    assert not problems, "the session does not describe the request: " + "; ".join(problems)


@then(parsers.re(rf"the session is for her {DEVICE} of that brand, returning to the partner's callback, "
                 r"in (?P<language>\w+)"))
def session_echoes(sup_flow: SupplierFlow, device: str, language: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    expected = {"asset_type": asset(device), "brand": sup_flow.asked.get("brand"),
                "redirect_url": sup_flow.asked["redirect_url"], "language": LANGUAGES[language]}
    problems = [f"`{name}` is {body.get(name)!r}, not {value!r}" for name, value in expected.items() if body.get(name) != value]
    assert not problems, "the session does not echo the request: " + "; ".join(problems)


@then(parsers.re(r"the session is in (?P<language>Dutch|English|French|Spanish)"))
def session_language(sup_flow: SupplierFlow, language: str) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    asked = "asked for" if "language" in sup_flow.asked else "by default, none being asked for"
    assert body.get("language") == LANGUAGES[language], (
        f"expected the session in {language} ({LANGUAGES[language]}) {asked}, but it is in {body.get('language')!r}"
    )


@then("the session has no brand chosen yet")
def session_without_brand(sup_flow: SupplierFlow) -> None:
    body = link_sessions.created(sup_flow.answer, WHO)
    assert "brand" in body, "expected the session to say which brand is chosen (none), but it has no `brand`"
    assert body["brand"] is None, f"expected no brand chosen, but the session has brand {body['brand']!r}"


@then(parsers.parse("the link session is open for {minutes:d} minutes from now and not yet completed"))
def session_open(sup_flow: SupplierFlow, clock: ClockClient, minutes: int) -> None:
    link_sessions.expect_open_for(sup_flow.answer, clock, minutes, WHO)


@then(parsers.re(r"NOX refuses the partner's link session as (?P<refusal>unauthorised|invalid input)"))
def session_refused(sup_flow: SupplierFlow, refusal: str) -> None:
    link_sessions.expect_refused(sup_flow.answer, refusal, WHO)


@then("the partner gets no link to the Authenticator UI")
def no_link(sup_flow: SupplierFlow) -> None:
    link_sessions.expect_no_link(sup_flow.answer, WHO)
