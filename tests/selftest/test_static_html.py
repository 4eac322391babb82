"""Issue 20: where the suite reads a page without a browser, it reads it as a browser would.

``suite/static_html.py`` reads the partner's sign-in form for the sign-in over HTTP
and the answer to a form sent straight to its server. Each markup a conforming page may
choose (interfaces.md fixes test ids and labels, not elements, quoting or label style)
must read the same; content a script puts in after load must read as not there yet; and
``sandbox/markup.py`` must really write the other reading's markup.
"""

from __future__ import annotations

import httpx
import pytest

from sandbox.markup import MARKER, rewrite
from steps.cast import FormSignIn
from suite.static_html import StaticPage

FOR_LABELS = """<!doctype html><html><body><main>
<form data-testid="partner-login" method="post" action="/login">
<input type="hidden" name="csrf" value="c1">
<label for="e">Email</label><input type="email" id="e" name="email">
<label for="p">Password</label><input type="password" id="p" name="password">
<button type="submit" data-testid="partner-login-submit">Sign in</button>
</form></main></body></html>"""

WRAPPED_SINGLE_QUOTED = """<!doctype html><html><body><a href='#c'>Skip</a><div class='cookies'><button>OK</button></div>
<main id='c'><section data-testid='partner-login'><form method='POST' action='/account/sign-in'>
<input type=hidden name=csrf value=c1>
<label>Email address <input type='email' name='user[email]'></label>
<label><span>Password</span><input type='password' name='user[password]'></label>
<input type='checkbox' name='remember' value='yes' checked>
<input type='checkbox' name='newsletter' value='yes'>
<input type='text' name='disabled' value='x' disabled>
<button name='commit' value='go'>Sign in</button><button name='other' value='no'>Other</button>
</form></section></main></body></html>"""

ARIA = """<html><body><span id="l1">Email</span>
<form data-testid="partner-login" method="post"><div data-testid="inner">
<input aria-labelledby="l1" name="a"><input aria-label="Password" name="b" type="password">
</div></form></body></html>"""

BUILT_LATER = """<html><body><main><template id='t'><form data-testid='partner-login' method='post'>
<label>Email <input name='email'></label></form><p data-testid='oauth-error' role='alert'>No</p></template>
<script>addEventListener('load', () => document.getElementById('t').replaceWith(document.getElementById('t').content))</script>
</main></body></html>"""


def test_labels_tied_by_for_are_read() -> None:
    form = StaticPage(FOR_LABELS).form("partner-login")
    assert form is not None
    assert (form.action, form.method, form.named("Email"), form.named("Password")) == ("/login", "post", "email", "password")
    assert ("csrf", "c1") in form.fields


def test_wrapping_labels_single_quotes_and_a_region_around_the_form_read_the_same() -> None:
    form = StaticPage(WRAPPED_SINGLE_QUOTED).form("partner-login")
    assert form is not None
    assert (form.action, form.method) == ("/account/sign-in", "post")
    assert (form.named("Email"), form.named("Password")) == ("user[email]", "user[password]")


def test_fields_are_what_the_browser_would_submit() -> None:
    form = StaticPage(WRAPPED_SINGLE_QUOTED).form("partner-login")
    assert form is not None
    names = dict(form.fields)
    assert names["csrf"] == "c1" and names["remember"] == "yes" and names["commit"] == "go"
    assert "newsletter" not in names and "disabled" not in names and "other" not in names


def test_aria_labels_and_a_test_id_inside_the_form() -> None:
    page = StaticPage(ARIA)
    assert page.form("inner") is not None, "a test id inside a form names that form"
    form = page.form("partner-login")
    assert form is not None and (form.named("Email"), form.named("Password")) == ("a", "b")


def test_an_exact_label_wins_over_one_containing_the_words() -> None:
    html = """<form data-testid="f"><label>Confirm Password <input name="again"></label>
    <label>Password <input name="pw"></label></form>"""
    form = StaticPage(html).form("f")
    assert form is not None and form.named("Password") == "pw"


def test_content_a_script_puts_in_after_load_is_not_there_yet() -> None:
    page = StaticPage(BUILT_LATER)
    assert page.form("partner-login") is None
    assert not page.shows("oauth-error")
    assert StaticPage(FOR_LABELS).shows("partner-login-submit")


@pytest.mark.parametrize("quote", ['"', "'", ""])
def test_a_test_id_is_found_however_its_attribute_is_quoted(quote: str) -> None:
    assert StaticPage(f"<p data-testid={quote}oauth-error{quote} role=alert>No</p>").shows("oauth-error")
    assert not StaticPage(f"<p data-testid={quote}oauth-errors{quote}>No</p>").shows("oauth-error")


# ---------------------------------------------------------- the other reading's markup

PARTNER_PAGE = """<!doctype html>
<html lang="en">
<head>
<title>t</title>
</head>
<body>
<main>
<form data-testid="supplier-oauth" method="post" action="/oauth/nox">
<label for="email">Email</label>
<input type="email" id="email" name="email" required>
<p><input type="checkbox" id="t" name="accept_terms" data-testid="accept-terms"> <label for="t">I accept</label></p>
</form>
</main>
</body>
</html>"""


def test_the_other_markup_moves_region_ids_wraps_labels_and_single_quotes() -> None:
    html = rewrite(PARTNER_PAGE, "partner_app", "/terms")
    page = StaticPage(html)
    region = page.with_test_id("supplier-oauth")
    assert [e.tag for e in region] == ["section"], "the region's test id moves to a section around the form"
    form = page.form("supplier-oauth")
    assert form is not None and form.named("Email") == "email" and form.named("I accept") == "accept_terms"
    assert 'for="' not in html and "for='" not in html, "labels wrap their inputs"
    assert 'data-testid="' not in html and "data-testid='supplier-oauth'" in html
    assert "Skip to content" in html and "cookie-notice" in html and MARKER in html


def test_the_other_markup_builds_chosen_pages_by_script_and_only_once() -> None:
    built = rewrite(PARTNER_PAGE, "partner_app", "/oauth/nox")
    assert not StaticPage(built).shows("supplier-oauth") and "<template" in built and "<script>" in built
    assert rewrite(built, "nox", "/ui/brands/x") == built, "a page already rewritten (served again by NOX) stays as it is"
    assert rewrite(PARTNER_PAGE, "partner_app", "/terms").count("<template") == 0


def test_the_partner_sign_in_stays_a_form_and_posts_elsewhere() -> None:
    login = PARTNER_PAGE.replace("supplier-oauth", "partner-login").replace('action="/oauth/nox"', 'action="/login"')
    html = rewrite(login, "partner_app", "/login")
    page = StaticPage(html)
    assert [e.tag for e in page.with_test_id("partner-login")] == ["form"], "interfaces.md: partner-login is the form"
    form = page.form("partner-login")
    assert form is not None and form.action == "/account/sign-in"


def test_the_sign_in_over_http_leaves_a_form_built_by_script_to_the_browser() -> None:
    """Nothing but the page is fetched, and the caller is told to sign in in the browser."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, html=BUILT_LATER)

    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://partner.test") as http:
        assert FormSignIn(None, http).into(None, None) is False  # type: ignore[arg-type]
    assert sent == ["GET /login"]
