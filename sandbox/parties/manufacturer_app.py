"""The manufacturer's app (a "Daikin Onecta"-style page): the start and the end of the
manufacturer-initiated flow (vendor-docs/nox-energy-supplier-integration.txt §2,
interfaces.md §1 manufacturer app, sandbox/README.md).

- ``GET /``: a page with a button "Connect my energy supplier" (a plain form).
- ``POST /start``: the app's backend creates a NOX manufacturer link session with the
  manufacturer's ``x-api-key`` for its demo user and redirects the browser to ``link_url``.
- ``GET /linked?status=…&reason=…``: the manufacturer's ``redirect_url``; shows
  ``manufacturer-result`` with ``data-status`` (``success`` or ``error``) and a sentence.

Assumptions: the app speaks English (NOX translates its own UI, not the manufacturer's);
``/?language=`` picks the language of the NOX session (``nl`` when absent or unknown).
A ``status`` other than ``success`` or ``error`` (or none) shows ``data-status="unknown"``,
and a reason other than ``expired``, ``invalid`` or ``denied`` reads as "unknown".
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.seed import LANGUAGES
from sandbox.web import UpstreamError, esc, html_errors, json_object, page, read_form, send
from sandbox.world import World

PARTY = "Daikin Onecta"
DEMO_USER = "onecta-user-0001"
MAX_FORM_BYTES = 4096

FAULTS: list[Fault] = [
    Fault("manufacturer-always-success", ("MAN-04", "MAN-05", "MAN-06"),
          "the manufacturer app says the supplier is linked whatever NOX reported"),
]

REASONS = {
    "expired": "The link with your energy supplier took too long and expired. Please start again.",
    "invalid": "The link with your energy supplier is no longer valid. Please start again.",
    "denied": "Your energy supplier did not confirm the link. Please start again.",
}


def build_app(world: World) -> Starlette:
    seed = world.seed

    def home_page(lang: str, error: str = "", status: int = 200) -> HTMLResponse:
        alert = f'<p role="alert" data-testid="manufacturer-error">{esc(error)}</p>' if error else ""
        body = f"""<h1>Onecta</h1>
<p>Let NOX Energy optimise your heat pump with your energy supplier's tariffs.</p>
{alert}
<form method="post" action="/start" data-testid="manufacturer-start">
<input type="hidden" name="language" value="{esc(lang)}">
<button type="submit" data-testid="manufacturer-connect">Connect my energy supplier</button>
</form>"""
        return page("Onecta", body, status_code=status, party=PARTY)

    async def home(request: Request) -> Response:
        asked = request.query_params.get("language")
        return home_page(asked if asked in LANGUAGES else "nl")

    async def start(request: Request) -> Response:
        form = await read_form(request, MAX_FORM_BYTES)
        lang = form.get("language") if form.get("language") in LANGUAGES else "nl"
        body = {
            "user_id": DEMO_USER,
            "redirect_url": f"{world.urls.manufacturer_app}{seed.manufacturer.allowed_redirect_paths[0]}",
            "language": lang,
        }
        try:  # a busy NOX answers 429: send() waits its Retry-After and tries again
            response = await send("POST", f"{world.urls.nox}/v2/manufacturer/link-sessions", json=body,
                                  headers={"x-api-key": seed.secret(seed.manufacturer.key_env)})
            answer = json_object(response) if response.status_code == 201 else None
        except UpstreamError:
            answer = None
        link = answer.get("link_url") if answer else None
        if not isinstance(link, str) or not link.startswith(f"{world.urls.nox}/ui"):
            return home_page(lang, "NOX Energy could not start linking your energy supplier. Please try again later.", 502)
        return RedirectResponse(link, status_code=303)

    async def linked(request: Request) -> Response:
        status = request.query_params.get("status", "")
        reason = request.query_params.get("reason", "")
        if world.faulty("manufacturer-always-success"):
            status = "success"
        if status == "success":
            shown, text, reason = "success", "Your energy supplier is now linked.", ""
        elif status == "error":
            shown = "error"
            reason = reason if reason in REASONS else "unknown"
            text = REASONS.get(reason, "Linking your energy supplier failed. Please start again.")
        else:
            shown, reason = "unknown", ""
            text = "NOX Energy did not say whether your energy supplier was linked."
        role = ' role="alert"' if shown != "success" else ""
        body = f"""<h1>Onecta</h1>
<p data-testid="manufacturer-result" data-status="{shown}" data-reason="{esc(reason)}"{role}>{esc(text)}</p>
<p><a href="/">Back to Onecta</a></p>"""
        return page("Onecta", body, party=PARTY)

    def error(request: Request, status: int, message: str) -> Response:
        body = f'<h1>Onecta</h1>\n<p role="alert" data-testid="page-error">{esc(message)}</p>'
        return page("Onecta", body, status_code=status, party=PARTY)

    return Starlette(
        routes=[
            Route("/", home, methods=["GET"]),
            Route("/start", start, methods=["POST"]),
            Route("/linked", linked, methods=["GET"]),
        ],
        exception_handlers={HTTPException: html_errors(error)},
    )
