"""What every page of the Authenticator UI shares: its language, the refusal page of a
link session, and opening a session from the query.

The UI speaks the session's language; without a session, ``?language=`` (``nl`` when
absent or unknown). Refusals show ``session-error`` with ``data-reason`` ``invalid``
(404), ``expired`` (410) or ``completed`` (409); completed is checked before expired.
The other reading (``world.other``): every refusal is 400, the ``session-error`` alert
is a section holding the heading, the sentence and the reason in words; a session is
named in the path (``/ui/session/{token}``) as well as in the query.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from sandbox.faults import Fault
from sandbox.parties.nox.state import PARTY, LinkSession, Nox
from sandbox.parties.nox.texts import ERROR_STATUS, texts
from sandbox.seed import LANGUAGES
from sandbox.web import esc, page

FAULTS: list[Fault] = [
    Fault("nox-ui-ignores-language", ("SUP-08",),
          "the Authenticator UI is always in English, whatever language the session asked for"),
    Fault("nox-session-never-expires", ("SUP-12",),
          "a link session completes (with a callback) long after its 10 minutes"),
    Fault("nox-link-session-grace", ("SEC-04",),
          "a link session still completes for a minute after its expires_at"),
    Fault("nox-link-session-ends-early", ("SEC-04",),
          "a link session is refused as expired a minute before its expires_at"),
    Fault("nox-completed-session-reusable", ("SUP-12",),
          "a completed link session can be opened and completed again, sending a second callback"),
    Fault("nox-refusals-in-dutch", ("SEC-18",),
          "NOX's refused-link pages (expired, completed, invalid) are in Dutch whatever language the link asked for"),
]


def ui_language(n: Nox, session: LinkSession | None, request: Request) -> str:
    if n.world.faulty("nox-ui-ignores-language"):
        return "en"
    if session is not None:
        return session.language
    asked = request.query_params.get("language")
    return asked if asked in LANGUAGES else "nl"


def session_error(reason: str, lang: str, other: bool = False) -> HTMLResponse:
    text = texts(lang)
    if other:
        body = f"""<section role="alert" data-testid="session-error" data-reason="{esc(reason)}">
<h2>{esc(text["error_heading"])}</h2>
<p>{esc(text[reason])}</p>
<p><small>{esc(reason)}</small></p>
</section>"""
        return page("NOX Energy", body, lang=lang, status_code=400, party=PARTY)
    body = f"""<h1>{esc(text["error_heading"])}</h1>
<p role="alert" data-testid="session-error" data-reason="{esc(reason)}">{esc(text[reason])}</p>"""
    return page(text["error_heading"], body, lang=lang, status_code=ERROR_STATUS[reason], party=PARTY)


def refusal(n: Nox, session: LinkSession) -> str | None:
    """Why the session can no longer be used (``completed``, ``expired``), or None."""
    if session.completed_at is not None and not n.world.faulty("nox-completed-session-reusable"):
        return "completed"
    expires_at = session.expires_at + (60 if n.world.faulty("nox-link-session-grace") else 0) - (
        60 if n.world.faulty("nox-link-session-ends-early") else 0)
    if n.world.clock.now() > expires_at and not n.world.faulty("nox-session-never-expires"):
        return "expired"
    return None


def open_session(n: Nox, request: Request, param: str, kind: str | None = None
                 ) -> tuple[LinkSession | None, str, HTMLResponse | None]:
    """``(session, language, None)`` for a usable session of ``kind`` (any kind when
    None) named by the query parameter ``param``, else ``(None, language, refusal page)``."""
    session = n.state.sessions.get(request.path_params.get(param) or request.query_params.get(param, ""))
    lang = ui_language(n, session, request)
    refused_in = "nl" if n.world.faulty("nox-refusals-in-dutch") else lang
    if session is None or (kind is not None and session.kind != kind):
        return None, lang, session_error("invalid", refused_in, n.world.other)
    reason = refusal(n, session)
    if reason:
        return None, lang, session_error(reason, refused_in, n.world.other)
    return session, lang, None


def page_error(n: Nox, request: Request, status: int) -> HTMLResponse:
    """An unknown page or wrong method under ``/ui``, in the visitor's language."""
    lang = ui_language(n, None, request)
    text = texts(lang)
    message = text["method"] if status == 405 else text["not_found"]
    body = f'<h1>NOX Energy</h1>\n<p role="alert" data-testid="page-error">{esc(message)}</p>'
    return page("NOX Energy", body, lang=lang, status_code=status, party=PARTY)
