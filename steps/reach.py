"""How the sweep reaches each item of the surface over HTTP: the page a link opens (with
what it carries), a link session in a language, a signed-in partner or portal customer.

Only what interfaces.md and the vendor pages fix is used: the partner entry points, a
link session's ``link_url`` (whatever its form: the token and language are found in it),
the profile's redirect URLs, test ids and ``<html lang>``. Every request goes through
the suite's HTTP policy (allowed hosts, the run's request budget)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from steps.clients.nomos import NomosClient
from steps.clients.nox import NoxClient
from suite import http as policy
from suite.sweep.html import Html
from suite.target import Target, allowed_hosts

MAX_HOPS = 8


@dataclass
class Answer:
    """The last answer of a request and its redirects, as a page."""

    response: httpx.Response
    hops: list[str] = field(default_factory=list)

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def page(self) -> Html:
        return Html(self.response.text, str(self.response.url))


def with_params(url: str, **params: str) -> str:
    parts = urlsplit(url)
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode([*pairs, *params.items()])))


def swap(url: str, old: str, new: str) -> str:
    """``url`` with the token ``old`` replaced by ``new`` wherever the link carries it (query or path)."""
    assert old in url, "the link does not carry its own token"
    return url.replace(old, new)


class Reach:
    def __init__(self, target: Target, ledger: policy.RequestLedger, nox: NoxClient) -> None:
        self.target = target
        self.ledger = ledger
        self.nox = nox
        self._client: httpx.Client | None = None

    @contextmanager
    def browser_like(self) -> Iterator[httpx.Client]:
        """A cookie-keeping client for any origin of the target: a new visitor each time
        (no cookies), on one client kept for the run (a client costs a TLS context to build)."""
        if self._client is None:
            self._client = policy.client("", allowed_hosts=allowed_hosts(self.target), ledger=self.ledger,
                                         timeout=self.target.limits.request_timeout_seconds)
        self._client.cookies.clear()
        try:
            yield self._client
        finally:
            self._client.cookies.clear()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def open(self, client: httpx.Client, url: str, method: str = "GET", *, stop_at: str = "",
             data: dict[str, str] | None = None) -> Answer:
        """Send one request and follow its redirects as a browser would (up to ``stop_at``)."""
        hops: list[str] = []
        response = client.request(method, url, data=data)
        while response.is_redirect and len(hops) < MAX_HOPS:
            location = str(response.url.join(response.headers["location"]))
            hops.append(location)
            if stop_at and location.startswith(stop_at):
                break
            response = client.get(location)
        return Answer(response, hops)

    def get(self, url: str, method: str = "GET") -> Answer:
        with self.browser_like() as client:
            return self.open(client, url, method)

    # -- link sessions

    def supplier_session(self, language: str, brand: str | None = None) -> dict[str, str]:
        user = self.target.users["subscribed"]
        response = self.nox.create_supplier_session(self.nox.supplier_session_body(
            user.id, "hp", language=language, **({"brand": brand} if brand else {})))
        assert response.status_code == 201, f"NOX started no link session: {policy.describe(response)}"
        return response.json()

    def manufacturer_session(self, language: str) -> dict[str, str]:
        response = self.nox.create_manufacturer_session(
            self.nox.manufacturer_session_body(f"sweep-{secrets.token_hex(4)}", language=language))
        assert response.status_code == 201, f"NOX started no manufacturer session: {policy.describe(response)}"
        return response.json()

    # -- the partner app

    def partner_signed_in(self, client: httpx.Client) -> Answer:
        """Sign the partner's subscribed user in, through the sign-in form (reached by /portal, SSO-16)."""
        user = self.target.users["subscribed"]
        base = self.target.urls.partner_app
        sign_in = self.open(client, f"{base}/portal", stop_at=self.target.urls.nomos_portal)
        form = sign_in.page.form("partner-login")
        assert form is not None, f"a signed-out /portal did not show the partner sign-in ({sign_in.status})"
        fields = form.filled({"Email": user.email, "Password": user.password.reveal()})
        fields.pop("next", None)  # to home, not on to the portal: no magic link is minted
        done = self.open(client, form.action, "POST", data=fields)
        assert done.page.has("partner-home"), f"the partner sign-in did not reach home ({done.status})"
        return done

    # -- the Nomos portal

    def portal_signed_in(self, client: httpx.Client, nomos: NomosClient, role: str = "subscribed") -> Answer:
        """Open a fresh magic link for the role's customer: the hub (or, without a subscription, the checkout)."""
        link = nomos.magic_link(self.target.users[role].nomos_customer_id)
        return self.open(client, link)
