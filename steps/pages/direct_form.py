"""A form of any page, sent straight to its server over HTTP: the fields the page would
send, without the browser's checks (``required``, a checkbox the page insists on), so a
step can prove the server enforces the rule itself (SEC-11).

The form is read from the page as the browser would submit it (``FormData``: hidden
fields included, unchecked boxes left out); the request goes through the browser
context's own HTTP client, with its cookies, and follows no redirect, so the answer
says where the server would have sent the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Route

from steps.pages.base import PageObject
from suite.http import RequestLedger
from suite.static_html import StaticPage
from suite.target import Target

# The form at the test id's element, inside it (a region around the form) or around it,
# read as the browser would submit it with its first submit button.
READ_FORM = """el => {
  const form = el instanceof HTMLFormElement ? el : (el.querySelector("form") || el.closest("form"));
  if (!form) return null;
  const submitter = form.querySelector("button:not([type]), button[type=submit], input[type=submit]");
  return {
    action: form.action,
    method: form.method,
    fields: [...new FormData(form, submitter)].map(([name, value]) => [name, String(value)]),
  };
}"""


@dataclass(frozen=True)
class DirectAnswer:
    """What the server answered a form sent straight to it."""

    status: int
    location: str  # where a redirect would send the browser ('' when none)
    text: str
    # shows the answer in a browser and says whether a test id appears (for a page a script builds)
    rendered_shows: Callable[[str], bool] = field(default=lambda test_id: False, repr=False, compare=False)

    @property
    def redirects(self) -> bool:
        return 300 <= self.status < 400 and bool(self.location)

    def shows(self, test_id: str) -> bool:
        """The answer, shown as a page, has an element with this test id: in its first HTML
        (read as a browser reads it), else once its scripts have run."""
        return StaticPage(self.text).shows(test_id) or ("<script" in self.text.lower() and self.rendered_shows(test_id))

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
        if read is None:
            raise AssertionError(f"expected a form at the page's {self.form_test_id!r} element, but {self.describe()}")
        fields = dict(read["fields"])
        url = urljoin(self.page.url, read["action"] or self.page.url)
        self.ledger.spend("browser")
        if read["method"] == "post":
            response = self.page.request.post(url, form=fields, max_redirects=0, fail_on_status_code=False)
        else:
            response = self.page.request.get(url, params=fields, max_redirects=0, fail_on_status_code=False)
        location = response.headers.get("location", "")
        body = response.text()
        return DirectAnswer(response.status, urljoin(url, location) if location else "", body,
                            rendered_shows=lambda test_id: self._rendered_shows(url, body, test_id))

    def _rendered_shows(self, url: str, body: str, test_id: str) -> bool:
        """Show ``body`` as the page at ``url`` in a new tab of the same browser (nothing is
        sent: the answer is served from memory) and wait for the test id."""
        page = self.page.context.new_page()

        def serve(route: Route) -> None:
            if route.request.url == url:
                route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)
            else:
                route.abort()

        page.route("**/*", serve)
        try:
            page.goto(url)
            page.get_by_test_id(test_id).first.wait_for(state="attached", timeout=self.wait_ms)
            return True
        except PlaywrightError:
            return False
        finally:
            page.close()
