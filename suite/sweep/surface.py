"""The surface, as data: every endpoint and every page a person sees.

Endpoints come from the vendored schemas (``schemas/*.openapi.yaml``: one item per
operation, its inputs read from the schema) joined with what the schema cannot say
(``OPERATION_FACTS``: personal, changes state, who may call); the partner app's entry
points and every page come from docs/spec/interfaces.md (§1 page tables, §2 entry
points). tests/selftest/test_sweep.py fails when a schema operation, an interfaces.md
page or an entry point has no item here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = {"nomos": ROOT / "schemas" / "nomos.openapi.yaml", "nox": ROOT / "schemas" / "nox.openapi.yaml"}
INTERFACES = ROOT / "docs" / "spec" / "interfaces.md"


@dataclass(frozen=True)
class Item:
    """One endpoint, entry point or page."""

    id: str  # short and stable: it is part of the probes' test ids
    kind: str  # "endpoint" (a vendor API operation), "entry" (a partner app address), "page"
    party: str  # "Nomos", "NOX", "partner app", "manufacturer app"
    name: str  # interfaces.md's words for a page; "METHOD /path" for an endpoint or entry point
    method: str = "GET"
    path: str = ""  # "" when interfaces.md fixes no address (reached by following the flow)
    query: tuple[str, ...] = ()
    form: tuple[str, ...] = ()
    headers: tuple[str, ...] = ()
    cookies: tuple[str, ...] = ()
    body: tuple[str, ...] = ()  # JSON body fields
    reflects: tuple[str, ...] = ()  # inputs the answer shows back
    personal: bool = False  # shows or returns a person's data
    changes_state: bool = False
    callers: str = "anyone"  # who may call it
    refusal: str = ""  # for a refusal page: its reason ("invalid", "expired", ...)
    languages: bool = False  # the flow that leads here takes a language (nl, en, fr, es)
    auth: str = ""  # "bearer", "basic", "api-key", "session" (a cookie), "" (none)
    source: str = ""
    operation_id: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def label(self) -> str:
        return f"{self.party}: {self.name}"


# What a schema cannot say, per operationId. A new operation without a row fails
# tests/selftest/test_sweep.py.
OPERATION_FACTS: dict[str, dict[str, Any]] = {
    "createAccessToken": dict(id="nomos-token", personal=False, changes_state=True,
                              callers="the partner backend (client id and secret)", auth="basic"),
    "createMagicLink": dict(id="nomos-magic-link", personal=True, changes_state=True,
                            callers="the partner backend (Bearer access token)", auth="bearer"),
    "createSupplierLinkSession": dict(id="nox-supplier-session", personal=True, changes_state=True,
                                      callers="a supplier backend (its x-api-key)", auth="api-key",
                                      reflects=("user_id", "asset_type", "redirect_url", "brand", "language")),
    "createManufacturerLinkSession": dict(id="nox-manufacturer-session", personal=True, changes_state=True,
                                          callers="a manufacturer backend (its x-api-key)", auth="api-key",
                                          reflects=("user_id", "redirect_url", "language")),
    "postLoginRedirect": dict(id="nox-post-login-redirect", personal=True, changes_state=True,
                              callers="the supplier backend (its x-api-key), once per sign-in session", auth="api-key"),
}


def _properties(schema: dict[str, Any], components: dict[str, Any]) -> tuple[str, ...]:
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return tuple(schema.get("properties", {}))


@cache
def schema_operations() -> tuple[tuple[str, str, str, dict[str, Any], dict[str, Any]], ...]:
    """``(vendor, method, path, operation, document)`` for every operation of schemas/."""
    found = []
    for vendor, path in SCHEMAS.items():
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        for route, methods in document["paths"].items():
            for method, operation in methods.items():
                if method.lower() in ("get", "post", "put", "patch", "delete"):
                    found.append((vendor, method.upper(), route, operation, document))
    return tuple(found)


def endpoints() -> list[Item]:
    items = []
    for vendor, method, route, operation, document in schema_operations():
        op_id = operation.get("operationId", f"{method} {route}")
        facts = OPERATION_FACTS.get(op_id)
        if facts is None:
            continue  # the selftest names it
        components = document.get("components", {})
        body_schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
        params = [components.get("parameters", {}).get(p["$ref"].rsplit("/", 1)[1], {}) if "$ref" in p else p
                  for p in operation.get("parameters", [])]
        headers = [p["name"] for p in params if p.get("in") == "header"]
        for scheme in (name for req in operation.get("security", []) for name in req):
            definition = components.get("securitySchemes", {}).get(scheme, {})
            headers.append(definition.get("name") if definition.get("type") == "apiKey" else "Authorization")
        items.append(Item(
            kind="endpoint", party="Nomos" if vendor == "nomos" else "NOX", name=f"{method} {route}", method=method,
            path=route, headers=tuple(dict.fromkeys(headers)), body=_properties(body_schema, components.get("schemas", {})),
            source=f"schemas/{SCHEMAS[vendor].name} ({op_id})", operation_id=op_id,
            **facts,
        ))
    return items


# The partner app's entry points (interfaces.md §2, "Partner app entry points").
ENTRIES = [
    Item(id="partner-portal", kind="entry", party="partner app", name="GET /portal", path="/portal", query=("next",),
         cookies=("partner session",), personal=True, changes_state=True, auth="session",
         callers="a signed-in partner user (signed out: to sign-in)", source="interfaces.md §2; 001 (requireAuth)"),
    Item(id="partner-connect", kind="entry", party="partner app", name="GET /connect/{asset_type}", path="/connect/hp",
         cookies=("partner session",), personal=True, changes_state=True, auth="session",
         callers="a signed-in partner user", source="interfaces.md §2; 004 §1"),
    Item(id="partner-callback", kind="entry", party="partner app", name="GET /callback", path="/callback",
         query=("data",), cookies=("partner session",), personal=True, changes_state=True, auth="session",
         callers="NOX's redirect, in the signed-in user's browser", source="interfaces.md §2; 004 §1"),
    Item(id="partner-oauth", kind="entry", party="partner app", name="GET /oauth/nox", path="/oauth/nox",
         query=("state", "language"), reflects=("state", "language"), languages=True,
         callers="NOX's supplier selector, in anyone's browser", source="interfaces.md §2; 004 §2.1"),
]

# Every page a person sees (interfaces.md §1), refusals included. ``name`` is the first
# column of interfaces.md's tables; a refusal page with several reasons is one item per reason.
PAGES = [
    Item(id="partner-sign-in", kind="page", party="partner app", name="sign-in", form=("email", "password", "next"),
         query=("next",), reflects=("next", "email"), source="interfaces.md §1"),
    Item(id="partner-home", kind="page", party="partner app", name="home (signed in)", cookies=("partner session",),
         personal=True, auth="session", callers="the signed-in partner user", source="interfaces.md §1"),
    Item(id="partner-devices", kind="page", party="partner app", name="devices, after a NOX callback",
         query=("data",), cookies=("partner session",), personal=True, changes_state=True, auth="session",
         callers="the signed-in partner user", source="interfaces.md §1"),
    Item(id="partner-callback-refused", kind="page", party="partner app", name="callback refused", query=("data",),
         cookies=("partner session",), refusal="callback", auth="session", callers="the signed-in partner user",
         source="interfaces.md §1; SUP-16"),
    Item(id="partner-oauth-page", kind="page", party="partner app",
         name="supplier OAuth page (manufacturer-initiated flow)", path="/oauth/nox",
         query=("state", "language"), form=("state", "language", "email", "password", "accept_terms"),
         reflects=("state", "language", "email"), languages=True, changes_state=True,
         callers="anyone NOX sends (the POST: a partner user with her password)", source="interfaces.md §1, §2"),
    Item(id="partner-oauth-refused", kind="page", party="partner app",
         name="supplier OAuth page (manufacturer-initiated flow)", path="/oauth/nox", query=("language",),
         refusal="no linking session", languages=True, source="interfaces.md §1 (oauth-error)"),
    Item(id="portal-hub", kind="page", party="Nomos", name="account hub (`/overview`)", path="/overview",
         cookies=("portal session",), personal=True, auth="session", callers="the signed-in customer",
         source="interfaces.md §1"),
    Item(id="portal-invoice", kind="page", party="Nomos", name="an invoice (`/invoices/{id}`)", path="/invoices/{id}",
         cookies=("portal session",), personal=True, auth="session", callers="the signed-in customer",
         source="interfaces.md §1"),
    Item(id="portal-checkout", kind="page", party="Nomos", name="hosted checkout (`/start`)", path="/start",
         cookies=("portal session",), personal=True, auth="session", callers="the signed-in customer",
         source="interfaces.md §1"),
    Item(id="portal-signed-out", kind="page", party="Nomos", name="signed out", path="/",
         query=("token_hash", "type", "next"), source="interfaces.md §1"),
    Item(id="portal-link-refused", kind="page", party="Nomos", name="signed out", path="/",
         query=("token_hash", "type", "next"), refusal="link", changes_state=True,
         source="interfaces.md §1 (link-error)"),
    Item(id="nox-brand-picker", kind="page", party="NOX", name="brand selection", query=("token", "language"),
         languages=True, callers="anyone with the link", source="interfaces.md §1; 003, 004"),
    Item(id="nox-brand-sign-in", kind="page", party="NOX",
         name="a brand's sign-in page (the manufacturer's OAuth page)", query=("session", "language"),
         form=("username", "password", "accept_terms"), languages=True, changes_state=True,
         callers="anyone with the link (the POST: the brand account's owner)", source="interfaces.md §1; 004"),
    Item(id="nox-supplier-picker", kind="page", party="NOX", name="energy-supplier selector",
         query=("token", "language"), languages=True, callers="anyone with the link", source="interfaces.md §1; 004 §2"),
    *[Item(id=f"nox-refused-{reason}", kind="page", party="NOX", name="session refused", query=("token", "language"),
           refusal=reason, languages=True, callers="anyone with the link", source="interfaces.md §1 (session-error)")
      for reason in ("invalid", "expired", "completed")],
    Item(id="manufacturer-result", kind="page", party="manufacturer app",
         name="manufacturer result (interfaces.md §1, assumed)", query=("status", "reason"),
         reflects=("status",), callers="NOX's redirect", source="interfaces.md §1 (assumed)"),
]


def unlisted_operations(operations: tuple[tuple[str, str, str, dict[str, Any], dict[str, Any]], ...] | None = None
                        ) -> list[str]:
    """``METHOD /path (operationId)`` of every schema operation without a row in OPERATION_FACTS."""
    found = schema_operations() if operations is None else operations
    return [f"{method} {route} ({op.get('operationId', 'no operationId')})" for _, method, route, op, _ in found
            if op.get("operationId") not in OPERATION_FACTS]


def interfaces_pages(text: str | None = None) -> set[str]:
    """The first column of every page table of interfaces.md §1."""
    text = INTERFACES.read_text(encoding="utf-8") if text is None else text
    section = text.split("## 1.", 1)[1].split("## 2.", 1)[0]
    rows = (line.split("|")[1].strip() for line in section.splitlines() if line.startswith("|"))
    return {row for row in rows if row and row != "page" and not set(row) <= {"-"}}


def interfaces_entries(text: str | None = None) -> set[str]:
    """``GET /path`` of every partner app entry point interfaces.md §2 names."""
    text = INTERFACES.read_text(encoding="utf-8") if text is None else text
    section = text.split("**Partner app entry points.**", 1)[1].split("## 3.", 1)[0]
    return {f"GET {path.split('?')[0]}" for path in re.findall(r"`GET (/[^`]*)`", section)}


def surface() -> list[Item]:
    """Every item, endpoints first."""
    return [*endpoints(), *ENTRIES, *PAGES]


def by_id() -> dict[str, Item]:
    return {item.id: item for item in surface()}
