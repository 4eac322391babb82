"""NOX Energy: the device-linking API and the Authenticator UI, on one origin.

API (JSON always; vendor-docs/nox-create-supplier-link-session.txt, NOTES.md,
interfaces.md §2): ``supplier_api`` (``POST /v2/supplier/link-sessions``),
``manufacturer_api`` (``POST /v2/manufacturer/link-sessions``, ``POST
/post-login-redirect``), both reading requests through ``validation``.

Authenticator UI (HTML, in the session's language, ``texts``; sandbox/README.md):
``GET /ui?token=&language=`` leads to the brand picker or the pre-selected brand
(``ui_supplier``) or to the energy-supplier selector (``ui_manufacturer``); ``pages``
holds what both share. NOX reaches the brand party over HTTP only.

Assumptions (the vendor is silent; each is the sandbox's choice, stated in the module
that makes it):
- Error bodies: NOX publishes no error schema. Every API error is JSON
  ``{"error": "<code>", "message": "<human readable, naming the field>"}`` with codes
  ``unauthorized`` (401), ``invalid_body`` (400: empty, not JSON, not an object),
  ``validation_error`` (400: a field missing, mistyped, outside its enum, a brand not of
  the asset type, a redirect_url not allowed), ``not_found`` (404), ``already_used``
  (409), ``expired`` (410), ``method_not_allowed`` (405).
- Unknown paths and wrong methods: JSON 404/405 outside ``/ui``, HTML pages under ``/ui``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.parties.nox import manufacturer_api, supplier_api, ui_manufacturer, ui_supplier
from sandbox.parties.nox.pages import open_session, page_error, session_error
from sandbox.parties.nox.state import Nox, NoxState, error, nox
from sandbox.world import World

__all__ = ["Nox", "NoxState", "build_app"]

FAULTS: list[Fault] = [
    Fault("nox-405-without-allow", ("SEC-19",),
          "NOX answers a method an endpoint does not offer with 405 but no Allow header"),
    Fault("nox-ui-frameable", ("SEC-21",),
          "the Authenticator UI may be framed by any site (no frame-ancestors, no X-Frame-Options): clickjacking"),
]


async def ui(request: Request) -> Response:
    """Where ``link_url`` leads: the flow of the session's kind."""
    n = nox(request)
    response = await _ui(n, request)
    if n.world.faulty("nox-ui-frameable"):
        for name in ("Content-Security-Policy", "X-Frame-Options"):
            if name in response.headers:
                del response.headers[name]
    return response


async def _ui(n: Nox, request: Request) -> Response:
    session, lang, refused = open_session(n, request, "token")
    if refused or session is None:
        return refused or session_error("invalid", lang, n.world.other)
    if session.kind == "manufacturer":
        return ui_manufacturer.supplier_picker(n, session, lang)
    return await ui_supplier.start(n, session, lang)


async def http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    if nox(request).world.faulty("nox-405-without-allow"):
        headers.pop("Allow", None)
    if request.url.path == "/ui" or request.url.path.startswith("/ui/"):
        response: Response = page_error(nox(request), request, status)
        response.headers.update(headers)
        return response
    if status == 405:
        return error(405, "method_not_allowed", f"{request.method} is not allowed on {request.url.path}.", headers)
    return error(404, "not_found", "There is no such endpoint.", headers)


def build_app(world: World) -> Starlette:
    state = world.state["nox"] = NoxState()
    # The other reading names the session in the path of link_url and of the supplier's return.
    other_routes = [
        Route("/ui/session/{token}", ui, methods=["GET"]),
        Route("/ui/supplier-return/{state}", ui_manufacturer.supplier_return, methods=["GET"]),
    ] if world.other else []
    app = Starlette(
        routes=[
            Route("/v2/supplier/link-sessions", supplier_api.create_supplier_session, methods=["POST"]),
            Route("/v2/manufacturer/link-sessions", manufacturer_api.create_manufacturer_session, methods=["POST"]),
            Route("/post-login-redirect", manufacturer_api.post_login_redirect, methods=["POST"]),
            Route("/ui", ui, methods=["GET"]),
            Route("/ui/brands/{slug}", ui_supplier.choose_brand, methods=["GET"]),
            Route("/ui/brand-return", ui_supplier.brand_return, methods=["GET"]),
            Route("/ui/suppliers/{slug}", ui_manufacturer.choose_supplier, methods=["GET"]),
            Route("/ui/supplier-return", ui_manufacturer.supplier_return, methods=["GET"]),
            *other_routes,
        ],
        exception_handlers={HTTPException: http_error},
    )
    app.state.nox = Nox(world, state)
    return app
