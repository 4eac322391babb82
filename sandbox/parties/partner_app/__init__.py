"""The partner app: the energy supplier's own app, the reference for the company's app.

It signs its users in (``account``), opens the Nomos portal through magic links it
mints server-side (``portal``; vendor-docs/nomos-portal-sso.md, ``requireAuth``),
creates NOX supplier link sessions (``connect``) and receives their callback
(``devices``, checked by ``validation``; vendor-docs/nox-energy-supplier-integration.txt
§1), and hosts the supplier OAuth page of the manufacturer-initiated flow (``oauth``,
``texts``; §2.1 and interfaces.md §2). It talks to Nomos and NOX only over HTTP
(``vendors``), as a real backend would. Each module declares the faults it honours.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.parties.partner_app import account, connect, devices, oauth, portal
from sandbox.parties.partner_app.context import SESSION_COOKIE, Partner, PartnerState
from sandbox.parties.partner_app.validation import MAX_DATA
from sandbox.web import MAX_RETRIES, html_errors
from sandbox.world import World

__all__ = ["MAX_DATA", "MAX_RETRIES", "SESSION_COOKIE", "Partner", "PartnerState", "build_app"]


def build_app(world: World) -> Starlette:
    state = PartnerState()
    world.state["partner_app"] = state
    party = Partner(world, state)

    def error(request: Request, status: int, message: str) -> Response:
        return party.error_page("Not available", "page-error", message, status)

    app = Starlette(
        routes=[
            Route("/login", account.login, methods=["GET", "POST"]),
            Route("/logout", account.logout, methods=["POST"]),
            Route("/", account.home, methods=["GET"]),
            Route("/portal", portal.portal, methods=["GET"]),
            Route("/connect/{asset_type}", connect.connect, methods=["GET"]),
            Route("/callback", devices.callback, methods=["GET"]),
            Route("/devices", devices.devices, methods=["GET"]),
            Route("/oauth/nox", oauth.oauth_nox, methods=["GET", "POST"]),
            Route("/terms", oauth.terms, methods=["GET"]),
        ],
        exception_handlers={HTTPException: html_errors(error)},
    )
    app.state.partner = party
    return app
