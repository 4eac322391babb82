"""The other reading's markup: every party's pages in other HTML a conforming deployment
may serve (sandbox/README.md, "Two readings", markup rows).

``interfaces.md`` fixes test ids, the labels "Email" and "Password", ``<html lang>`` and a
few attributes; it leaves open which element carries a test id, how a label is tied to
its input, how attributes are quoted, what else a page shows, where a form posts and
whether a page's content is in its first HTML or put there by a script after load. In
the other reading (``world.other``) each party is wrapped in :class:`OtherMarkup`, which
rewrites its HTML answers the other way on each of those points:

- a region's test id (``supplier-oauth``, ``brand-login`` with its ``data-brand``) sits on
  a section around the form instead of on the form (``partner-login`` stays a form: the
  interface says so), and a name's test id on the heading around it ("Welcome, Alice");
- labels wrap their inputs instead of naming them with ``for=``;
- attributes are single-quoted, and ``<html lang>`` has a region (``nl-NL``);
- every page starts with a skip link and a cookie notice no scenario expects;
- the partner's sign-in form posts to another path (``/account/sign-in``);
- at least one page of each party is built by a script shortly after load: NOX's
  Authenticator pages, the portal hub's quick links, the partner's callback and OAuth
  pages, the brands' sign-in pages, the manufacturer app's result page.

The rewrite works on the sandbox's own HTML (it knows how the parties write it); a page
already rewritten (a brand page NOX fetched and serves at its own link) is left as it is.
The default reading never passes through here.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MARKER = "<meta name='sandbox-markup' content='other'>"
# Paths whose page a script builds after load, per party (prefixes).
BUILT_LATER: dict[str, tuple[str, ...]] = {
    "partner_app": ("/callback", "/oauth/nox"),
    "nox": ("/ui",),
    "brands": ("/",),
    "manufacturer_app": ("/linked",),
}
# Another path for a form to post to, served as the original: (party, alias, original).
ALIASES = (("partner_app", "/account/sign-in", "/login"),)
CONTAINED_TEST_IDS = ("supplier-oauth", "brand-login")
# Test ids of a value (a name) that sit on the heading around it, words and all.
HEADING_TEST_IDS = ("partner-user-name", "portal-customer-name")
# ``<html lang>`` with a region subtag (BCP 47): still the same language.
REGIONS = {"nl": "nl-NL", "en": "en-GB", "fr": "fr-FR", "es": "es-ES"}
DELAY_MS = 60

SKIP_AND_COOKIES = (
    "<a class='skip' href='#content'>Skip to content</a>\n"
    "<div class='cookie-notice' aria-label='Cookies'><p>We use cookies to keep you signed in.</p>"
    "<button type='button' onclick='this.parentNode.hidden=true'>OK</button></div>\n"
)
LATER_SCRIPT = (
    "<script>addEventListener('load', () => setTimeout(() => {{"
    " const t = document.getElementById('{id}'); t.replaceWith(t.content); }}, {delay}));</script>"
)

_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_DOUBLE_QUOTED = re.compile(r'(\s[\w:.-]+)="([^"\']*)"')
_LABEL_BEFORE = re.compile(
    r'<label\s+for="(?P<id>[^"]+)"(?P<attrs>[^>]*)>(?P<text>.*?)</label>\s*(?P<input><input\b[^>]*\bid="(?P=id)"[^>]*>)', re.S
)
_LABEL_AFTER = re.compile(
    r'(?P<input><input\b[^>]*\bid="(?P<id>[^"]+)"[^>]*>)\s*<label\s+for="(?P=id)"(?P<attrs>[^>]*)>(?P<text>.*?)</label>', re.S
)
_MAIN = re.compile(r"<main>(?P<inner>.*)</main>", re.S)
_QUICK_LINKS = re.compile(r'<ul class="options">(?P<inner>.*?)</ul>', re.S)


def _contain_region(html: str, test_id: str) -> str:
    """Move ``data-testid`` (and ``data-brand``) from the form to a section around it."""
    form = re.search(rf'<form\b(?P<attrs>[^>]*?)\sdata-testid="{test_id}"(?P<rest>[^>]*)>', html)
    if not form:
        return html
    end = html.find("</form>", form.end())
    if end < 0:
        return html
    attrs = form["attrs"] + form["rest"]
    brand = re.search(r'\sdata-brand="[^"]*"', attrs)
    kept = attrs.replace(brand.group(0), "") if brand else attrs
    section = f'<section class="region" data-testid="{test_id}"{brand.group(0) if brand else ""}>'
    return (html[: form.start()] + section + f"<div class='form-wrap'><form{kept}>" + html[form.end(): end]
            + "</form></div></section>" + html[end + len("</form>"):])


def _wrap_labels(html: str) -> str:
    html = _LABEL_BEFORE.sub(lambda m: f"<label{m['attrs']}>{m['text']} {_drop_id(m['input'])}</label>", html)
    return _LABEL_AFTER.sub(lambda m: f"<label{m['attrs']}>{_drop_id(m['input'])} {m['text']}</label>", html)


def _drop_id(tag: str) -> str:
    return re.sub(r'\sid="[^"]*"', "", tag)


def _later(inner: str, element_id: str) -> str:
    """``inner`` put into the page by a script shortly after load (a ``<template>`` until then)."""
    return f"<template id='{element_id}'>{inner}</template>" + LATER_SCRIPT.format(id=element_id, delay=DELAY_MS)


def _single_quotes(html: str) -> str:
    """Single-quote every attribute whose value has no quote (tags only; scripts untouched)."""
    return _TAG.sub(lambda m: _DOUBLE_QUOTED.sub(r"\1='\2'", m.group(0)), html)


def rewrite(html: str, party: str, path: str) -> str:
    """The same page in the other reading's markup."""
    if MARKER in html or "<main>" not in html:
        return html
    for test_id in CONTAINED_TEST_IDS:
        html = _contain_region(html, test_id)
    for test_id in HEADING_TEST_IDS:
        html = re.sub(rf'<h1>(?P<words>[^<]*)<span data-testid="{test_id}">(?P<value>[^<]*)</span>',
                      rf'<h1 data-testid="{test_id}">\g<words><span>\g<value></span>', html, count=1)
    html = _wrap_labels(html)
    for alias_party, alias, original in ALIASES:
        if alias_party == party:
            html = html.replace(f'action="{original}"', f'action="{alias}"')
    if party == "nomos_portal":
        html = _QUICK_LINKS.sub(lambda m: '<ul class="options" id="quick-links">' + _later(m["inner"], "quick-later")
                                + "</ul>", html, count=1)
    elif path.startswith(BUILT_LATER.get(party, ("\0",))):
        html = _MAIN.sub(lambda m: "<main id='content'>" + _later(m["inner"], "page-later") + "</main>", html, count=1)
    html = html.replace("<main>", "<main id='content'>", 1)
    html = re.sub(r'<html lang="(\w+)">', lambda m: f'<html lang="{REGIONS.get(m[1], m[1])}">', html, count=1)
    html = html.replace("<head>", "<head>\n" + MARKER, 1).replace("<body>", "<body>\n" + SKIP_AND_COOKIES, 1)
    return _single_quotes(html)


class OtherMarkup:
    """ASGI middleware: a party's HTML answers in the other reading's markup, and the
    paths its forms post to in that markup served as the originals."""

    def __init__(self, app: ASGIApp, party: str) -> None:
        self.app, self.party = app, party
        self.aliases = {alias: original for p, alias, original in ALIASES if p == party}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path in self.aliases:
            scope = {**scope, "path": self.aliases[path], "raw_path": self.aliases[path].encode()}
        start: Message | None = None
        body = b""

        async def capture(message: Message) -> None:
            nonlocal start, body
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            body += message.get("body", b"")
            if message.get("more_body"):
                return
            headers = list(start.get("headers", []))
            kind = next((v for k, v in headers if k.lower() == b"content-type"), b"")
            if body and kind.startswith(b"text/html"):  # (a HEAD answer has no body: its length stays)
                body = rewrite(body.decode("utf-8"), self.party, path).encode("utf-8")
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
