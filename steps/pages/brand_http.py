"""A manufacturer's sign-in sent through the browser's own HTTP client (its cookies, its
hosts), without drawing a page: for scenarios that only need a link completed before
what they look at (features/refusal_languages.feature). The form is the page's
``brand-login`` (test ids ``brand-username``, ``brand-password``, ``brand-accept-terms``
where the brand asks), read as a browser submits it; the way back is followed to the
supplier's redirect URL and not loaded there."""

from __future__ import annotations

from urllib.parse import urljoin

from playwright.sync_api import APIRequestContext, APIResponse

from suite.http import RequestLedger
from suite.sweep.html import Html
from suite.target import BrandAccount

MAX_HOPS = 8


class BrandSignInOverHttp:
    def __init__(self, request: APIRequestContext, ledger: RequestLedger) -> None:
        self.request = request
        self.ledger = ledger

    def _go(self, url: str, *, post: dict[str, str] | None = None, stop_at: str = "") -> tuple[str, APIResponse | None]:
        """Send one request and follow its redirects: ``(final address, its answer)``, or
        ``(address, None)`` as soon as a redirect leads under ``stop_at`` (not loaded)."""
        for _ in range(MAX_HOPS):
            self.ledger.spend("browser")
            if post is not None:
                answer = self.request.post(url, form=post, max_redirects=0, fail_on_status_code=False)
                post = None
            else:
                answer = self.request.get(url, max_redirects=0, fail_on_status_code=False)
            location = answer.headers.get("location", "")
            if not location or answer.status < 300 or answer.status >= 400:
                return url, answer
            url = urljoin(url, location)
            if stop_at and url.startswith(stop_at):
                return url, None
        raise AssertionError(f"more than {MAX_HOPS} redirects from the manufacturer's sign-in")

    def complete(self, link_url: str, account: BrandAccount, stop_at: str) -> str | None:
        """Open ``link_url`` (a link with its brand chosen), sign in with ``account`` and
        return where the way back ends: an address under ``stop_at`` when NOX completed the
        link. None when the sign-in page's form is put in by a script (only a browser can
        fill it in: :meth:`follow` then takes the way back from where the brand sent it)."""
        url, shown = self._go(link_url)
        assert shown is not None
        page = Html(shown.text(), url)
        form = page.form("brand-login")
        if form is None and page.built_later:
            return None
        assert form is not None, f"the chosen brand's sign-in page did not open ({shown.status})"
        fields = form.filled({"brand-username": account.username, "brand-password": account.password.reveal()},
                             tick=("brand-accept-terms",))
        back, _ = self._go(form.action, post=fields, stop_at=stop_at)
        return back

    def follow(self, url: str, stop_at: str) -> str:
        """Follow the way back from ``url`` (where the brand sent the browser) until ``stop_at``."""
        back, _ = self._go(url, stop_at=stop_at)
        return back
