"""CON-02: the vendors' own examples against the vendored schemas.

Every example inside schemas/ (named request and response examples, `example`s of single
fields, objects composed from those, the callback payload examples) is validated against
its schema, and every JSON example on the vendor pages must be one of them, verbatim.
Documented rules the schema cannot express ("Always null on creation", "10 minutes after
creation", the answer echoes the request) are checked against the examples too.

Where the vendor's examples disagree with its own schema or prose, the check is a
visible, strict expected failure with the vendor page in the reason: it fails only with
exactly the known disagreement, and turns into an error the day the vendor fixes it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from suite.requirements import VENDOR_DOCS, proves

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# Short, readable names of the operations in test ids (else the operationId).
OPERATION_NAMES = {
    "createAccessToken": "oauth-token",
    "createMagicLink": "magic-link",
    "createSupplierLinkSession": "supplier",
    "createManufacturerLinkSession": "manufacturer",
    "postLoginRedirect": "post-login-redirect",
}
# Vendor pages whose JSON examples must all be vendored (NOTES.md: the token request body).
PAGES_WITH_JSON_EXAMPLES = (
    "nox-create-supplier-link-session.txt",
    "nox-energy-supplier-integration.txt",
    "NOTES.md",
)


@dataclass(frozen=True)
class Disagreement:
    reason: str  # shown by pytest on the expected failure
    problems: frozenset[str]  # exactly what the check finds while the vendor disagrees


# The vendor's examples that contradict its own schema or prose, by test id.
KNOWN = {
    "nox-supplier-request-reference-example": Disagreement(
        "vendor page 003: request example omits required asset_type",
        frozenset({"'asset_type' is a required property"})),
    "nox-supplier-request-guide-example": Disagreement(
        "vendor page 004: request example omits required asset_type",
        frozenset({"'asset_type' is a required property"})),
    "nox-supplier-response-reference-example": Disagreement(
        "vendor page 003: response example lacks required asset_type and brand",
        frozenset({"'asset_type' is a required property", "'brand' is a required property"})),
    "nox-supplier-response-guide-example": Disagreement(
        "vendor page 004: response example lacks required asset_type",
        frozenset({"'asset_type' is a required property"})),
    "nox-supplier-response-reference-example-completed-at-null-on-creation": Disagreement(
        "vendor page 003: response example has completed_at 123, yet 'Always null on creation'",
        frozenset({"completed_at is 123, not null"})),
    "nox-callback-wire-example-decodes-to-payload": Disagreement(
        "vendor page 004: the example callback URL's data is an elided illustration, not a payload",
        frozenset({'data decodes to \'{"nox_user_id":"...", ...}\', which is not JSON'})),
}


class VendorDisagreement(Exception):
    """Raised when a check finds exactly the known disagreement (the expected failure)."""


def settle(test_id: str, problems: list[str]) -> None:
    known = KNOWN.get(test_id)
    if known is not None and set(problems) == known.problems:
        raise VendorDisagreement(f"{known.reason}: {'; '.join(problems)}")
    assert not problems, "\n".join(problems)


def expected_failure(test_id: str) -> list[pytest.MarkDecorator]:
    known = KNOWN.get(test_id)
    return [pytest.mark.xfail(strict=True, raises=VendorDisagreement, reason=known.reason)] if known else []


# ----------------------------------------------------------------------- validators

_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")


def is_uri(value: object) -> bool:
    """RFC 3986 absolute URI (scheme, then only URI characters); neither jsonschema nor
    openapi-schema-validator checks `uri` without extra packages."""
    return not isinstance(value, str) or _URI.fullmatch(value) is not None


OAS30_FORMATS = FormatChecker(formats=())
OAS30_FORMATS.checkers.update(oas30_format_checker.checkers)
OAS30_FORMATS.checks("uri")(is_uri)
JSON_SCHEMA_FORMATS = FormatChecker()
JSON_SCHEMA_FORMATS.checks("uri")(is_uri)


@dataclass(frozen=True)
class Example:
    id: str
    value: Any
    schema: dict[str, Any]  # self-contained: refs resolve inside it
    dialect: str  # "oas30" or "2020-12"

    def problems(self) -> list[str]:
        if self.dialect == "oas30":
            validator = OAS30Validator(self.schema, format_checker=OAS30_FORMATS)
        else:
            validator = Draft202012Validator(self.schema, format_checker=JSON_SCHEMA_FORMATS)
        return sorted(f"{e.message}" + (f" (at {e.json_path})" if e.path else "")
                      for e in validator.iter_errors(self.value))


# ----------------------------------------------------------------------- collection


def load(name: str) -> dict[str, Any]:
    text = (SCHEMAS / name).read_text(encoding="utf-8")
    # libyaml (as suite/contract.py reads them): every worker's collection reads the schemas several times
    return json.loads(text) if name.endswith(".json") else yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def openapi_documents() -> dict[str, dict[str, Any]]:
    return {path.name.removesuffix(".openapi.yaml"): load(path.name) for path in sorted(SCHEMAS.glob("*.openapi.yaml"))}


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for item in doc["paths"].values():
        for method, op in item.items():
            if method in METHODS:
                yield OPERATION_NAMES.get(op["operationId"], op["operationId"]), op


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


def bodies(op: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, media type object) of an operation's request and answers."""
    for media in op.get("requestBody", {}).get("content", {}).values():
        yield "request", media
    for status, response in op.get("responses", {}).items():
        for media in response.get("content", {}).values():
            yield ("response" if str(status).startswith("2") else f"response-{status}"), media


def sole_value(node: dict[str, Any]) -> list[Any]:
    """The value a field can only have (an enum of one), as a one-item list, else []."""
    enum = [v for v in node.get("enum", []) if v is not None]
    return enum if len(enum) == 1 else []


def field_examples(doc: dict[str, Any], node: dict[str, Any], where: str, api: str) -> Iterator[Example]:
    """`example`s of a schema and its fields, and the object composed of the field examples."""
    if "$ref" in node:
        return

    def example(test_id: str, value: Any, schema: dict[str, Any]) -> Example:
        return Example(f"{api}-{test_id}", value, {**schema, "components": doc.get("components", {})}, "oas30")

    if "example" in node:
        yield example(f"{where}-example", node["example"], node)
    properties = node.get("properties", {})
    for name, child in properties.items():
        yield from field_examples(doc, child, f"{where}.{name}", api)
    if isinstance(node.get("items"), dict):
        yield from field_examples(doc, node["items"], f"{where}[]", api)
    for keyword in ("allOf", "anyOf", "oneOf"):
        for i, child in enumerate(node.get(keyword, [])):
            yield from field_examples(doc, child, f"{where}.{keyword}{i}", api)

    composed, from_examples = {}, False
    for name, child in properties.items():
        child = resolve(doc, child)
        if "example" in child:
            composed[name], from_examples = child["example"], True
        elif sole_value(child):
            composed[name] = sole_value(child)[0]
    if from_examples and set(node.get("required", [])) <= set(composed):
        yield example(f"{where}-from-field-examples", composed, node)


def collect_openapi_examples() -> Iterator[Example]:
    for api, doc in openapi_documents().items():
        for name, schema in doc.get("components", {}).get("schemas", {}).items():
            yield from field_examples(doc, schema, name, api)
        for name, parameter in doc.get("components", {}).get("parameters", {}).items():
            yield from field_examples(doc, parameter.get("schema", {}), f"parameter-{name}", api)
        for op_name, op in operations(doc):
            for where, media in bodies(op):
                schema = {**media["schema"], "components": doc.get("components", {})}
                for example_name, example in media.get("examples", {}).items():
                    yield Example(f"{api}-{op_name}-{where}-{example_name}", example["value"], schema, "oas30")
                if "example" in media:
                    yield Example(f"{api}-{op_name}-{where}-example", media["example"], schema, "oas30")
                yield from field_examples(doc, media["schema"], f"{op_name}-{where}", api)


def collect_json_schema_examples() -> Iterator[Example]:
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        schema = load(path.name)
        name = path.name.removesuffix(".schema.json")
        for i, value in enumerate(schema.get("examples", []), start=1):
            yield Example(f"{name}-example-{i}", value, schema, "2020-12")


EXAMPLES = [*collect_openapi_examples(), *collect_json_schema_examples()]
EXAMPLE_IDS = [e.id for e in EXAMPLES]


def named_examples(op_name: str, where: str) -> dict[str, Any]:
    """The named examples of one body of a NOX or Nomos operation."""
    for doc in openapi_documents().values():
        for name, op in operations(doc):
            if name == op_name:
                for body_where, media in bodies(op):
                    if body_where == where:
                        return {k: v["value"] for k, v in media.get("examples", {}).items()}
    raise LookupError(f"{op_name} {where} not found")


# ----------------------------------------------------------------------- examples vs schemas


@proves("REQ-CON-02")
@pytest.mark.parametrize("example", [pytest.param(e, id=e.id, marks=expected_failure(e.id)) for e in EXAMPLES])
def test_example_validates_against_its_schema(example: Example) -> None:
    settle(example.id, example.problems())


@proves("REQ-CON-02")
def test_the_examples_that_must_be_there_are_collected() -> None:
    """Guards the collection itself: an example that silently dropped out proves nothing."""
    must = {
        "nomos-magic-link-response-from-field-examples",  # the published `link` example in the 200 answer
        "nomos-magic-link-response.link-example",
        "nomos-magic-link-request.customerId-example",
        "nomos-ErrUnauthorized-from-field-examples",
        "nomos-oauth-token-request-notes-example",
        "nomos-parameter-ApiVersion-example",
        "nox-supplier-request-reference-example",
        "nox-supplier-request-guide-example",
        "nox-supplier-response-reference-example",
        "nox-supplier-response-guide-example",
        "nox-callback-payload-example-1",
    }
    assert must <= set(EXAMPLE_IDS), sorted(must - set(EXAMPLE_IDS))
    assert len(EXAMPLE_IDS) == len(set(EXAMPLE_IDS)), "example test ids are unique"
    err_components = {n for n in openapi_documents()["nomos"]["components"]["schemas"] if n.startswith("Err")}
    assert {f"nomos-{n}-from-field-examples" for n in err_components} <= set(EXAMPLE_IDS)


@proves("REQ-CON-02")
def test_every_known_disagreement_names_a_check() -> None:
    """A stale entry in KNOWN would hide nothing and prove nothing: each names a real check."""
    checks = set(EXAMPLE_IDS) | set(RULE_IDS) | set(WIRE_IDS)
    assert set(KNOWN) <= checks, sorted(set(KNOWN) - checks)


# ----------------------------------------------------------------------- documented rules


def rule_checks() -> Iterator[tuple[str, list[str]]]:
    """(test id, problems) for the rules of the vendor prose, applied to its examples."""
    requests = named_examples("supplier", "request")
    for name, answer in named_examples("supplier", "response").items():
        prefix = f"nox-supplier-response-{name}"
        completed = answer.get("completed_at", "absent")
        yield f"{prefix}-completed-at-null-on-creation", (
            [] if completed is None else [f"completed_at is {completed!r}, not null"])
        created, expires = answer.get("created_at"), answer.get("expires_at")
        yield f"{prefix}-expires-10-minutes-after-creation", (
            [] if isinstance(created, int) and expires == created + 600
            else [f"expires_at {expires!r} is not created_at {created!r} + 600"])
        request = requests.get(name)
        if request is not None:
            echoed = {"user_id": "supplier_user_id", "redirect_url": "redirect_url", "language": "language",
                      "asset_type": "asset_type", "brand": "brand"}
            yield f"{prefix}-echoes-the-request-example", [
                f"{sent} {request[sent]!r} came back as {field} {answer.get(field)!r}"
                for sent, field in echoed.items() if sent in request and answer.get(field) != request[sent]]
    for name, answer in named_examples("magic-link", "response").items():
        yield f"nomos-magic-link-response-{name}-link-shape", link_shape(answer.get("link"))
    published = resolve(openapi_documents()["nomos"], {"$ref": "#/paths/~1admin~1magic_link/post"})
    link = published["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["link"]["example"]
    yield "nomos-magic-link-response.link-example-shape", link_shape(link)


def link_shape(link: object) -> list[str]:
    """Page 002's example link: the hosted portal with token_hash, type=magiclink and a next path."""
    if not isinstance(link, str):
        return [f"link {link!r} is not a string"]
    query = parse_qs(urlsplit(link).query)
    problems = [f"link has no {key}" for key in ("token_hash", "type", "next") if key not in query]
    if query.get("type", ["magiclink"]) != ["magiclink"]:
        problems.append(f"type is {query['type']!r}, not magiclink")
    if not query.get("next", ["/"])[0].startswith("/"):
        problems.append("next is not a path")
    return problems


RULES = dict(rule_checks())
RULE_IDS = list(RULES)


@proves("REQ-CON-02")
@pytest.mark.parametrize("check", [pytest.param(i, id=i, marks=expected_failure(i)) for i in RULE_IDS])
def test_example_follows_the_documented_rules(check: str) -> None:
    settle(check, RULES[check])


# ----------------------------------------------------------------------- the callback on the wire


def wire_data() -> str:
    url = load("nox-callback-payload.schema.json")["x-wire-example"]
    return parse_qs(urlsplit(url).query)["data"][0]


def decode_base64url(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def wire_checks() -> dict[str, list[str]]:
    data = wire_data()
    encoding = [] if re.fullmatch(r"[A-Za-z0-9_-]+", data) and len(data) % 4 != 1 else [
        f"data {data!r} is not base64url without padding"]
    try:
        decoded = decode_base64url(data).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as exc:
        return {"nox-callback-wire-example-is-unpadded-base64url": [*encoding, f"data does not decode: {exc}"],
                "nox-callback-wire-example-decodes-to-payload": ["data does not decode"]}
    try:
        payload = json.loads(decoded)
    except json.JSONDecodeError:
        decodes = [f"data decodes to {decoded!r}, which is not JSON"]
    else:
        schema = load("nox-callback-payload.schema.json")
        decodes = Example("wire", payload, schema, "2020-12").problems()
    return {"nox-callback-wire-example-is-unpadded-base64url": encoding,
            "nox-callback-wire-example-decodes-to-payload": decodes}


WIRE = wire_checks()
WIRE_IDS = list(WIRE)


@proves("REQ-CON-02")
@pytest.mark.parametrize("check", [pytest.param(i, id=i, marks=expected_failure(i)) for i in WIRE_IDS])
def test_callback_wire_example(check: str) -> None:
    settle(check, WIRE[check])


# ----------------------------------------------------------------------- vendor pages vs schemas


def vendor_page(name: str) -> str:
    return (VENDOR_DOCS / name).read_text(encoding="utf-8")


def json_objects(text: str) -> list[Any]:
    """Every JSON object written out in a page (cURL bodies, answers, payloads)."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while (i := text.find("{", i)) != -1:
        try:
            value, end = decoder.raw_decode(text, i)
        except json.JSONDecodeError:
            i += 1
            continue
        if isinstance(value, dict) and value:
            found.append(value)
        i = end
    return found


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)  # keeps key order: "verbatim" includes it


def vendored_examples() -> list[Any]:
    """The whole-body examples in schemas/ (what a page's JSON examples must be among)."""
    found = []
    for doc in openapi_documents().values():
        for _, op in operations(doc):
            for _, media in bodies(op):
                found += [e["value"] for e in media.get("examples", {}).values()]
    for path in sorted(SCHEMAS.glob("*.schema.json")):
        found += load(path.name).get("examples", [])
    return found


@proves("REQ-CON-02")
@pytest.mark.parametrize("vendor_file", PAGES_WITH_JSON_EXAMPLES)  # not "page": pytest-playwright's fixture
def test_every_json_example_of_the_page_is_vendored_verbatim(vendor_file: str) -> None:
    on_page = json_objects(vendor_page(vendor_file))
    assert on_page, f"no JSON example found in {vendor_file}: the extraction broke"
    vendored = {canonical(v) for v in vendored_examples()}
    missing = [canonical(v) for v in on_page if canonical(v) not in vendored]
    assert not missing, f"examples of {vendor_file} not in schemas/ (or not verbatim):\n" + "\n".join(missing)


@proves("REQ-CON-02")
def test_every_vendored_example_comes_from_a_vendor_page() -> None:
    on_pages = {canonical(v) for page in PAGES_WITH_JSON_EXAMPLES for v in json_objects(vendor_page(page))}
    invented = [canonical(v) for v in vendored_examples() if canonical(v) not in on_pages]
    assert not invented, "examples in schemas/ that no vendor page shows:\n" + "\n".join(invented)
    wire = load("nox-callback-payload.schema.json")["x-wire-example"]
    assert wire in vendor_page("nox-energy-supplier-integration.txt")


@proves("REQ-CON-02")
def test_the_published_nomos_examples_are_vendored_unchanged() -> None:
    page = vendor_page("nomos-create-magic-link.openapi.md")
    published = yaml.safe_load(re.search(r"````yaml[^\n]*\n(.*?)````", page, re.S)[1])
    ours = openapi_documents()["nomos"]

    def examples(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
        if isinstance(node, dict):
            for key, child in node.items():
                if key == "example":
                    yield pointer, child
                yield from examples(child, f"{pointer}/{key}")
        elif isinstance(node, list):
            for i, child in enumerate(node):
                yield from examples(child, f"{pointer}/{i}")

    theirs = dict(examples(published))
    assert len(theirs) > 30, "the published document's examples were not found"
    assert {p: v for p, v in examples(ours) if p in theirs} == theirs
