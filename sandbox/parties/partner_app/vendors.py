"""The partner backend's calls to Nomos and NOX, over HTTP as a real backend makes them.

The Nomos access token is cached until ``TOKEN_MARGIN`` seconds (at most a tenth of its
lifetime) before ``expires_in`` runs out on the test clock; a 401 from the mint drops
it and the mint is tried once more with a fresh token. A 429 is waited out
(:func:`sandbox.web.send`); any other failure raises :class:`UpstreamError` (a friendly
502 page) or :class:`UpstreamRefused` (a 4xx that describes the user's situation).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx

from sandbox.faults import Fault
from sandbox.parties.partner_app.context import CONTROL, MAX_NEXT, Partner
from sandbox.web import UpstreamError, json_object, send

TOKEN_MARGIN = 60  # seconds before expiry at which a cached Nomos token is renewed
DETAIL = 300  # characters of NOX's refusal shown to the user

FAULTS: list[Fault] = [
    Fault("partner-keeps-expired-token", ("SSO-01", "SSO-15"),
          "an hour after the first portal visit 'Open energy account' shows an error page"),
]


class UpstreamRefused(Exception):
    """The vendor refused the request with a 4xx that describes the user's situation."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_http_url(value: object) -> bool:
    if not isinstance(value, str) or len(value) > MAX_NEXT or CONTROL.search(value):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


# ---------------------------------------------------------------------------- Nomos


async def nomos_token(p: Partner, renew: bool = False) -> str:
    state, world = p.state, p.world
    now = world.clock.now()
    fresh = now < state.token_expires_at or world.faulty("partner-keeps-expired-token")
    if state.token and fresh and not renew:
        return state.token
    state.token = None
    state.token_fetches += 1
    response = await send(
        "POST", f"{world.urls.nomos_api}/oauth/token",
        auth=(p.seed.nomos_client_id, p.seed.secret("NOMOS_CLIENT_SECRET")),
        json={"grant_type": "client_credentials"},
    )
    body = json_object(response)
    if response.status_code != 200 or body is None:
        raise UpstreamError(f"Nomos answered {response.status_code} to the token request")
    token, expires_in = body.get("access_token"), body.get("expires_in")
    if not isinstance(token, str) or not token:
        raise UpstreamError("Nomos answered the token request without an access token")
    if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
        expires_in = 300  # no usable lifetime: keep it briefly
    state.token = token
    state.token_expires_at = now + expires_in - min(TOKEN_MARGIN, expires_in // 10)
    return token


async def mint(p: Partner, customer_id: str) -> str:
    """A fresh magic link for the customer (``POST /admin/magic_link``)."""

    async def attempt(token: str) -> httpx.Response:
        return await send(
            "POST", f"{p.world.urls.nomos_api}/admin/magic_link",
            headers={"Authorization": f"Bearer {token}"}, json={"customerId": customer_id},
        )

    response = await attempt(await nomos_token(p))
    if response.status_code == 401 and not p.world.faulty("partner-keeps-expired-token"):
        response = await attempt(await nomos_token(p, renew=True))
    body = json_object(response)
    if response.status_code != 200 or body is None:
        raise UpstreamError(f"Nomos answered {response.status_code} to the magic link request")
    link = body.get("link")
    if not is_http_url(link):
        raise UpstreamError("Nomos answered the magic link request without a usable link")
    p.state.mints += 1
    return str(link)


# ---------------------------------------------------------------------------- NOX


def nox_headers(p: Partner) -> dict[str, str]:
    return {"x-api-key": p.seed.secret(p.seed.supplier.key_env)}


async def create_link_session(p: Partner, body: dict[str, Any]) -> str:
    """``link_url`` of a new supplier link session (``POST /v2/supplier/link-sessions``)."""
    p.state.nox_calls += 1
    response = await send("POST", f"{p.world.urls.nox}/v2/supplier/link-sessions", headers=nox_headers(p), json=body)
    answer = json_object(response)
    if response.status_code in (200, 201) and answer is not None and is_http_url(answer.get("link_url")):
        return str(answer["link_url"])
    if response.status_code == 400:
        detail = answer.get("message") if answer else None
        raise UpstreamRefused(400, str(detail)[:DETAIL] if detail else "NOX refused the request.")
    raise UpstreamError(f"NOX answered {response.status_code} to the link session request")


async def post_login_redirect(p: Partner, nox_state: str, supplier_user_id: str) -> str:
    """Tell NOX who signed in (``POST /post-login-redirect``); the URL to send the browser to.

    A 4xx other than 401/403/429 is a refused state: :class:`UpstreamRefused` with 410
    when NOX said expired, else 400."""
    p.state.nox_calls += 1
    response = await send(
        "POST", f"{p.world.urls.nox}/post-login-redirect", headers=nox_headers(p),
        json={"state": nox_state, "supplier_user_id": supplier_user_id},
    )
    answer = json_object(response)
    if response.status_code == 200 and answer is not None and is_http_url(answer.get("redirect_url")):
        return str(answer["redirect_url"])
    if 400 <= response.status_code < 500 and response.status_code not in (401, 403, 429):
        raise UpstreamRefused(410 if response.status_code == 410 else 400, "refused")
    raise UpstreamError(f"NOX answered {response.status_code} to the post-login redirect")
