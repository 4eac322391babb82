"""A form of any page, sent straight to its server over HTTP: the fields the page would
send, without the browser's checks (``required``, a checkbox the page insists on), so a
step can prove the server enforces the rule itself (SEC-11).

The form is read from the page as the browser would submit it (``FormData``: hidden
fields included, unchecked boxes left out); the request goes through the browser
context's own HTTP client, with its cookies, and follows no redirect, so the answer
says where the server would have sent the browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Page

from steps.pages.base import PageObject
from suite.http import RequestLedger
from suite.target import Target

READ_FORM = """form => ({
  action: form.action,
  method: (form.getAttribute("method") || "get").toLowerCase(),
  fields: [...new FormData(form)].map(([name, value]) => [name, String(value)]),
})"""


@dataclass(frozen=True)
class DirectAnswer:
    """What the server answered a form sent straight to it."""

    status: int
    location: str  # where a redirect would send the browser ('' when none)
    text: str

    @property
    def redirects(self) -> bool:
        return 300 <= self.status < 400 and bool(self.location)

    def shows(self, test_id: str) -> bool:
        return f'data-testid="{test_id}"' in self.text

    def describe(self) -> str:
        if self.redirects:
            parts = urlsplit(self.location)
            return f"{self.status}, sending the browser on to {parts.netloc}{parts.path}"
        return f"{self.status}"


class DirectForm(PageObject):
    """One form of the current page, by its test id."""

    def __init__(self, page: Page, form_test_id: str, ledger: RequestLedger, target: Target) -> None:
        super().__init__(page, target)
        self.form_test_id = form_test_id
        self.ledger = ledger

    def send(self) -> DirectAnswer:
        """Send the form as filled in, whatever the browser would have said about it."""
        form = self.expect(self.form_test_id, "the form to send")
        read = form.evaluate(READ_FORM)
        fields = dict(read["fields"])
        url = urljoin(self.page.url, read["action"] or self.page.url)
        self.ledger.spend("browser")
        if read["method"] == "post":
            response = self.page.request.post(url, form=fields, max_redirects=0, fail_on_status_code=False)
        else:
            response = self.page.request.get(url, params=fields, max_redirects=0, fail_on_status_code=False)
        location = response.headers.get("location", "")
        return DirectAnswer(response.status, urljoin(url, location) if location else "", response.text())
