"""The vendors' promises a schema cannot state, registered as Schemathesis checks.

Schemathesis runs every registered check on every answer of every contract test (as
it runs its own), names it in a failure, and lets a target profile list one as a known
deviation by its name (suite/deviations.py). Each check looks only at the API it is
about (by the schema's title) and returns None elsewhere.

* ``nomos_error_codes``: a Nomos error answer is JSON whose ``code`` names its status,
  with a message, a requestId and a docs link (REQ-SSO-05);
* ``nomos_magic_link_form``: a minted magic link carries ``token_hash`` and
  ``type=magiclink`` (REQ-SSO-06);
* ``nox_link_session_promises``: a created link session expires 600 s after creation,
  is not completed, and echoes the request (REQ-SUP-06, REQ-SUP-07, REQ-MAN-01).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import schemathesis

from steps.sso.vocabulary import ERROR_CODES as NOMOS_CODES  # every documented status (402, 403, 409 too)

LINK_SESSIONS = ("/v2/supplier/link-sessions", "/v2/manufacturer/link-sessions")


def api(case: Any) -> str:
    return str(case.operation.schema.raw_schema.get("info", {}).get("title", ""))


def json_body(response: Any) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@schemathesis.check
def nomos_error_codes(ctx: Any, response: Any, case: Any) -> None:
    if not api(case).startswith("Nomos") or response.status_code < 400:
        return None
    body = json_body(response)
    assert isinstance(body, dict), f"a Nomos error must have a JSON body, got {response.text[:200]!r}"
    assert body.get("code") == NOMOS_CODES.get(response.status_code), (
        f"error code {body.get('code')!r} does not match status {response.status_code}")
    for field in ("message", "requestId", "docs"):
        assert body.get(field), f"the {response.status_code} error body lacks {field!r}"
    return None


@schemathesis.check
def nomos_magic_link_form(ctx: Any, response: Any, case: Any) -> None:
    if not api(case).startswith("Nomos") or case.path != "/admin/magic_link" or response.status_code != 200:
        return None
    body = json_body(response)
    link = body.get("link") if isinstance(body, dict) else None
    assert isinstance(link, str), "a minted magic link answer must carry the link"
    query = parse_qs(urlsplit(link).query)
    assert query.get("token_hash") and query.get("type") == ["magiclink"], "malformed magic link: no token_hash or type=magiclink"
    return None


@schemathesis.check
def nox_link_session_promises(ctx: Any, response: Any, case: Any) -> None:
    if case.path not in LINK_SESSIONS or response.status_code != 201 or not isinstance(case.body, dict):
        return None
    body = json_body(response)
    assert isinstance(body, dict), "a created link session must be a JSON object"
    assert body.get("expires_at") == body.get("created_at", 0) + 600, "a link session must expire 600 s after creation"
    assert body.get("completed_at", "absent") is None, "a new link session must not be completed"
    assert body.get("language") == case.body.get("language", "nl"), "language must echo the request, nl by default"
    assert body.get("redirect_url") == case.body.get("redirect_url"), "redirect_url must echo the request"
    owner = "supplier_user_id" if "supplier" in case.path else "manufacturer_user_id"
    assert body.get(owner) == case.body.get("user_id"), f"{owner} must be the user_id sent"
    return None
