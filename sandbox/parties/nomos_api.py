"""The Nomos API: client-credentials tokens and customer-portal magic links.

Behaves as vendor-docs/nomos-create-magic-link.openapi.md and NOTES.md say: JSON
always, error bodies ``{code, message, requestId, docs}`` with ``code`` matching the
status.

Assumptions (the vendor is silent):
- a magic link lives ``MAGIC_LINK_LIFETIME_SECONDS`` (300 s) on the test clock;
- an access token is a JWT signed with HS256 by a per-start key, ``exp`` on the test clock;
- a customer without a subscription gets ``{portal}/start?token_hash=…&type=magiclink``.

The other reading (``world.other``, sandbox/README.md "Two readings"): links live 900 s
and portal sessions 1800 s (targets/sandbox-other.toml); every link is
``{portal}/?next=%2F…&type=magiclink&token_hash=…`` (``next`` encoded and first, the
token last), a customer without a subscription with ``next=/start``; a body that does
not follow the request schema is 422 (400 only when it is not JSON at all), and a wrong
``grant_type`` 400.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.web import read_json, request_id
from sandbox.world import World

MAGIC_LINK_LIFETIME_SECONDS = 300
PORTAL_SESSION_LIFETIME_SECONDS = 28800
OTHER_MAGIC_LINK_LIFETIME_SECONDS = 900
OTHER_PORTAL_SESSION_LIFETIME_SECONDS = 1800
TOKEN_LIFETIME_SECONDS = 3600
DOCS = "https://docs.nomos.energy/api-references/errors/"
CONSTANT_REQUEST_ID = "37a04f8f-e791-491c-81e1-86cd304649bb"  # only nomos-error-request-id-constant
# RFC 6750 §3 / RFC 7617: the challenges of a refused Bearer token and of refused client credentials.
BEARER_CHALLENGE = 'Bearer realm="Nomos API"'
BASIC_CHALLENGE = 'Basic realm="Nomos API", charset="UTF-8"'


def bearer_challenge(error: str = "", description: str = "") -> str:
    """``WWW-Authenticate`` for a refused Bearer request: no error code when no token came (RFC 6750 §3.1)."""
    if not error:
        return BEARER_CHALLENGE
    return f'{BEARER_CHALLENGE}, error="{error}", error_description="{description}"'
CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
         422: "UNPROCESSABLE_ENTITY", 429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR"}

FAULTS = [
    Fault("nomos-auth-not-enforced", ("SSO-02", "CON-01"), "a magic link is minted without any access token"),
    Fault("nomos-expired-token-accepted", ("SSO-02",), "an expired access token still mints links"),
    Fault("nomos-500-on-malformed-body", ("SSO-03", "CON-01"), "a body that is not JSON crashes the API with a 500"),
    Fault("nomos-unknown-customer-gets-link", ("SSO-04",), "a link is minted for a customer Nomos does not know"),
    Fault("nomos-error-code-mismatch", ("SSO-05", "CON-01"), "a 401 answer says BAD_REQUEST"),
    Fault("nomos-error-body-incomplete", ("SSO-05", "CON-01"), "error bodies lack requestId and docs"),
    Fault("nomos-link-missing-type", ("SSO-06",), "the minted link has no type=magiclink"),
    Fault("nomos-token-endpoint-broken", ("SSO-01",), "the partner backend cannot get an access token"),
    Fault("nomos-token-answer-incomplete", ("SSO-01", "CON-01"),
          "the token answer has no expires_in: a client cannot tell when to fetch a new token"),
    Fault("nomos-wrong-status-on-success", ("CON-01",), "a minted link is answered 201 instead of 200"),
    Fault("nomos-link-field-missing", ("SSO-01", "CON-01"), "the answer has no link"),
    Fault("nomos-no-checkout-link", ("SSO-14",), "a customer without subscription is sent to the overview"),
    Fault("nomos-token-leeway", ("SEC-06",), "an access token still mints for five minutes after its expires_in"),
    Fault("nomos-token-shorter-than-said", ("SEC-06",),
          "an access token stops working five minutes before the expires_in its answer states"),
    Fault("nomos-link-token-counter", ("SEC-12",),
          "magic-link tokens are a fixed prefix and a counter: one link's token tells the next one's"),
    Fault("nomos-error-request-id-constant", ("SEC-16",),
          "every error carries the same requestId: support cannot tell one failed call from another"),
    Fault("nomos-error-docs-generic", ("SEC-16",),
          "every error's docs link is the same general errors page, whatever its code"),
    Fault("nomos-401-without-bearer-challenge", ("SEC-17",),
          "a refused magic-link request is answered 401 without WWW-Authenticate: a client cannot tell why"),
    Fault("nomos-token-401-without-basic-challenge", ("SEC-17",),
          "refused client credentials are answered 401 without WWW-Authenticate: Basic"),
]


@dataclass
class MagicLink:
    customer_id: str
    issued_at: int
    used: bool = False


@dataclass
class NomosStore:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    links: dict[str, MagicLink] = field(default_factory=dict)
    prefix: str = field(default_factory=lambda: secrets.token_hex(16))  # only nomos-link-token-counter
    # portal session id -> (customer id, expires at)
    sessions: dict[str, tuple[str, int]] = field(default_factory=dict)


def magic_link_lifetime(world: World) -> int:
    return world.lifetime(OTHER_MAGIC_LINK_LIFETIME_SECONDS if world.other else MAGIC_LINK_LIFETIME_SECONDS)


def portal_session_lifetime(world: World) -> int:
    return world.lifetime(OTHER_PORTAL_SESSION_LIFETIME_SECONDS if world.other else PORTAL_SESSION_LIFETIME_SECONDS)


def nomos_store(world: World) -> NomosStore:
    store = world.state.get("nomos")
    if not isinstance(store, NomosStore):
        store = world.state["nomos"] = NomosStore()
    return store


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issue_token(store: NomosStore, now: int, client_id: str, lifetime: int = TOKEN_LIFETIME_SECONDS) -> str:
    header = _b64(b'{"alg":"HS256","typ":"JWT"}')
    body = _b64(json.dumps({"sub": client_id, "iat": now, "exp": now + lifetime,
                            "jti": secrets.token_hex(8)}).encode())
    signature = _b64(hmac.new(store.key, f"{header}.{body}".encode(), hashlib.sha256).digest())
    return f"{header}.{body}.{signature}"


def token_expiry(store: NomosStore, token: str) -> int | None:
    """The token's expiry if it is one of ours and untampered, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    expected = _b64(hmac.new(store.key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, parts[2]):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return int(claims["exp"])
    except (ValueError, KeyError, TypeError):
        return None


def build_app(world: World) -> Starlette:
    store = nomos_store(world)

    def error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
        code = CODES[status]
        if world.faulty("nomos-error-code-mismatch") and status == 401:
            code = "BAD_REQUEST"
        body = {"code": code, "message": message, "requestId": request_id(), "docs": DOCS + code}
        if world.faulty("nomos-error-request-id-constant"):
            body["requestId"] = CONSTANT_REQUEST_ID
        if world.faulty("nomos-error-docs-generic"):
            body["docs"] = DOCS.rstrip("/")
        if status == 401 and headers and "WWW-Authenticate" in headers:
            bearer = headers["WWW-Authenticate"].startswith("Bearer")
            dropped = world.faulty("nomos-401-without-bearer-challenge") if bearer \
                else world.faulty("nomos-token-401-without-basic-challenge")
            if dropped:
                headers = {k: v for k, v in headers.items() if k != "WWW-Authenticate"}
        if world.faulty("nomos-error-body-incomplete"):
            body = {"code": code, "message": message}
        return JSONResponse(body, status_code=status, headers=headers)

    def basic_client(request: Request) -> str | None:
        value = request.headers.get("authorization", "")
        scheme, _, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        expected = world.seed.secret("NOMOS_CLIENT_SECRET")
        if client_id == world.seed.nomos_client_id and hmac.compare_digest(secret.encode(), expected.encode()):
            return client_id
        return None

    async def token(request: Request) -> JSONResponse:
        if request.method != "POST":
            return error(405, "Method not allowed", {"Allow": "POST"})
        client_id = basic_client(request)
        if client_id is None or world.faulty("nomos-token-endpoint-broken"):
            return error(401, "Invalid client credentials", {"WWW-Authenticate": BASIC_CHALLENGE})
        body, problem = await read_json(request)
        if problem:
            return error(400, problem)
        if not isinstance(body, dict) or "grant_type" not in body:
            return error(400, "invalid_type in 'grant_type': Required")
        if body["grant_type"] != "client_credentials":
            return error(400 if world.other else 422, "invalid_enum_value in 'grant_type': Expected 'client_credentials'")
        now, lifetime = world.clock.now(), world.lifetime(TOKEN_LIFETIME_SECONDS)
        real = lifetime - (300 if world.faulty("nomos-token-shorter-than-said") else 0)
        answer = {
            "access_token": issue_token(store, now, client_id, real), "token_type": "Bearer",
            "expires_in": lifetime, "refresh_token": secrets.token_urlsafe(24), "scope": "read:* write:*",
        }
        if world.faulty("nomos-token-answer-incomplete"):
            del answer["expires_in"]
        return JSONResponse(answer)

    async def magic_link(request: Request) -> JSONResponse:
        if request.method != "POST":
            return error(405, "Method not allowed", {"Allow": "POST"})
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        if not world.faulty("nomos-auth-not-enforced"):
            if scheme.lower() != "bearer" or not bearer:
                return error(401, "Missing bearer token", {"WWW-Authenticate": bearer_challenge()})
            expiry = token_expiry(store, bearer.strip())
            if expiry is None:
                return error(401, "Invalid or malformed token",
                             {"WWW-Authenticate": bearer_challenge("invalid_token", "The access token is malformed")})
            leeway = 300 if world.faulty("nomos-token-leeway") else 0
            if expiry + leeway <= world.clock.now() and not world.faulty("nomos-expired-token-accepted"):
                return error(401, "The access token has expired",
                             {"WWW-Authenticate": bearer_challenge("invalid_token", "The access token expired")})
        raw = await request.body()
        if world.faulty("nomos-500-on-malformed-body"):
            try:
                json.loads(raw)
            except ValueError:
                return error(500, "Internal Server Error")
        body, problem = await read_json(request)
        if problem:
            return error(400, problem)
        invalid = 422 if world.other else 400  # JSON that breaks the request schema
        if not isinstance(body, dict):
            return error(invalid, "invalid_type: Expected object")
        customer_id = body.get("customerId")
        if customer_id is None:
            return error(invalid, "invalid_type in 'customerId': Required")
        if not isinstance(customer_id, str):
            return error(invalid, f"invalid_type in 'customerId': Expected string, received {type(customer_id).__name__}")
        if not customer_id.strip():
            return error(422, "too_small in 'customerId': must not be empty")
        customer = world.seed.customer(customer_id)
        if customer is None and not world.faulty("nomos-unknown-customer-gets-link"):
            return error(404, "Customer not found")
        token_hash = secrets.token_hex(20)
        if world.faulty("nomos-link-token-counter"):
            token_hash = f"{store.prefix}{len(store.links):08x}"
        store.links[token_hash] = MagicLink(customer_id, world.clock.now())
        kind = "" if world.faulty("nomos-link-missing-type") else "&type=magiclink"
        checkout = customer is not None and not customer.has_subscription and not world.faulty("nomos-no-checkout-link")
        if world.other:
            destination = urlencode({"next": "/start" if checkout else "/overview"})
            link = f"{world.urls.nomos_portal}/?{destination}{kind}&token_hash={token_hash}"
        elif checkout:
            link = f"{world.urls.nomos_portal}/start?token_hash={token_hash}{kind}"
        else:
            link = f"{world.urls.nomos_portal}/?token_hash={token_hash}{kind}&next=/overview"
        answer: dict[str, str] = {"object": "magic_link", "link": link}
        if world.faulty("nomos-link-field-missing"):
            del answer["link"]
        return JSONResponse(answer, status_code=201 if world.faulty("nomos-wrong-status-on-success") else 200)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        if status == 405:
            return error(405, "Method not allowed", {"Allow": "POST"})
        return error(404 if status == 404 else 400, "Resource not found" if status == 404 else "Bad request")

    return Starlette(
        routes=[
            Route("/oauth/token", token, methods=["POST"]),
            Route("/admin/magic_link", magic_link, methods=["POST"]),
        ],
        exception_handlers={HTTPException: http_error},
    )
