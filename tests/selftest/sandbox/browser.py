"""A mini browser for the sandbox selftests: it reads a page's elements (test ids,
labels, forms), fills and submits forms, follows links, and drives a whole flow across
the parties with cookies kept per host (:class:`Browser`)."""

from __future__ import annotations

import re
import ssl
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx

from sandbox.server import Sandbox

JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
TLS = ssl.create_default_context()  # shared: building one per client costs ~20 ms
ALICE = "alice@partner.test"
BOB = "bob@partner.test"

# ================================================================== reading pages


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    text: str = ""
    form: Element | None = None
    controls: list[Element] = field(default_factory=list)

    def get(self, name: str) -> str:
        return self.attrs.get(name, "")


class Doc(HTMLParser):
    """The elements of a page, enough to find test ids, labels and forms."""

    VOID = frozenset({"input", "br", "img", "meta", "link", "hr", "area", "base", "col", "source", "wbr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.lang = ""
        self._open: list[Element] = []
        self._form: Element | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, form=self._form)
        self.elements.append(element)
        if tag == "html":
            self.lang = element.get("lang")
        if tag == "form":
            self._form = element
        elif self._form is not None and tag in ("input", "button", "select", "textarea"):
            self._form.controls.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break
        if tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        for element in self._open:
            element.text += data

    def all(self, testid: str) -> list[Element]:
        return [e for e in self.elements if e.get("data-testid") == testid]

    def one(self, testid: str) -> Element:
        found = self.all(testid)
        assert len(found) == 1, f"expected one element with data-testid={testid!r}, found {len(found)}"
        return found[0]

    def has(self, testid: str) -> bool:
        return bool(self.all(testid))

    def labelled(self, text: str) -> Element:
        """The control whose <label for=...> reads ``text`` (as Playwright's get_by_label)."""
        labels = [e for e in self.elements if e.tag == "label" and e.text.strip() == text]
        assert len(labels) == 1, f"expected one label {text!r}, found {len(labels)}"
        target = [e for e in self.elements if e.get("id") == labels[0].get("for")]
        assert len(target) == 1, f"label {text!r} points at nothing"
        return target[0]


def doc(response: httpx.Response) -> Doc:
    return Doc(response.text)


def form_values(form: Element, fill: dict[str, str], press: Element | None = None) -> dict[str, str]:
    values: dict[str, str] = {}
    for control in form.controls:
        name, kind = control.get("name"), control.get("type") or "text"
        if not name or control.tag != "input" or kind in ("checkbox", "radio", "submit", "button"):
            continue
        values[name] = control.get("value")
    if press is not None and press.get("name"):
        values[press.get("name")] = press.get("value")
    values.update(fill)
    return values


def submit(client: httpx.Client, response: httpx.Response, form: Element, fill: dict[str, str],
           press: Element | None = None) -> httpx.Response:
    action = urljoin(str(response.url), form.get("action") or str(response.url))
    values = form_values(form, fill, press)
    if (form.get("method") or "get").lower() == "post":
        return client.post(action, data=values)
    return client.get(action, params=values)


def activate(client: httpx.Client, response: httpx.Response, element: Element) -> httpx.Response:
    """Click a link, or a button inside a form."""
    if element.tag == "a":
        return client.get(urljoin(str(response.url), element.get("href")))
    assert element.form is not None, f"{element.tag} {element.attrs} is neither a link nor in a form"
    return submit(client, response, element.form, {}, element)



def shown_devices(response: httpx.Response) -> list[tuple[str, str]]:
    page = doc(response)
    assert page.has("devices"), "expected the devices page"
    ids = [e.text.strip() for e in page.all("device")]
    brands = [e.text.strip() for e in page.all("device-brand")]
    assert len(ids) == len(brands), "every device must show its brand"
    return list(zip(ids, brands, strict=True))


class Browser:
    """A cookie-keeping client that follows redirects across the parties and
    remembers every response it saw (to search for leaks)."""

    def __init__(self, sbx: Sandbox) -> None:
        self.sbx = sbx
        self.seen: list[httpx.Response] = []
        self.client = httpx.Client(timeout=10, follow_redirects=True, verify=TLS,
                                   event_hooks={"response": [self._record]})

    def _record(self, response: httpx.Response) -> None:
        response.read()
        self.seen.append(response)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def sign_in(self, email: str = ALICE) -> None:
        user = self.sbx.world.seed.partner_user(email)
        assert user is not None
        response = self.get(f"{self.sbx.urls.partner_app}/login")
        page = doc(response)
        form = page.one("partner-login")
        fill = {page.labelled("Email").get("name"): email,
                page.labelled("Password").get("name"): self.sbx.world.seed.secret(user.password_env)}
        home = submit(self.client, response, form, fill)
        assert doc(home).one("partner-user-name").text.strip() == user.name

    def close(self) -> None:
        self.client.close()


def brand_sign_in(b: Browser, response: httpx.Response, username: str, accept_terms: bool = True) -> httpx.Response:
    page = doc(response)
    form = page.one("brand-login")
    fill = {page.one("brand-username").get("name"): username,
            page.one("brand-password").get("name"): b.sbx.world.seed.secret("BRAND_ACCOUNT_PASSWORD")}
    if page.has("brand-accept-terms") and accept_terms:
        box = page.one("brand-accept-terms")
        fill[box.get("name")] = box.get("value") or "on"
    press = page.one("brand-authorize")
    return submit(b.client, response, press.form or form, fill, press)


def link_device(b: Browser, asset_type: str, brand: str, username: str, query: dict[str, str]) -> httpx.Response:
    """From the partner app's connect button to the page after the brand sign-in."""
    response = b.get(f"{b.sbx.urls.partner_app}/connect/{asset_type}", params=query)
    page = doc(response)
    if not page.has("brand-login"):
        response = activate(b.client, response, page.one(f"brand-option-{brand}"))
    assert doc(response).one("brand-login").get("data-brand") == brand
    return brand_sign_in(b, response, username)


def manufacturer_state(b: Browser, language: str = "fr") -> httpx.Response:
    """Start the manufacturer-initiated flow and choose this supplier: the partner's OAuth page."""
    seed = b.sbx.world.seed
    created = httpx.post(f"{b.sbx.urls.nox}/v2/manufacturer/link-sessions",
                         headers={"x-api-key": seed.secret(seed.manufacturer.key_env)},
                         json={"user_id": "daikin-user-42", "redirect_url": f"{b.sbx.urls.manufacturer_app}/linked",
                               "language": language}, timeout=10)
    assert created.status_code == 201, created.text
    picker = b.get(created.json()["link_url"])
    page = doc(picker)
    assert page.has("supplier-picker")
    oauth = activate(b.client, picker, page.one(f"supplier-option-{seed.supplier.slug}"))
    assert str(oauth.url).startswith(f"{b.sbx.urls.partner_app}/oauth/nox?")
    return oauth


def sign_in_at_supplier(b: Browser, oauth: httpx.Response, terms: bool = True) -> httpx.Response:
    page = doc(oauth)
    user = b.sbx.world.seed.partner_user(ALICE)
    assert user is not None
    fill = {page.labelled("Email").get("name"): ALICE,
            page.labelled("Password").get("name"): b.sbx.world.seed.secret(user.password_env)}
    if terms:
        box = page.one("accept-terms")
        fill[box.get("name")] = box.get("value")
    return submit(b.client, oauth, page.one("supplier-oauth"), fill)


