"""The Nomos customer portal: magic-link verification, sessions, hub, invoices, checkout.

A link works once and for the magic link's lifetime (``nomos_api``); a tampered or
invented token is refused; ``next`` is followed only when it is a path on the portal.
Each magic link starts an independent session (HttpOnly cookie) that lasts the portal
session's lifetime and ends only by its own sign-out or expiry.

The other reading (``world.other``): a refused link is answered 403, not 401, with
other words and markup: the ``link-error`` alert stands above the ``portal-signed-out``
section instead of inside it; a visitor without a session is redirected to
``/signed-out`` instead of being shown the signed-out page where she is.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.parties import portal_next
from sandbox.parties.nomos_api import NomosStore, magic_link_lifetime, nomos_store, portal_session_lifetime
from sandbox.seed import NomosCustomer
from sandbox.web import esc, page, requires
from sandbox.world import World

COOKIE = "nomos_portal_session"
PARTY = "Nomos customer portal"
QUICK_LINKS = (("data", "My data"), ("invoices", "Invoices"), ("orders", "Orders"), ("tariff", "Tariff"), ("help", "Help"))

FAULTS = [
    Fault("portal-link-reusable", ("SSO-09",), "a used magic link signs in again"),
    Fault("portal-link-never-expires", ("SSO-10",), "an old magic link still signs in"),
    Fault("portal-accepts-tampered-token", ("SSO-11",), "an altered or invented token signs in"),
    Fault("portal-ignores-next", ("SSO-12",), "a deep link lands on the overview instead of the invoice"),
    Fault("portal-open-redirect", ("SSO-13",), "next=https://other.example sends the customer off the portal"),
    Fault("portal-protocol-relative-redirect", ("SSO-13",), "next=//other.example sends the customer off the portal"),
    Fault("portal-session-not-kept", ("SSO-08",), "a later visit in the same browser is signed out"),
    Fault("portal-session-never-expires", ("SSO-08",), "a portal session outlives its lifetime"),
    Fault("portal-signout-ends-all-sessions", ("SSO-15",), "signing out on one device signs out every device"),
    Fault("portal-hub-missing-quick-link", ("SSO-07",), "the hub has no quick link to invoices"),
    Fault("portal-checkout-broken", ("SSO-14",), "the hosted checkout shows the signed-out page"),
    Fault("portal-link-grace", ("SEC-02",), "a magic link still signs in for a minute after its lifetime"),
    Fault("portal-link-ends-early", ("SEC-02",), "a magic link is refused a minute before its lifetime is over"),
    Fault("portal-session-grace", ("SEC-03",), "a portal session lasts a minute longer than its lifetime"),
    Fault("portal-session-ends-early", ("SEC-03",), "a portal session ends a minute before its lifetime is over"),
    Fault("portal-cookie-readable-by-scripts", ("SEC-07",), "the portal's session cookie is set without HttpOnly"),
    Fault("portal-signout-keeps-session", ("SEC-08",),
          "signing out deletes the browser's cookie but the session stays valid: the old cookie signs in again"),
    Fault("portal-signed-out-sniffable", ("SEC-21",),
          "the portal's signed-out page is sent without X-Content-Type-Options: nosniff"),
    Fault("portal-refusal-without-language", ("SEC-18",),
          "the page of a refused magic link declares no language: screen readers guess, translators skip it"),
    Fault("portal-link-keeps-signed-in-customer", ("SEC-09",),
          "a magic link opened where another customer is signed in keeps that customer's session"),
]


def safe_next(value: str | None) -> str:
    if not value:
        return "/overview"
    parts = urlsplit(value)
    if value.startswith("/") and not value.startswith("//") and "\\" not in value and not parts.scheme and not parts.netloc:
        return value
    return "/overview"


def build_app(world: World) -> Starlette:
    store: NomosStore = nomos_store(world)
    seen: set[str] = set()

    def signed_out(status: int = 200, refused: str = "") -> Response:
        if world.other:
            return other_signed_out(refused)
        alert = f'<p role="alert" data-testid="link-error">{esc(refused)}</p>' if refused else ""
        return sniffable(page("Signed out", f'<div data-testid="portal-signed-out"><h1>You are signed out</h1>{alert}'
                              "<p>Open your energy account again from your energy supplier's app.</p></div>",
                              status_code=status, party=PARTY, lang=refusal_language(refused)))

    def other_signed_out(refused: str) -> Response:
        alert = (f'<div role="alert" data-testid="link-error"><strong>We could not sign you in.</strong> '
                 f'{esc(refused)}</div>') if refused else ""
        return sniffable(page("Nomos", f'{alert}<section data-testid="portal-signed-out"><h2>Not signed in</h2>'
                              "<p>Your energy supplier's app opens your account for you.</p></section>",
                              status_code=403 if refused else 200, party=PARTY, lang=refusal_language(refused)))

    def sniffable(response: Response) -> Response:
        if world.faulty("portal-signed-out-sniffable"):
            del response.headers["X-Content-Type-Options"]
        return response

    def refusal_language(refused: str) -> str:
        return "" if refused and world.faulty("portal-refusal-without-language") else "en"

    def customer_of(request: Request) -> NomosCustomer | None:
        sid = request.cookies.get(COOKIE, "")
        entry = store.sessions.get(sid)
        if entry is None:
            return None
        customer_id, expires = entry
        expires += (60 if world.faulty("portal-session-grace") else 0) - (
            60 if world.faulty("portal-session-ends-early") else 0)
        if expires <= world.clock.now() and not world.faulty("portal-session-never-expires"):
            store.sessions.pop(sid, None)
            return None
        if world.faulty("portal-session-not-kept"):  # the session survives only its first page
            if sid in seen:
                return None
            seen.add(sid)
        return world.seed.customer(customer_id)

    def verify(request: Request) -> tuple[NomosCustomer | None, str]:
        token = request.query_params.get("token_hash", "")
        link = store.links.get(token)
        if link is None and world.faulty("portal-accepts-tampered-token") and token and store.links:
            # the regression: a token that "looks close enough" is matched to the latest link
            newest = list(store.links.values())[-1]
            return world.seed.customer(newest.customer_id), ""
        if link is None or request.query_params.get("type") != "magiclink":
            return None, "This sign-in link is not valid."
        if link.used and not world.faulty("portal-link-reusable"):
            return None, "This sign-in link has already been used."
        lifetime = magic_link_lifetime(world) + (60 if world.faulty("portal-link-grace") else 0) - (
            60 if world.faulty("portal-link-ends-early") else 0)
        if world.clock.now() - link.issued_at > lifetime and not world.faulty("portal-link-never-expires"):
            return None, "This sign-in link has expired."
        link.used = True
        return world.seed.customer(link.customer_id), ""

    def to_signed_out(request: Request) -> Response:
        return RedirectResponse("/signed-out", 303) if world.other else signed_out()

    # The signed-in guard of the portal's pages: a visitor without a session is signed out.
    signed_in = requires(customer_of, to_signed_out)

    def start_session(response: Response, customer: NomosCustomer) -> Response:
        sid = secrets.token_urlsafe(24)
        store.sessions[sid] = (customer.id, world.clock.now() + portal_session_lifetime(world))
        readable = world.faulty("portal-cookie-readable-by-scripts")
        response.set_cookie(COOKIE, sid, httponly=not readable, samesite="lax", path="/")
        return response

    async def root(request: Request) -> Response:
        if "token_hash" not in request.query_params:
            return RedirectResponse("/overview", 303) if customer_of(request) else signed_out()
        customer, problem = verify(request)
        if customer is None:
            return signed_out(401, problem)
        wanted = request.query_params.get("next")
        target = safe_next(wanted)
        if world.faulty("portal-ignores-next"):
            target = "/overview"
        absolute = world.faulty("portal-open-redirect") and urlsplit(wanted or "").scheme in ("http", "https")
        relative = world.faulty("portal-protocol-relative-redirect") and (wanted or "").startswith("//")
        if absolute or relative:
            target = wanted
        escaped = portal_next.escape(world, request, wanted)
        if escaped is not None:
            return start_session(portal_next.verbatim_redirect(escaped), customer)
        if world.faulty("portal-link-keeps-signed-in-customer") and customer_of(request) is not None:
            return RedirectResponse(target, 303)  # the regression: "already signed in"
        return start_session(RedirectResponse(target, 303), customer)

    @signed_in
    async def overview(request: Request, customer: NomosCustomer) -> Response:
        links = [(k, t) for k, t in QUICK_LINKS if not (k == "invoices" and world.faulty("portal-hub-missing-quick-link"))]
        quick = "".join(f'<li><a data-testid="hub-link-{k}" href="/{k}">{esc(t)}</a></li>' for k, t in links)
        return page("Your energy account", f'<div data-testid="portal-hub"><h1>Welcome, '
                    f'<span data-testid="portal-customer-name">{esc(customer.name)}</span></h1>'
                    f'<ul class="options">{quick}</ul><form method="post" action="/logout">'
                    '<button data-testid="portal-sign-out" type="submit">Sign out</button></form></div>', party=PARTY)

    @signed_in
    async def section(request: Request, customer: NomosCustomer) -> Response:
        name = request.path_params["section"]
        items = "".join(f'<li><a href="/invoices/{esc(i)}">{esc(i)}</a></li>' for i in customer.invoices) \
            if name == "invoices" else ""
        return page(name.capitalize(), f"<h1>{esc(name.capitalize())}</h1><ul>{items}</ul>"
                    '<p><a href="/overview">Back to your account</a></p>', party=PARTY)

    @signed_in
    async def invoice(request: Request, customer: NomosCustomer) -> Response:
        invoice_id = request.path_params["invoice_id"]
        if invoice_id not in customer.invoices:
            return page("Not found", "<h1>Invoice not found</h1>", status_code=404, party=PARTY)
        return page(f"Invoice {invoice_id}", f'<div data-testid="invoice"><h1>Invoice '
                    f'<span data-testid="invoice-id">{esc(invoice_id)}</span></h1>'
                    '<p><a href="/overview">Back to your account</a></p></div>', party=PARTY)

    async def start(request: Request) -> Response:
        if "token_hash" in request.query_params:
            customer, problem = verify(request)
            if customer is None:
                return signed_out(401, problem)
            return start_session(RedirectResponse("/start", 303), customer)
        customer = customer_of(request)
        if customer is None or world.faulty("portal-checkout-broken"):
            return signed_out()
        return page("Choose your plan", f'<div data-testid="checkout"><h1>Welcome, {esc(customer.name)}</h1>'
                    "<p>Choose an energy plan to start your subscription.</p></div>", party=PARTY)

    async def logout(request: Request) -> Response:
        sid = request.cookies.get(COOKIE, "")
        entry = store.sessions.get(sid) if world.faulty("portal-signout-keeps-session") else store.sessions.pop(sid, None)
        if entry and world.faulty("portal-signout-ends-all-sessions"):
            for other in [k for k, v in store.sessions.items() if v[0] == entry[0]]:
                store.sessions.pop(other, None)
        response = signed_out()
        response.delete_cookie(COOKIE, path="/")
        return response

    async def signed_out_page(request: Request) -> Response:
        return signed_out()

    other_routes = [Route("/signed-out", signed_out_page, methods=["GET"])] if world.other else []
    return Starlette(routes=[
        *other_routes,
        Route("/", root, methods=["GET"]),
        Route("/overview", overview, methods=["GET"]),
        Route("/invoices/{invoice_id}", invoice, methods=["GET"]),
        Route("/start", start, methods=["GET"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/{section:str}", section, methods=["GET"]),
    ])
