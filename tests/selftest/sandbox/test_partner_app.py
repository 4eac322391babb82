"""The partner app (sandbox/parties/partner_app.py).

Two kinds of tests:

- **Isolated**: the partner app is served over loopback HTTP with a recording stand-in
  for Nomos and NOX (``Stub``), so every request it sends is checked field by field and
  every vendor failure can be provoked. Each test gets a fresh partner app and world.
- **End to end**: the full sandbox (``sbx``), driven like a browser would (an httpx
  client that keeps cookies and follows redirects across the parties).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
import uvicorn
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

import sandbox
from sandbox.faults import Faults, declared_in
from sandbox.parties import partner_app
from sandbox.seed import Seed
from sandbox.server import Sandbox
from sandbox.world import Clock, Urls, World

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


def encode(payload: Any) -> str:
    raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def payload(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "nox_user_id": "nox_abc123",
        "supplier_user_id": "usr_alice",
        "brand": "daikin",
        "device_ids": ["daikin-hp-0001"],
        "connected_at": 1703123456,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not DROP}


DROP = object()


def shown_devices(response: httpx.Response) -> list[tuple[str, str]]:
    page = doc(response)
    assert page.has("devices"), "expected the devices page"
    ids = [e.text.strip() for e in page.all("device")]
    brands = [e.text.strip() for e in page.all("device-brand")]
    assert len(ids) == len(brands), "every device must show its brand"
    return list(zip(ids, brands, strict=True))


# ================================================================== the isolated rig


@dataclass
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Stub:
    """A recording stand-in for the Nomos API and the NOX API on one origin."""

    def __init__(self) -> None:
        self.url = ""
        self.reset(Seed.from_environment())

    def reset(self, seed: Seed) -> None:
        self.seed = seed
        self.calls: list[Call] = []
        self.queued: dict[str, list[Response]] = {}
        self.valid_tokens: set[str] = set()
        self.issued: list[str] = []
        self.links: list[str] = []
        self.expires_in = 3600

    def queue(self, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None,
              raw: bytes | None = None) -> None:
        response = (Response(raw, status_code=status, headers=headers, media_type="application/json")
                    if raw is not None else JSONResponse(body, status_code=status, headers=headers))
        self.queued.setdefault(path, []).append(response)

    def to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        self.calls.append(Call(request.method, request.url.path, dict(request.headers), body))
        queue = self.queued.get(request.url.path)
        response = queue.pop(0) if queue else self.answer(request.url.path, request.headers, body)
        await response(scope, receive, send)

    def answer(self, path: str, headers: Any, body: bytes) -> Response:
        unauthorised = JSONResponse({"code": "UNAUTHORIZED", "message": "no", "requestId": "r", "docs": "d"}, 401)
        if path == "/oauth/token":
            expected = base64.b64encode(
                f"{self.seed.nomos_client_id}:{self.seed.secret('NOMOS_CLIENT_SECRET')}".encode()).decode()
            if headers.get("authorization") != f"Basic {expected}":
                return unauthorised
            token = f"eyJhbGciOiJIUzI1NiJ9.{encode({'n': len(self.issued)})}.c2lnbmF0dXJl"
            self.issued.append(token)
            self.valid_tokens.add(token)
            return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in,
                                 "refresh_token": "r", "scope": "read:* write:*"})
        if path == "/admin/magic_link":
            if headers.get("authorization", "").removeprefix("Bearer ") not in self.valid_tokens:
                return unauthorised
            link = f"http://127.0.0.1:9/?token_hash=th{len(self.links)}x&type=magiclink&next=/overview"
            self.links.append(link)
            return JSONResponse({"object": "magic_link", "link": link})
        nox_key = self.seed.secret(self.seed.supplier.key_env)
        if headers.get("x-api-key") != nox_key:
            return JSONResponse({"error": "unauthorized", "message": "bad key"}, 401)
        if path == "/v2/supplier/link-sessions":
            request = json.loads(body)
            language = request.get("language", "nl")
            return JSONResponse({"link_url": f"http://127.0.0.1:9/ui?token=tok{len(self.calls)}&language={language}",
                                 "link_token": f"tok{len(self.calls)}"}, 201)
        if path == "/post-login-redirect":
            state = json.loads(body).get("state")
            if state in ("unknown", "used", "expired"):
                status = {"unknown": 404, "used": 409, "expired": 410}[state]
                return JSONResponse({"error": state, "message": state}, status)
            return JSONResponse({"redirect_url": f"http://127.0.0.1:9/ui/supplier-return?state={state}"})
        return JSONResponse({"error": "not_found"}, 404)


class Rig:
    """One loopback server with two origins: the partner app under test and the stub."""

    def __init__(self) -> None:
        self.stub = Stub()
        self.partner: Any = None
        self.partner_port = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        server = scope.get("server") or ("", 0)
        app = self.partner if server[1] == self.partner_port else self.stub
        await app(scope, receive, send)


def _listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@pytest.fixture(scope="module")
def rig() -> Iterator[tuple[Rig, str]]:
    rig = Rig()
    partner_sock, stub_sock = _listen(), _listen()
    rig.partner_port = partner_sock.getsockname()[1]
    rig.stub.url = f"http://127.0.0.1:{stub_sock.getsockname()[1]}"
    server = uvicorn.Server(uvicorn.Config(rig, log_level="warning", access_log=False, lifespan="off"))
    # The sockets already listen: requests queue until the server accepts them.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [partner_sock, stub_sock]}, daemon=True)
    thread.start()
    yield rig, f"http://127.0.0.1:{rig.partner_port}"
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Partner:
    world: World
    stub: Stub
    url: str
    clients: list[httpx.Client] = field(default_factory=list)

    @property
    def state(self) -> partner_app.PartnerState:
        return self.world.state["partner_app"]  # type: ignore[return-value]

    def client(self) -> httpx.Client:
        client = httpx.Client(base_url=self.url, timeout=10, follow_redirects=False, verify=TLS)
        self.clients.append(client)
        return client

    def password(self, email: str) -> str:
        user = self.world.seed.partner_user(email)
        assert user is not None
        return self.world.seed.secret(user.password_env)

    def signed_in(self, email: str = ALICE) -> httpx.Client:
        client = self.client()
        response = client.post("/login", data={"email": email, "password": self.password(email)})
        assert response.status_code == 303, response.text
        return client


@pytest.fixture
def make_partner(rig: tuple[Rig, str]) -> Iterator[Callable[..., Partner]]:
    made: list[Partner] = []

    def _make(*faults: str) -> Partner:
        the_rig, url = rig
        seed = Seed.from_environment()
        urls = Urls(control="http://127.0.0.1:9", partner_app=url, nomos_api=the_rig.stub.url,
                    nomos_portal="http://127.0.0.1:9", nox=the_rig.stub.url, brands="http://127.0.0.1:9",
                    manufacturer_app="http://127.0.0.1:9")
        world = World(clock=Clock(), faults=Faults(faults), seed=seed, urls=urls)
        the_rig.stub.reset(seed)
        the_rig.partner = partner_app.build_app(world)
        made.append(Partner(world, the_rig.stub, url))
        return made[-1]

    yield _make
    for partner in made:
        for client in partner.clients:
            client.close()


@pytest.fixture
def partner(make_partner: Callable[..., Partner]) -> Partner:
    return make_partner()


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


# ================================================================== sign-in and home


def test_sign_in_page_offers_the_form(partner: Partner) -> None:
    response = partner.client().get("/login")
    assert response.status_code == 200
    page = doc(response)
    form = page.one("partner-login")
    assert form.tag == "form" and form.get("method").lower() == "post"
    assert page.labelled("Email").get("name") == "email"
    assert page.labelled("Password").get("type") == "password"
    assert page.one("partner-login-submit").form is form
    assert page.lang == "en"


def test_sign_in_page_carries_a_safe_next_through_the_form(partner: Partner) -> None:
    page = doc(partner.client().get("/login", params={"next": "/portal?next=/invoices/inv_abc"}))
    hidden = [c for c in page.one("partner-login").controls if c.get("name") == "next"]
    assert [c.get("value") for c in hidden] == ["/portal?next=/invoices/inv_abc"]
    page = doc(partner.client().get("/login", params={"next": "https://evil.example/"}))
    assert not [c for c in page.one("partner-login").controls if c.get("name") == "next"]


@pytest.mark.parametrize("form", [
    {"email": ALICE, "password": "wrong"},
    {"email": "nobody@partner.test", "password": "x"},
    {"email": ALICE, "password": ""},
    {},
])
def test_wrong_credentials_are_refused_with_an_alert(partner: Partner, form: dict[str, str]) -> None:
    response = partner.client().post("/login", data=form)
    assert response.status_code == 401
    page = doc(response)
    assert page.has("partner-login")
    assert any(e.get("role") == "alert" and e.text.strip() for e in page.elements)
    assert "set-cookie" not in response.headers
    assert not partner.state.sessions


def test_another_users_password_does_not_sign_in(partner: Partner) -> None:
    response = partner.client().post("/login", data={"email": ALICE, "password": partner.password(BOB)})
    assert response.status_code == 401


def test_sign_in_sets_a_safe_session_cookie_and_goes_home(partner: Partner) -> None:
    client = partner.client()
    response = client.post("/login", data={"email": "Alice@Partner.test", "password": partner.password(ALICE)})
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{partner_app.SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert len(value) >= 32 and "usr_alice" not in value and ALICE not in value
    home = client.get("/")
    assert home.status_code == 200
    assert doc(home).one("partner-user-name").text.strip() == "Alice Janssen"


@pytest.mark.parametrize(("wanted", "lands"), [
    ("/portal", "/portal"),
    ("/devices?x=1", "/devices?x=1"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
    ("/\r\nSet-Cookie: x=1", "/"),
    ("", "/"),
])
def test_sign_in_follows_only_a_local_next(partner: Partner, wanted: str, lands: str) -> None:
    response = partner.client().post(
        "/login", data={"email": ALICE, "password": partner.password(ALICE), "next": wanted})
    assert response.status_code == 303
    assert response.headers["location"] == lands


def test_each_sign_in_gets_a_new_session(partner: Partner) -> None:
    client = partner.signed_in()
    first = client.cookies[partner_app.SESSION_COOKIE]
    client.post("/login", data={"email": BOB, "password": partner.password(BOB)})
    second = client.cookies[partner_app.SESSION_COOKIE]
    assert first != second
    assert partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}={first}"}).status_code == 303
    assert doc(client.get("/")).one("partner-user-name").text.strip() == "Bob Peeters"


def test_home_requires_sign_in(partner: Partner) -> None:
    response = partner.client().get("/")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    forged = partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}=usr_alice"})
    assert forged.status_code == 303


def test_home_offers_the_entry_points(partner: Partner) -> None:
    page = doc(partner.signed_in(BOB).get("/"))
    assert page.has("partner-home")
    assert page.one("partner-user-name").text.strip() == "Bob Peeters"
    assert page.one("open-energy-account").tag == "a" and page.one("open-energy-account").get("href") == "/portal"
    assert page.one("connect-hp").get("href") == "/connect/hp"
    assert page.one("connect-pv").get("href") == "/connect/pv"
    sign_out = page.one("partner-sign-out")
    assert sign_out.form is not None and sign_out.form.get("action") == "/logout"
    assert sign_out.form.get("method").lower() == "post"
    assert not partner.stub.calls, "the home page must not call Nomos or NOX"


def test_sign_out_ends_the_session(partner: Partner) -> None:
    client = partner.signed_in()
    session = client.cookies[partner_app.SESSION_COOKIE]
    response = client.post("/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    assert client.get("/").status_code == 303
    assert partner.client().get("/", headers={"cookie": f"{partner_app.SESSION_COOKIE}={session}"}).status_code == 303
    assert partner.client().get("/logout").status_code == 405


# ================================================================== portal SSO


def test_portal_signed_out_goes_to_sign_in_and_mints_nothing(partner: Partner) -> None:
    client = partner.client()
    response = client.get("/portal")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/portal"
    deep = client.get("/portal", params={"next": "/invoices/inv_abc"})
    assert deep.status_code == 303 and deep.headers["location"].startswith("/login?next=")
    (carried,) = parse_qs(urlsplit(deep.headers["location"]).query)["next"]
    assert urlsplit(carried).path == "/portal"
    assert parse_qs(urlsplit(carried).query)["next"] == ["/invoices/inv_abc"]
    assert partner.stub.calls == [] and partner.state.mints == 0


def test_portal_mints_server_side_for_the_signed_in_customer(partner: Partner) -> None:
    response = partner.signed_in().get("/portal")
    assert response.status_code == 303
    assert response.headers["location"] == partner.stub.links[0]
    token_call, mint_call = partner.stub.calls
    assert (token_call.method, token_call.path) == ("POST", "/oauth/token")
    assert token_call.headers["authorization"] == basic(
        partner.world.seed.nomos_client_id, partner.world.seed.secret("NOMOS_CLIENT_SECRET"))
    assert token_call.json == {"grant_type": "client_credentials"}
    assert (mint_call.method, mint_call.path) == ("POST", "/admin/magic_link")
    assert mint_call.headers["authorization"] == f"Bearer {partner.stub.issued[0]}"
    assert mint_call.json == {"customerId": "cus_alice"}
    assert partner.signed_in(BOB).get("/portal").status_code == 303
    assert partner.stub.to("/admin/magic_link")[-1].json == {"customerId": "cus_bob"}


def test_portal_mints_a_fresh_link_on_every_visit_with_one_cached_token(partner: Partner) -> None:
    client = partner.signed_in()
    locations = [client.get("/portal").headers["location"] for _ in range(3)]
    assert len(set(locations)) == 3
    assert len(partner.stub.to("/oauth/token")) == 1
    assert len(partner.stub.to("/admin/magic_link")) == 3


def test_portal_renews_the_token_shortly_before_it_expires(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/portal")
    partner.world.clock.advance(3000)
    client.get("/portal")
    assert len(partner.stub.to("/oauth/token")) == 1, "a token with ten minutes left is still good"
    partner.world.clock.advance(570)  # 30 seconds before expires_in runs out on the test clock
    assert client.get("/portal").status_code == 303
    assert len(partner.stub.to("/oauth/token")) == 2
    assert partner.stub.to("/admin/magic_link")[-1].headers["authorization"] == f"Bearer {partner.stub.issued[1]}"


def test_portal_fetches_a_new_token_once_after_a_401(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/portal")
    partner.stub.valid_tokens.clear()  # Nomos revoked the cached token
    response = client.get("/portal")
    assert response.status_code == 303 and response.headers["location"] == partner.stub.links[-1]
    assert len(partner.stub.to("/oauth/token")) == 2
    refused = partner.stub.to("/admin/magic_link")[1]
    assert refused.headers["authorization"] == f"Bearer {partner.stub.issued[0]}"


def test_portal_tries_only_once_more_after_a_401(partner: Partner) -> None:
    client = partner.signed_in()
    for _ in range(2):
        partner.stub.queue("/admin/magic_link", 401, {"code": "UNAUTHORIZED"})
    response = client.get("/portal")
    assert response.status_code == 502
    assert len(partner.stub.to("/admin/magic_link")) == 2


def test_portal_waits_out_a_rate_limit(partner: Partner) -> None:
    partner.stub.queue("/oauth/token", 429, {"code": "TOO_MANY_REQUESTS"}, headers={"retry-after": "0"})
    partner.stub.queue("/admin/magic_link", 429, {"code": "TOO_MANY_REQUESTS"}, headers={"retry-after": "0"})
    response = partner.signed_in().get("/portal")
    assert response.status_code == 303
    assert len(partner.stub.to("/oauth/token")) == 2 and len(partner.stub.to("/admin/magic_link")) == 2


@pytest.mark.parametrize(("path", "status", "body", "raw"), [
    ("/oauth/token", 401, {"code": "UNAUTHORIZED"}, None),
    ("/oauth/token", 500, {"code": "INTERNAL_SERVER_ERROR"}, None),
    ("/oauth/token", 200, None, b"not json"),
    ("/oauth/token", 200, {"token_type": "Bearer"}, None),
    ("/admin/magic_link", 404, {"code": "NOT_FOUND"}, None),
    ("/admin/magic_link", 500, {"code": "INTERNAL_SERVER_ERROR"}, None),
    ("/admin/magic_link", 200, {"object": "magic_link", "link": "not a url"}, None),
    ("/admin/magic_link", 200, {"object": "magic_link", "link": "javascript:alert(1)"}, None),
    ("/admin/magic_link", 200, ["a list"], None),
    ("/admin/magic_link", 429, {"code": "TOO_MANY_REQUESTS"}, None),
])
def test_portal_shows_a_friendly_page_when_nomos_fails(
    partner: Partner, path: str, status: int, body: Any, raw: bytes | None
) -> None:
    client = partner.signed_in()
    repeat = partner_app.MAX_RETRIES + 1 if status == 429 else 1
    for _ in range(repeat):
        partner.stub.queue(path, status, body, headers={"retry-after": "0"}, raw=raw)
    response = client.get("/portal")
    assert response.status_code == 502
    alert = doc(response).one("portal-error")
    assert alert.get("role") == "alert" and alert.text.strip()
    for token in partner.stub.issued:
        assert token not in response.text and token not in str(response.headers)


def test_portal_deep_link_sets_next_on_the_link(partner: Partner) -> None:
    client = partner.signed_in()
    location = client.get("/portal", params={"next": "/invoices/inv_abc"}).headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["next"] == ["/invoices/inv_abc"]
    assert query["token_hash"] == ["th0x"] and query["type"] == ["magiclink"]
    assert location.startswith("http://127.0.0.1:9/?")


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example", "/\\evil.example", "overview", ""])
def test_portal_ignores_a_next_that_is_not_a_path(partner: Partner, elsewhere: str) -> None:
    location = partner.signed_in().get("/portal", params={"next": elsewhere}).headers["location"]
    assert location == partner.stub.links[-1]
    assert parse_qs(urlsplit(location).query)["next"] == ["/overview"]


def test_the_access_token_never_reaches_the_browser(partner: Partner) -> None:
    client = partner.signed_in()
    seen = [client.get(path) for path in ("/", "/portal", "/portal?next=/invoices/inv_abc", "/devices")]
    partner.stub.queue("/admin/magic_link", 500, {"code": "INTERNAL_SERVER_ERROR"})
    seen.append(client.get("/portal"))
    assert partner.stub.issued
    for response in seen:
        visible = response.text + str(response.headers) + str(response.url)
        for token in partner.stub.issued:
            assert token not in visible
        assert not JWT.search(visible) and "access_token" not in visible and "Bearer" not in visible
    assert set(client.cookies.keys()) == {partner_app.SESSION_COOKIE}


# ================================================================== connect (link sessions)


def test_connect_requires_sign_in_and_calls_nothing(partner: Partner) -> None:
    response = partner.client().get("/connect/hp", params={"brand": "daikin"})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == ["/connect/hp?brand=daikin"]
    assert partner.stub.calls == []


@pytest.mark.parametrize("asset_type", ["ev", "HP", "hp%20", "x" * 300])
def test_connect_knows_only_hp_and_pv(partner: Partner, asset_type: str) -> None:
    response = partner.signed_in().get(f"/connect/{asset_type}")
    assert response.status_code == 404
    assert partner.stub.calls == []


@pytest.mark.parametrize("asset_type", ["hp", "pv"])
def test_connect_creates_a_supplier_link_session(partner: Partner, asset_type: str) -> None:
    response = partner.signed_in(BOB).get(f"/connect/{asset_type}")
    (call,) = partner.stub.calls
    assert (call.method, call.path) == ("POST", "/v2/supplier/link-sessions")
    assert call.headers["x-api-key"] == partner.world.seed.secret("NOX_SUPPLIER_API_KEY")
    assert call.json == {"user_id": "usr_bob", "asset_type": asset_type, "redirect_url": f"{partner.url}/callback"}
    assert response.status_code == 303
    assert response.headers["location"].startswith("http://127.0.0.1:9/ui?token=")


@pytest.mark.parametrize(("query", "extra"), [
    ({"language": "fr", "brand": "daikin"}, {"language": "fr", "brand": "daikin"}),
    ({"language": "es"}, {"language": "es"}),
    ({"language": "de"}, {}),
    ({"language": "FR"}, {}),
    ({"brand": ""}, {}),
    ({"brand": "sma"}, {"brand": "sma"}),
])
def test_connect_passes_language_and_brand(partner: Partner, query: dict[str, str], extra: dict[str, str]) -> None:
    assert partner.signed_in().get("/connect/hp", params=query).status_code == 303
    expected = {"user_id": "usr_alice", "asset_type": "hp", "redirect_url": f"{partner.url}/callback", **extra}
    assert partner.stub.calls[0].json == expected


@pytest.mark.parametrize(("status", "body", "shown"), [
    (400, {"error": "validation_error", "message": "brand 'sma' is not valid for asset_type 'hp'"}, 400),
    (401, {"error": "unauthorized", "message": "bad key"}, 502),
    (500, {"error": "boom"}, 502),
    (201, {"link_token": "no link_url"}, 502),
    (201, {"link_url": "not a url"}, 502),
])
def test_connect_shows_nox_failures_as_a_page(partner: Partner, status: int, body: Any, shown: int) -> None:
    partner.stub.queue("/v2/supplier/link-sessions", status, body)
    response = partner.signed_in().get("/connect/hp", params={"brand": "sma"})
    assert response.status_code == shown
    alert = doc(response).one("connect-error")
    assert alert.get("role") == "alert" and alert.text.strip()
    assert partner.world.seed.secret("NOX_SUPPLIER_API_KEY") not in response.text
    if status == 400:
        assert "not valid for asset_type" in alert.text


def test_connect_refuses_an_oversized_brand_without_calling_nox(partner: Partner) -> None:
    response = partner.signed_in().get("/connect/hp", params={"brand": "b" * 500})
    assert response.status_code == 400 and doc(response).has("connect-error")
    assert partner.stub.calls == []


# ================================================================== callback


def test_callback_requires_sign_in_and_stores_nothing(partner: Partner) -> None:
    data = encode(payload())
    response = partner.client().get("/callback", params={"data": data})
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["location"]).query)["next"] == [f"/callback?data={data}"]
    assert not partner.state.devices and not partner.state.nox_user_ids


def test_callback_after_sign_in_continues_where_it_left_off(partner: Partner) -> None:
    client = partner.client()
    location = client.get("/callback", params={"data": encode(payload())}).headers["location"]
    next_path = parse_qs(urlsplit(location).query)["next"][0]
    response = client.post("/login", data={"email": ALICE, "password": partner.password(ALICE), "next": next_path})
    assert client.get(response.headers["location"]).status_code == 200
    assert shown_devices(client.get("/devices")) == [("daikin-hp-0001", "daikin")]


def test_callback_stores_and_shows_the_devices(partner: Partner) -> None:
    client = partner.signed_in()
    assert shown_devices(client.get("/devices")) == []
    response = client.get("/callback", params={"data": encode(payload(device_ids=["dev-1", "dev-2"], extra="ok"))})
    assert response.status_code == 200
    assert shown_devices(response) == [("dev-1", "daikin"), ("dev-2", "daikin")]
    assert shown_devices(client.get("/devices")) == [("dev-1", "daikin"), ("dev-2", "daikin")]
    assert doc(response).one("nox-user-id").text.strip() == "nox_abc123"
    assert shown_devices(partner.signed_in(BOB).get("/devices")) == [], "devices belong to the signed-in user only"


def test_relinking_a_brand_replaces_its_devices_and_keeps_other_brands(partner: Partner) -> None:
    client = partner.signed_in()
    client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0001"]))})
    client.get("/callback", params={"data": encode(payload(brand="sma", device_ids=["sma-pv-0001"]))})
    response = client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0002"]))})
    assert sorted(shown_devices(response)) == [("daikin-hp-0002", "daikin"), ("sma-pv-0001", "sma")]


def _callback_cases() -> list[Any]:
    good = encode(payload())
    return [
        pytest.param(None, "no 'data'", id="no-data"),
        pytest.param("", "empty", id="empty"),
        pytest.param(good + "==", "'='", id="padded"),
        pytest.param(base64.urlsafe_b64encode(json.dumps(payload(nox_user_id="nox_ab")).encode()).decode(), "'='",
                     id="padded-by-encoder"),
        pytest.param(base64.b64encode(b'{"nox_user_id":"n??","x":"\xff\xfe"}').decode().rstrip("="), "base64url",
                     id="standard-alphabet"),
        pytest.param("not base64!", "base64url", id="not-base64"),
        pytest.param("abcde", "base64url", id="impossible-length"),
        pytest.param(encode(b"\xff\xfe\xfd"), "UTF-8", id="not-utf8"),
        pytest.param(encode(b"not json"), "JSON", id="not-json"),
        pytest.param(encode(b"[" * 100000 + b"]" * 100000)[:6000], "JSON", id="deeply-nested"),
        pytest.param(encode([payload()]), "not an object", id="a-list"),
        pytest.param(encode("a string"), "not an object", id="a-string"),
        pytest.param(encode(payload(nox_user_id=DROP)), "nox_user_id", id="no-nox-user-id"),
        pytest.param(encode(payload(device_ids=DROP, connected_at=DROP)), "device_ids", id="two-missing"),
        pytest.param(encode(payload(nox_user_id=42)), "nox_user_id", id="nox-user-id-number"),
        pytest.param(encode(payload(nox_user_id="")), "nox_user_id", id="nox-user-id-empty"),
        pytest.param(encode(payload(supplier_user_id=None)), "supplier_user_id", id="supplier-user-null"),
        pytest.param(encode(payload(brand="Daikin")), "brand", id="brand-not-lowercase"),
        pytest.param(encode(payload(brand="")), "brand", id="brand-empty"),
        pytest.param(encode(payload(brand=["daikin"])), "brand", id="brand-list"),
        pytest.param(encode(payload(device_ids=[])), "device_ids", id="no-devices"),
        pytest.param(encode(payload(device_ids="daikin-hp-0001")), "device_ids", id="devices-a-string"),
        pytest.param(encode(payload(device_ids=["ok", 7])), "device_ids", id="device-id-number"),
        pytest.param(encode(payload(device_ids=[""])), "device_ids", id="device-id-empty"),
        pytest.param(encode(payload(connected_at="1703123456")), "connected_at", id="connected-at-string"),
        pytest.param(encode(payload(connected_at=1703123456.5)), "connected_at", id="connected-at-float"),
        pytest.param(encode(payload(connected_at=True)), "connected_at", id="connected-at-bool"),
        pytest.param(encode(payload(connected_at=None)), "connected_at", id="connected-at-null"),
        pytest.param("A" * (partner_app.MAX_DATA + 4), "too long", id="huge"),
        pytest.param("ZXlK\u00e9", "base64url", id="unicode"),
    ]


@pytest.mark.parametrize(("data", "named"), _callback_cases())
def test_callback_refuses_malformed_data_and_stores_nothing(partner: Partner, data: str | None, named: str) -> None:
    client = partner.signed_in()
    response = client.get("/callback", params={} if data is None else {"data": data})
    assert response.status_code == 400
    alert = doc(response).one("callback-error")
    assert alert.get("role") == "alert"
    assert named in alert.text, f"the message should name the problem ({named!r}): {alert.text!r}"
    assert shown_devices(client.get("/devices")) == []
    assert not partner.state.devices and not partner.state.nox_user_ids


def test_callback_refuses_two_data_parameters(partner: Partner) -> None:
    client = partner.signed_in()
    good = encode(payload())
    response = client.get(f"/callback?data={good}&data={good}")
    assert response.status_code == 400 and doc(response).has("callback-error")


@pytest.mark.parametrize("other", ["usr_bob", "", "USR_ALICE", "usr_alice "])
def test_callback_for_another_user_is_refused(partner: Partner, other: str) -> None:
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload(supplier_user_id=other))})
    assert response.status_code == 400
    assert "another account" in doc(response).one("callback-error").text
    assert shown_devices(client.get("/devices")) == []


def test_a_callback_replayed_in_another_session_is_refused(partner: Partner) -> None:
    url = "/callback?data=" + encode(payload())
    assert partner.signed_in().get(url).status_code == 200
    bob = partner.signed_in(BOB)
    assert bob.get(url).status_code == 400
    assert shown_devices(bob.get("/devices")) == []


def test_devices_page_requires_sign_in(partner: Partner) -> None:
    response = partner.client().get("/devices")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/devices"


# ================================================================== supplier OAuth page


@pytest.mark.parametrize(("language", "lang"), [("nl", "nl"), ("en", "en"), ("fr", "fr"), ("es", "es"),
                                                 (None, "nl"), ("de", "nl"), ("<x>", "nl")])
def test_oauth_page_offers_sign_in_and_terms_in_the_language(partner: Partner, language: str | None, lang: str) -> None:
    params = {"state": "st_123"} | ({"language": language} if language is not None else {})
    response = partner.client().get("/oauth/nox", params=params)
    assert response.status_code == 200
    page = doc(response)
    assert page.lang == lang
    form = page.one("supplier-oauth")
    assert form.tag == "form" and form.get("method").lower() == "post"
    assert page.labelled("Email").get("type") == "email"
    assert page.labelled("Password").get("type") == "password"
    assert page.one("accept-terms").get("type") == "checkbox"
    assert page.one("accept-terms").form is form and page.one("supplier-oauth-submit").form is form
    terms = page.one("terms-link")
    assert terms.tag == "a"
    terms_page = partner.client().get(terms.get("href"))
    assert terms_page.status_code == 200 and doc(terms_page).lang == lang
    assert not page.has("oauth-error")
    assert {c.get("name"): c.get("value") for c in form.controls if c.get("type") == "hidden"} == {
        "state": "st_123", "language": lang}


@pytest.mark.parametrize("params", [{}, {"state": ""}, {"language": "fr"}, {"state": "x" * 5000}, {"state": "a\x00b"}])
def test_oauth_page_without_a_state_is_refused(partner: Partner, params: dict[str, str]) -> None:
    response = partner.client().get("/oauth/nox", params=params)
    assert response.status_code == 400
    assert doc(response).one("oauth-error").get("role") == "alert"
    assert not doc(response).has("supplier-oauth")
    posted = partner.client().post("/oauth/nox", data={"email": ALICE, "password": partner.password(ALICE),
                                                       "accept_terms": "yes", **params})
    assert posted.status_code == 400 and doc(posted).has("oauth-error")
    assert partner.stub.calls == []


def oauth_form(partner: Partner, email: str = ALICE, password: str | None = None, terms: bool = True,
               state: str = "st_123", language: str = "en") -> dict[str, str]:
    form = {"state": state, "language": language, "email": email,
            "password": partner.password(email) if password is None else password}
    return form | ({"accept_terms": "yes"} if terms else {})


@pytest.mark.parametrize("form", [{"password": "wrong"}, {"email": "nobody@partner.test", "password": "x"}])
def test_oauth_wrong_credentials_are_refused(partner: Partner, form: dict[str, str]) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner) | form)
    assert response.status_code == 401
    page = doc(response)
    assert page.one("oauth-error").get("role") == "alert" and page.has("supplier-oauth")
    assert partner.stub.calls == []


@pytest.mark.parametrize("terms", [None, "", "no"])
def test_oauth_without_accepting_the_terms_is_refused_and_nox_is_not_told(partner: Partner, terms: str | None) -> None:
    form = oauth_form(partner, terms=False, language="fr") | ({"accept_terms": terms} if terms is not None else {})
    response = partner.client().post("/oauth/nox", data=form)
    assert response.status_code == 400
    page = doc(response)
    assert page.lang == "fr" and page.one("oauth-error").text.strip()
    assert page.one("supplier-oauth") and page.labelled("Email").get("value") == ALICE
    assert partner.stub.calls == []


def test_oauth_success_tells_nox_the_supplier_user_and_follows_its_redirect(partner: Partner) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, BOB, state="st_9"))
    (call,) = partner.stub.calls
    assert (call.method, call.path) == ("POST", "/post-login-redirect")
    assert call.headers["x-api-key"] == partner.world.seed.secret("NOX_SUPPLIER_API_KEY")
    assert call.json == {"state": "st_9", "supplier_user_id": "usr_bob"}
    assert response.status_code == 303
    assert response.headers["location"] == "http://127.0.0.1:9/ui/supplier-return?state=st_9"
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize(("state", "status"), [("unknown", 400), ("used", 400), ("expired", 410)])
def test_oauth_on_a_refused_state_asks_to_start_again(partner: Partner, state: str, status: int) -> None:
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, state=state))
    assert response.status_code == status
    alert = doc(response).one("oauth-error")
    assert "expired or is no longer valid" in alert.text and "manufacturer" in alert.text
    spanish = partner.client().post("/oauth/nox", data=oauth_form(partner, state=state, language="es"))
    assert doc(spanish).lang == "es" and "caducado" in doc(spanish).one("oauth-error").text


@pytest.mark.parametrize(("status", "body"), [
    (401, {"error": "unauthorized"}), (500, {"error": "boom"}), (200, {"no": "redirect"}),
    (200, {"redirect_url": "javascript:alert(1)"}), (400, None),
])
def test_oauth_other_nox_failures_show_a_friendly_page(partner: Partner, status: int, body: Any) -> None:
    if body is None:
        partner.stub.queue("/post-login-redirect", status, raw=b"<html>oops</html>")
    else:
        partner.stub.queue("/post-login-redirect", status, body)
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code in ((400,) if status == 400 else (502,))
    assert doc(response).one("oauth-error").get("role") == "alert"


def test_oauth_waits_out_a_rate_limit(partner: Partner) -> None:
    partner.stub.queue("/post-login-redirect", 429, {"error": "rate_limited"}, headers={"retry-after": "0"})
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code == 303 and len(partner.stub.calls) == 2


# ================================================================== never a 5xx


@pytest.mark.parametrize(("method", "path", "body"), [
    ("PUT", "/login", None), ("DELETE", "/", None), ("POST", "/portal", None), ("POST", "/callback", None),
    ("PATCH", "/oauth/nox", None), ("GET", "/nowhere", None), ("GET", "/connect/", None),
    ("POST", "/login", b"\xff\xfe\x00garbage"), ("POST", "/login", b'{"email": "alice@partner.test"}'),
    ("POST", "/login", b"email=%ZZ&password=%00%01"), ("POST", "/login", b"a=" + b"x" * 200000),
    ("POST", "/login", b"&".join(b"k%d=v" % i for i in range(500))),
    ("POST", "/oauth/nox", b"\xff\xfe"), ("POST", "/oauth/nox", b"state=s&language=%E9"),
    ("GET", "/login?next=%ZZ%00", None), ("GET", "/oauth/nox?state=%E9%00&language=%FF", None),
    ("GET", "/callback?data=%ZZ", None), ("GET", "/portal?next=" + "/a" * 5000, None),
    ("GET", "/terms?language[]=x", None), ("GET", "/connect/hp?language=%00&brand=%E9", None),
])
def test_no_input_gets_a_server_error(partner: Partner, method: str, path: str, body: bytes | None) -> None:
    for client in (partner.client(), partner.signed_in()):
        response = client.request(method, path, content=body,
                                  headers={"content-type": "application/x-www-form-urlencoded"} if body else {})
        assert response.status_code < 500, (method, path, response.status_code)


# ================================================================== faults (isolated)


def test_fault_portal_without_signin(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-portal-without-signin")
    partner.signed_in(BOB)  # someone signed in earlier, in another browser
    response = partner.client().get("/portal")
    assert response.status_code == 303 and response.headers["location"] == partner.stub.links[0]
    assert partner.stub.to("/admin/magic_link")[0].json == {"customerId": "cus_bob"}


def test_fault_reuses_link(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-reuses-link")
    client = partner.signed_in()
    assert client.get("/portal").headers["location"] == client.get("/portal").headers["location"]


def test_fault_leaks_nomos_token(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-leaks-nomos-token")
    response = partner.signed_in().get("/portal")
    assert partner.stub.issued[0] in response.headers["set-cookie"]


def test_fault_leaks_token_in_page(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-leaks-token-in-page")
    home = partner.signed_in().get("/")
    assert partner.stub.issued[0] in home.text and JWT.search(home.text)


def test_fault_mints_with_wrong_customer(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-mints-with-wrong-customer")
    partner.signed_in().get("/portal")
    assert partner.stub.to("/admin/magic_link")[0].json == {"customerId": "cus_bob"}


def test_fault_keeps_expired_token(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-keeps-expired-token")
    client = partner.signed_in()
    assert client.get("/portal").status_code == 303
    partner.world.clock.advance(3700)
    partner.stub.valid_tokens.clear()  # Nomos no longer accepts the expired token
    assert client.get("/portal").status_code == 502
    assert len(partner.stub.to("/oauth/token")) == 1


def test_fault_callback_accepts_foreign_user(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-accepts-foreign-user")
    response = partner.signed_in().get("/callback", params={"data": encode(payload(supplier_user_id="usr_bob"))})
    assert response.status_code == 200 and shown_devices(response) == [("daikin-hp-0001", "daikin")]


def test_fault_callback_accepts_padded_data(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-accepts-padded-data")
    data = base64.urlsafe_b64encode(json.dumps(payload(nox_user_id="nox_ab")).encode()).decode()
    assert data.endswith("=")
    assert partner.signed_in().get("/callback", params={"data": data}).status_code == 200


def test_fault_callback_500_on_malformed(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-500-on-malformed")
    assert partner.signed_in().get("/callback", params={"data": "not base64!"}).status_code == 500


def test_fault_callback_stores_before_validating(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-stores-before-validating")
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload(supplier_user_id="usr_bob"))})
    assert response.status_code == 400
    assert shown_devices(client.get("/devices")) == [("daikin-hp-0001", "daikin")]


def test_fault_callback_drops_devices(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-drops-devices")
    client = partner.signed_in()
    response = client.get("/callback", params={"data": encode(payload())})
    assert response.status_code == 200 and shown_devices(response) == []


def test_fault_callback_keeps_old_devices(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-callback-keeps-old-devices")
    client = partner.signed_in()
    client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0001"]))})
    response = client.get("/callback", params={"data": encode(payload(device_ids=["daikin-hp-0002"]))})
    assert [d for d, _ in shown_devices(response)] == ["daikin-hp-0001", "daikin-hp-0002"]


def test_fault_connect_wrong_asset_type(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-connect-wrong-asset-type")
    partner.signed_in().get("/connect/hp")
    assert partner.stub.calls[0].json["asset_type"] == "pv"


def test_fault_oauth_ignores_terms(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-ignores-terms")
    response = partner.client().post("/oauth/nox", data=oauth_form(partner, terms=False))
    assert response.status_code == 303 and len(partner.stub.calls) == 1


def test_fault_oauth_hides_terms(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-hides-terms")
    assert not doc(partner.client().get("/oauth/nox", params={"state": "s"})).has("terms-link")


def test_fault_skips_post_login_redirect(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-skips-post-login-redirect")
    response = partner.client().post("/oauth/nox", data=oauth_form(partner))
    assert response.status_code == 303 and partner.stub.calls == []
    assert response.headers["location"].startswith(f"{partner.stub.url}/ui/supplier-return?state=")


def test_fault_oauth_500_on_refused_state(make_partner: Callable[..., Partner]) -> None:
    partner = make_partner("partner-oauth-500-on-refused-state")
    assert partner.client().post("/oauth/nox", data=oauth_form(partner, state="expired")).status_code == 500


def test_every_fault_has_a_test() -> None:
    tested = {name.removeprefix("test_fault_").replace("_", "-") for name in globals() if name.startswith("test_fault_")}
    declared = {name.removeprefix("partner-") for name, module in declared_in().items()
                if module.startswith("sandbox.parties.partner_app")}
    assert declared <= tested, f"faults without a test: {sorted(declared - tested)}"


# ================================================================== end to end (full sandbox)


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


@pytest.fixture
def visitor(sbx: Sandbox) -> Iterator[Callable[..., Browser]]:
    """Opens a fresh browser-like client on ``sbx`` (or on the sandbox given)."""
    opened: list[Browser] = []

    def _open(target: Sandbox | None = None) -> Browser:
        opened.append(Browser(target or sbx))
        return opened[-1]

    yield _open
    for b in opened:
        b.close()


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


def test_e2e_alice_opens_her_energy_account(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    hub = b.get(f"{sbx.urls.partner_app}/portal")
    assert str(hub.url).startswith(sbx.urls.nomos_portal)
    assert doc(hub).one("portal-customer-name").text.strip() == "Alice Janssen"
    assert doc(hub).has("portal-hub")


def test_e2e_every_click_mints_a_fresh_link(sbx: Sandbox, http: httpx.Client) -> None:
    user = sbx.world.seed.partner_user(ALICE)
    assert user is not None
    http.post(f"{sbx.urls.partner_app}/login", data={"email": ALICE, "password": sbx.world.seed.secret(user.password_env)})
    links = [http.get(f"{sbx.urls.partner_app}/portal").headers["location"] for _ in range(2)]
    assert links[0] != links[1]
    for link in links:
        assert link.startswith(sbx.urls.nomos_portal)
        query = parse_qs(urlsplit(link).query)
        assert query["type"] == ["magiclink"] and query["token_hash"] and query["next"] == ["/overview"]


def test_e2e_deep_link_lands_on_the_invoice(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    response = b.get(f"{sbx.urls.partner_app}/portal", params={"next": "/invoices/inv_abc"})
    assert doc(response).one("invoice-id").text.strip() == "inv_abc"


def test_e2e_bob_lands_on_the_hosted_checkout(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in(BOB)
    response = b.get(f"{sbx.urls.partner_app}/portal")
    assert str(response.url).startswith(sbx.urls.nomos_portal) and doc(response).has("checkout")


def test_e2e_signed_out_portal_visit_ends_on_sign_in(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    response = b.get(f"{sbx.urls.partner_app}/portal")
    assert doc(response).has("partner-login")
    assert not [r for r in b.seen if str(r.url).startswith(sbx.urls.nomos_portal)]


def test_e2e_the_access_token_never_reaches_the_browser(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    b.get(f"{sbx.urls.partner_app}/portal")
    b.get(f"{sbx.urls.partner_app}/portal", params={"next": "/invoices/inv_abc"})
    token = sbx.world.state["partner_app"].token  # type: ignore[attr-defined]
    assert token
    for response in b.seen:
        visible = response.text + str(response.headers) + str(response.url) + str(response.request.headers)
        assert token not in visible and not JWT.search(visible), str(response.url)
        assert "access_token" not in visible and "Bearer" not in visible
    assert all(token not in value for value in b.client.cookies.values())


def test_e2e_the_token_is_renewed_as_the_clock_moves(faulty_sandbox: Callable[..., Sandbox],
                                                     visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    assert doc(b.get(f"{fresh.urls.partner_app}/portal")).has("portal-hub")
    fresh.world.clock.advance(3 * 3600)
    b2 = visitor(fresh)
    b2.sign_in()
    assert doc(b2.get(f"{fresh.urls.partner_app}/portal")).has("portal-hub")


def test_e2e_supplier_link_through_the_brand_picker(faulty_sandbox: Callable[..., Sandbox],
                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    picker = b.get(f"{fresh.urls.partner_app}/connect/hp", params={"language": "en"})
    page = doc(picker)
    assert page.has("brand-picker") and page.lang == "en"
    assert page.has("brand-option-daikin") and not page.has("brand-option-sma")
    response = brand_sign_in(b, activate(b.client, picker, page.one("brand-option-daikin")), "daikin-owner-1")
    assert str(response.url).startswith(f"{fresh.urls.partner_app}/callback?data=")
    assert shown_devices(response) == [("daikin-hp-0001", "daikin")]
    assert shown_devices(b.get(f"{fresh.urls.partner_app}/devices")) == [("daikin-hp-0001", "daikin")]


def test_e2e_supplier_link_with_a_preselected_brand_and_relink(faulty_sandbox: Callable[..., Sandbox],
                                                               visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in(BOB)
    first = b.get(f"{fresh.urls.partner_app}/connect/pv", params={"brand": "sma", "language": "fr"})
    assert doc(first).lang == "fr" and doc(first).one("brand-login").get("data-brand") == "sma"
    assert shown_devices(brand_sign_in(b, first, "sma-owner-1")) == [("sma-pv-0001", "sma")]
    again = link_device(b, "pv", "sma", "sma-owner-2", {"brand": "sma"})
    assert shown_devices(again) == [("sma-pv-0002", "sma")]


def test_e2e_a_brand_not_of_the_asset_type_is_refused(sbx: Sandbox, visitor: Callable[..., Browser]) -> None:
    b = visitor()
    b.sign_in()
    b.client.follow_redirects = False
    response = b.get(f"{sbx.urls.partner_app}/connect/hp", params={"brand": "sma"})
    assert response.status_code == 400 and doc(response).one("connect-error").get("role") == "alert"


def test_e2e_a_real_callback_replayed_to_another_user_is_refused(faulty_sandbox: Callable[..., Sandbox],
                                                                 visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    alice = visitor(fresh)
    alice.sign_in()
    done = link_device(alice, "hp", "daikin", "daikin-owner-1", {})
    callback = next(str(r.url) for r in alice.seen if str(r.url).startswith(f"{fresh.urls.partner_app}/callback"))
    assert shown_devices(done) == [("daikin-hp-0001", "daikin")]
    bob = visitor(fresh)
    bob.sign_in(BOB)
    refused = bob.get(callback)
    assert refused.status_code == 400 and doc(refused).has("callback-error")
    assert shown_devices(bob.get(f"{fresh.urls.partner_app}/devices")) == []


def test_e2e_an_expired_link_session_stores_nothing(faulty_sandbox: Callable[..., Sandbox],
                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    b.sign_in()
    login = b.get(f"{fresh.urls.partner_app}/connect/hp", params={"brand": "daikin"})
    fresh.world.clock.advance(601)
    response = brand_sign_in(b, login, "daikin-owner-1")
    assert not [r for r in b.seen if str(r.url).startswith(f"{fresh.urls.partner_app}/callback")]
    assert doc(response).one("session-error").get("data-reason") == "expired"
    assert shown_devices(b.get(f"{fresh.urls.partner_app}/devices")) == []


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


def test_e2e_manufacturer_flow_links_the_supplier(faulty_sandbox: Callable[..., Sandbox],
                                                  visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    oauth = manufacturer_state(b, "fr")
    assert doc(oauth).lang == "fr" and doc(oauth).has("terms-link")
    refused = sign_in_at_supplier(b, oauth, terms=False)
    assert refused.status_code == 400 and doc(refused).has("oauth-error")
    done = sign_in_at_supplier(b, refused)  # the same state still works: NOX was not told
    assert str(done.url).startswith(f"{fresh.urls.manufacturer_app}/linked")
    assert doc(done).one("manufacturer-result").get("data-status") == "success"
    replay = sign_in_at_supplier(b, refused)
    assert replay.status_code in (400, 410) and doc(replay).has("oauth-error")


def test_e2e_manufacturer_flow_after_15_minutes_asks_to_start_again(faulty_sandbox: Callable[..., Sandbox],
                                                                    visitor: Callable[..., Browser]) -> None:
    fresh = faulty_sandbox()
    b = visitor(fresh)
    oauth = manufacturer_state(b, "nl")
    fresh.world.clock.advance(15 * 60 + 1)
    response = sign_in_at_supplier(b, oauth)
    assert response.status_code in (400, 410)
    assert doc(response).lang == "nl" and doc(response).one("oauth-error").get("role") == "alert"
    assert not [r for r in b.seen if str(r.url).startswith(fresh.urls.manufacturer_app)]


def test_e2e_fault_wrong_customer_opens_another_account(faulty_sandbox: Callable[..., Sandbox],
                                                        visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-mints-with-wrong-customer")
    b = visitor(faulty)
    b.sign_in()
    response = b.get(f"{faulty.urls.partner_app}/portal")
    page = doc(response)
    assert not (page.has("portal-customer-name") and page.one("portal-customer-name").text.strip() == "Alice Janssen")


def test_e2e_fault_skipped_post_login_redirect_fails_the_link(faulty_sandbox: Callable[..., Sandbox],
                                                              visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-skips-post-login-redirect")
    b = visitor(faulty)
    done = sign_in_at_supplier(b, manufacturer_state(b))
    results = doc(done).all("manufacturer-result")
    assert not results or results[0].get("data-status") != "success"


def test_e2e_fault_wrong_asset_type_offers_other_brands(faulty_sandbox: Callable[..., Sandbox],
                                                        visitor: Callable[..., Browser]) -> None:
    faulty = faulty_sandbox("partner-connect-wrong-asset-type")
    b = visitor(faulty)
    b.sign_in()
    page = doc(b.get(f"{faulty.urls.partner_app}/connect/hp"))
    assert page.has("brand-option-sma") and not page.has("brand-option-daikin")


def test_e2e_rate_limited_vendors_are_waited_out() -> None:
    with sandbox.start(rate_limit_every=3) as busy, httpx.Client(timeout=15, follow_redirects=False) as client:
        user = busy.world.seed.partner_user(ALICE)
        assert user is not None
        client.post(f"{busy.urls.partner_app}/login",
                    data={"email": ALICE, "password": busy.world.seed.secret(user.password_env)})
        answers = [client.get(f"{busy.urls.partner_app}/portal").status_code for _ in range(2)]
        assert answers == [303, 303]
        assert busy.rate_limits["nomos_api"].refused >= 1
