"""The vendored contracts in schemas/: valid documents, each naming its sources and its
assumptions, an operationId on every operation, the Nomos operation verbatim from the
published document, and the NOX enums exactly as the vendor page lists them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from suite.requirements import DOCS, VENDOR_DOCS
from tests.contracts.test_vendor_examples import KNOWN, VendorDisagreement, is_uri, settle

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
SUPPLIER_PAGE = VENDOR_DOCS / "nox-create-supplier-link-session.txt"
NOMOS_PAGE = VENDOR_DOCS / "nomos-create-magic-link.openapi.md"

OPENAPI_FILES = sorted(SCHEMAS.glob("*.openapi.yaml"))
JSON_SCHEMA_FILES = sorted(SCHEMAS.glob("*.schema.json"))
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def load(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in doc["paths"].items()
            for method, op in item.items() if method in METHODS]


def vendor_page(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def option_lists(page: str) -> list[list[str]]:
    """The 'Available options:' lists of a rendered NOX reference page, in page order:
    one item a line, each but the last followed by a comma."""
    lists, lines = [], page.splitlines()
    for i, line in enumerate(lines):
        if line.strip() != "Available options:":
            continue
        items = []
        for item in lines[i + 1:]:
            items.append(item.strip().rstrip(","))
            if not item.rstrip().endswith(","):
                break
        lists.append(items)
    return lists


def test_schemas_folder_holds_only_contracts() -> None:
    files = sorted(p.name for p in SCHEMAS.iterdir() if not p.name.startswith("."))
    assert files == sorted(p.name for p in OPENAPI_FILES + JSON_SCHEMA_FILES), (
        "schemas/ holds only *.openapi.yaml and *.schema.json files, so that every file is checked here")
    assert {p.name for p in OPENAPI_FILES} == {"nomos.openapi.yaml", "nox.openapi.yaml"}
    assert {p.name for p in JSON_SCHEMA_FILES} == {"nox-callback-payload.schema.json"}


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=lambda p: p.name)
def test_openapi_document_is_valid(path: Path) -> None:
    doc = load(path)
    assert str(doc["openapi"]).startswith("3.0."), "the suite's tools expect OpenAPI 3.0"
    validate(doc)


@pytest.mark.parametrize("path", JSON_SCHEMA_FILES, ids=lambda p: p.name)
def test_json_schema_is_valid(path: Path) -> None:
    schema = load(path)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("path", OPENAPI_FILES + JSON_SCHEMA_FILES, ids=lambda p: p.name)
def test_every_contract_names_its_sources_and_assumptions(path: Path) -> None:
    doc = load(path)
    if path.suffix == ".json":
        sources = doc.get("x-source")
        assert "Source:" in doc.get("$comment", ""), "$comment names the source"
        assumptions = doc.get("x-assumptions")
        assert isinstance(assumptions, list) and assumptions, "x-assumptions lists the assumptions"
        assert all(isinstance(a, str) and a.strip() for a in assumptions)
    else:
        assert path.read_text(encoding="utf-8").startswith("# Vendored contract"), "a header comment says what it is"
        sources = doc["info"].get("x-source")
        description = doc["info"].get("description", "")
        assert "Sources" in description, "info.description names the sources"
        after = description.split("Assumptions", 1)
        assert len(after) == 2, "info.description has an 'Assumptions' section"
        assert re.search(r"^- \S", after[1], re.M), "the assumptions are bullet points"
    assert isinstance(sources, list) and sources, "x-source lists the source files"
    for source in sources:
        assert re.fullmatch(r"(vendor-docs|spec)/[\w.-]+", source), f"{source!r} is a path inside docs/"
        assert (DOCS / source).is_file(), f"{source} does not exist in docs/"


@pytest.mark.parametrize("path", OPENAPI_FILES, ids=lambda p: p.name)
def test_every_operation_has_an_operation_id(path: Path) -> None:
    ids = [op.get("operationId") for _, _, op in operations(load(path))]
    assert ids and all(ids), f"operations without an operationId in {path.name}"
    assert len(set(ids)) == len(ids), "operationIds are unique"


def test_the_nox_post_login_redirect_is_marked_assumed() -> None:
    doc = load(SCHEMAS / "nox.openapi.yaml")
    op = doc["paths"]["/post-login-redirect"]["post"]
    assert op.get("x-assumed") is True and op.get("x-assumed-note")
    assert op["security"] == [{"SupplierApiKey": []}]
    assert set(op["responses"]) == {"200", "400", "401", "404", "409", "410"}


def test_nox_schemes_share_the_header_but_not_the_key() -> None:
    doc = load(SCHEMAS / "nox.openapi.yaml")
    schemes = doc["components"]["securitySchemes"]
    assert {name: (s["type"], s["in"], s["name"]) for name, s in schemes.items()} == {
        "SupplierApiKey": ("apiKey", "header", "x-api-key"),
        "ManufacturerApiKey": ("apiKey", "header", "x-api-key"),
    }
    security = {op["operationId"]: op["security"] for _, _, op in operations(doc)}
    assert security == {
        "createSupplierLinkSession": [{"SupplierApiKey": []}],
        "createManufacturerLinkSession": [{"ManufacturerApiKey": []}],
        "postLoginRedirect": [{"SupplierApiKey": []}],
    }


def test_nox_supplier_answer_requires_every_listed_field() -> None:
    answer = load(SCHEMAS / "nox.openapi.yaml")["components"]["schemas"]["SupplierLinkSession"]
    assert set(answer["required"]) == set(answer["properties"]) == {
        "link_url", "link_token", "language", "asset_type", "redirect_url", "supplier",
        "supplier_user_id", "created_at", "expires_at", "brand", "completed_at"}


def test_brand_enum_has_the_56_slugs_of_the_vendor_page() -> None:
    lists = [items for items in option_lists(vendor_page(SUPPLIER_PAGE)) if len(items) > 4]
    assert len(lists) == 2, "the page lists the brands twice: request and response"
    assert lists[0] == lists[1]
    vendor_brands = lists[0]
    assert len(vendor_brands) == 56 and len(set(vendor_brands)) == 56
    schemas = load(SCHEMAS / "nox.openapi.yaml")["components"]["schemas"]
    for name in ("SupplierLinkSessionRequest", "SupplierLinkSession"):
        brand = schemas[name]["properties"]["brand"]
        assert brand["nullable"] is True and brand["enum"][-1] is None, f"{name}.brand admits null"
        assert brand["enum"][:-1] == vendor_brands, f"{name}.brand differs from the vendor page"


def test_nox_supplier_enums_match_the_vendor_page() -> None:
    lists = option_lists(vendor_page(SUPPLIER_PAGE))
    schemas = load(SCHEMAS / "nox.openapi.yaml")["components"]["schemas"]
    request = schemas["SupplierLinkSessionRequest"]["properties"]
    answer = schemas["SupplierLinkSession"]["properties"]
    # page order: request asset_type, brand, language; response language, asset_type, brand
    assert [request["asset_type"]["enum"], request["language"]["enum"]] == [lists[0], lists[2]]
    assert [answer["language"]["enum"], answer["asset_type"]["enum"]] == [lists[3], lists[4]]
    assert request["language"]["default"] == answer["language"]["default"] == "nl"
    assert set(schemas["SupplierLinkSessionRequest"]["required"]) == {"user_id", "asset_type", "redirect_url"}


def test_nomos_magic_link_operation_is_verbatim() -> None:
    page = vendor_page(NOMOS_PAGE)
    published = yaml.safe_load(re.search(r"````yaml[^\n]*\n(.*?)````", page, re.S)[1])
    ours = load(SCHEMAS / "nomos.openapi.yaml")
    assert ours["openapi"] == published["openapi"] and ours["info"]["version"] == published["info"]["version"]
    assert ours["tags"] == published["tags"] and ours["security"] == published["security"]
    assert ours["components"]["schemas"] == published["components"]["schemas"]
    assert ours["components"]["securitySchemes"]["Bearer"] == published["components"]["securitySchemes"]["Bearer"]

    op = dict(ours["paths"]["/admin/magic_link"]["post"])
    added = op.pop("x-suite-additions")
    assert added == ["operationId", "parameters"] and op.pop("x-assumed-note")
    for key in added:
        op.pop(key)
    assert op == published["paths"]["/admin/magic_link"]["post"]


def test_nomos_additions_are_marked_assumed() -> None:
    doc = load(SCHEMAS / "nomos.openapi.yaml")
    token = doc["paths"]["/oauth/token"]["post"]
    assert token["x-assumed"] is True and token["x-assumed-note"]
    assert token["security"] == [{"Basic": []}]
    assert set(token["responses"]) == {"200", "400", "401", "405", "422", "429", "500"}
    assert doc["paths"]["/admin/magic_link"]["post"]["security"] == [{"Bearer": []}]
    assert doc["components"]["securitySchemes"]["Basic"]["x-assumed"] is True
    version = doc["components"]["parameters"]["ApiVersion"]
    assert (version["name"], version["in"], version["required"], version["x-assumed"]) == (
        "X-API-Version", "header", False, True)
    assert doc["servers"] == [{"url": "https://api.nomos.energy", "description": doc["servers"][0]["description"]}]


def test_a_known_vendor_disagreement_fails_only_as_known() -> None:
    """CON-02's expected failures: the known problem is the expected failure; no problem
    (the vendor fixed it) passes, which strict xfail turns into an error; any other
    problem is a plain failure, never hidden by the xfail."""
    test_id = "nox-supplier-request-guide-example"
    known = sorted(KNOWN[test_id].problems)
    with pytest.raises(VendorDisagreement, match="vendor page 004"):
        settle(test_id, known)
    settle(test_id, [])
    with pytest.raises(AssertionError, match="not a valid URI"):
        settle(test_id, [*known, "'x' is not a valid URI"])
    with pytest.raises(AssertionError):
        settle("nox-callback-payload-example-1", known)


@pytest.mark.parametrize(("value", "ok"), [
    ("https://your-app.com/callback", True),
    ("https://nomos.customerportal.energy/?token_hash=1234567890&type=magiclink&next=/overview", True),
    ("urn:example:a", True),
    (42, True),  # not a string: the type keyword judges it
    ("/callback", False),
    ("your-app.com/callback", False),
    ("https://your app.com/", False),
    ("", False),
])
def test_the_uri_format_check(value: object, ok: bool) -> None:
    assert is_uri(value) is ok
