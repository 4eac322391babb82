"""CON-01: every vendored operation, fuzzed by Schemathesis against the current target.

Positive and negative generated input, all built-in checks (``ignored_auth`` among
them), real authentication per operation, and the promises a schema cannot state,
registered as Schemathesis checks (tests/contracts/promises.py) and so run on every
answer: ``expires_at == created_at + 600``, ``completed_at`` null, the request echoed,
the magic link's form, error codes matching the status. A check the target profile
lists as a known vendor deviation is tolerated and reported (suite/deviations.py).
The number of cases per operation comes from ``--contract-budget`` (default: the target
profile's ``[limits] contract_max_examples``), the seed from ``--contract-seed`` (drawn
and printed when not given); suite/contract.py sends every request under the suite's
HTTP policy (allowed hosts, request budget, pace, 429 with Retry-After, timeout).
Nothing here knows the sandbox: brands and redirect URLs come from the target profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.specs.openapi.checks import positive_data_acceptance

from steps.clients.nomos import NomosClient
from suite.contract import Contract, operation
from suite.requirements import proves
from suite.target import Target
from tests.contracts import promises  # noqa: F401 - registers the vendors' promises as Schemathesis checks

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"


def load(name: str, base_url: str, contract: Contract, path: str, **auth: Any) -> Any:
    """One operation's schema, with its own authentication set where Schemathesis
    knows about it (so its negative cases without auth stay without auth)."""
    return contract.configure(schemathesis.openapi.from_path(SCHEMAS / name).include(path=path), base_url, **auth)


@pytest.fixture(scope="session")
def nomos_token_schema(target: Target, contract: Contract) -> Any:
    secret = (target.nomos.client_id, target.nomos.client_secret.reveal())
    return load("nomos.openapi.yaml", target.urls.nomos_api, contract, "/oauth/token", basic_auth=secret)


@pytest.fixture(scope="session")
def nomos_link_schema(target: Target, contract: Contract, nomos: NomosClient) -> Any:
    bearer = {"Bearer": {"bearer": nomos.access_token().reveal()}}
    return load("nomos.openapi.yaml", target.urls.nomos_api, contract, "/admin/magic_link", openapi_auth=bearer)


@pytest.fixture(scope="session")
def nox_supplier_schema(target: Target, contract: Contract) -> Any:
    key = {"x-api-key": target.nox.supplier_api_key.reveal()}
    return load("nox.openapi.yaml", target.urls.nox, contract, "/v2/supplier/link-sessions", headers=key)


@pytest.fixture(scope="session")
def nox_manufacturer_schema(target: Target, contract: Contract) -> Any:
    key = {"x-api-key": target.nox.manufacturer_api_key.reveal()}
    return load("nox.openapi.yaml", target.urls.nox, contract, "/v2/manufacturer/link-sessions", headers=key)


@pytest.fixture(scope="session")
def nox_post_login_schema(target: Target, contract: Contract) -> Any:
    key = {"x-api-key": target.nox.supplier_api_key.reveal()}
    return load("nox.openapi.yaml", target.urls.nox, contract, "/post-login-redirect", headers=key)


nomos_token = operation("nomos_token_schema", "POST", "/oauth/token")
nomos_link = operation("nomos_link_schema", "POST", "/admin/magic_link")
nox_supplier = operation("nox_supplier_schema", "POST", "/v2/supplier/link-sessions")
nox_manufacturer = operation("nox_manufacturer_schema", "POST", "/v2/manufacturer/link-sessions")
nox_post_login = operation("nox_post_login_schema", "POST", "/post-login-redirect")


def schema_brands(case: Case) -> list[str]:
    """The brands the request schema allows (the vendor publishes no brand-to-type map)."""
    request = case.operation.schema.raw_schema["components"]["schemas"]["SupplierLinkSessionRequest"]
    return [b for b in request["properties"]["brand"].get("enum", []) if isinstance(b, str)]


def allowed(case: Case, redirect_url: str, target: Target) -> Case:
    """Point a generated, well-formed redirect URL at the caller's allow-listed one, so
    that generated valid sessions get created and their answers checked. A malformed
    URL (a negative case) is left as it is, so the case stays invalid."""
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("redirect_url"), str):
        parts = urlsplit(body["redirect_url"])
        if parts.scheme in ("http", "https") and parts.netloc:
            body["redirect_url"] = redirect_url
        asset = body.get("asset_type")
        if isinstance(asset, str) and asset in target.brands and isinstance(body.get("brand"), str):
            # A schema-valid brand the profile does not know for this asset type (which
            # brand is which type is unpublished) becomes the profile's brand of that
            # type; an invented one stays, so the case stays invalid.
            known = {target.brands[asset].brand, target.brands[asset].terms_brand}
            if body["brand"] not in known and body["brand"] in schema_brands(case):
                body["brand"] = target.brands[asset].brand
    return case


@proves("REQ-CON-01", "REQ-SSO-01", "REQ-SSO-05")
@nomos_token.parametrize()
def test_nomos_token_contract(case: Case, contract: Contract) -> None:
    # The tokens in the answer are registered as secrets by the transport, before any
    # check can print them (suite/contract.py, remember_tokens).
    contract.validate(case)


@proves("REQ-CON-01", "REQ-SSO-02", "REQ-SSO-03", "REQ-SSO-05", "REQ-SSO-06")
@nomos_link.parametrize()
def test_nomos_magic_link_contract(case: Case, target: Target, contract: Contract) -> None:
    # Random ids are never customers (always 404); half the well-formed ones become the
    # profile's test customer so the success answer is fuzzed too. Wrong types stay wrong.
    body = case.body
    if isinstance(body, dict) and isinstance(body.get("customerId"), str) and len(body["customerId"]) % 2 == 0 \
            and body["customerId"]:
        body["customerId"] = target.user("subscribed").nomos_customer_id
    contract.validate(case, excluded=BUSINESS_RULES)


# Schema-valid input these APIs refuse by documented rules a schema cannot carry: a
# redirect URL outside the caller's allow-list, a brand of another asset type, a
# customer Nomos does not know. Everything else about valid data is still checked.
BUSINESS_RULES = [positive_data_acceptance]


@proves("REQ-CON-01", "REQ-SUP-01", "REQ-SUP-02", "REQ-SUP-03", "REQ-SUP-06", "REQ-SUP-07")
@nox_supplier.parametrize()
def test_nox_supplier_link_session_contract(case: Case, target: Target, contract: Contract) -> None:
    contract.validate(allowed(case, target.nox.supplier_redirect_url, target), excluded=BUSINESS_RULES)


@proves("REQ-CON-01", "REQ-MAN-01")
@nox_manufacturer.parametrize()
def test_nox_manufacturer_link_session_contract(case: Case, target: Target, contract: Contract) -> None:
    contract.validate(allowed(case, target.nox.manufacturer_redirect_url, target), excluded=BUSINESS_RULES)


@proves("REQ-CON-01", "REQ-MAN-07")
@nox_post_login.parametrize()
def test_nox_post_login_redirect_contract(case: Case, contract: Contract) -> None:
    contract.validate(case, excluded=BUSINESS_RULES)  # an invented state is rightly unknown
