"""Plain words outside the engineers' section: the maintained list of terms a product
owner may not know, each explained in the glossary, and linked to its entry where the
document first uses it. The glossary shows only the words this document uses.

Scenario names, steps and flow diagrams come from the feature files, which speak the
product's language but must name some things precisely (HttpOnly, a callback); those
terms stay and are explained. Words the document's own code would say (a vendor's
field name in a known exception's reason) are replaced where they are said.

:func:`unexplained` is what the selftest asks: which listed terms a rendered document
uses outside the engineers' section without a glossary entry.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from html import unescape

from suite.living_doc.words import GLOSSARY, esc

PIECE = re.compile(r"<(?P<close>/?)\s*(?P<name>[a-zA-Z0-9]*)[^>]*>|(?P<text>[^<]+)")
ENGINEERS = '<section class="box" id="engineers">'
GLOSSARY_START = '<section class="box" id="glossary">'
# Where a term is not linked: inside another link, a control, a diagram or the page's head.
NO_LINK = ("a", "option", "select", "title", "script", "style", "svg", "textarea", "button", "h1", "h2", "h3", "h4")


@functools.cache
def _compiled(pattern: str, case: bool) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{pattern})(?![\w-])", 0 if case else re.IGNORECASE)


@functools.cache
def _hints(pattern: str) -> tuple[str, ...]:
    """The literal start of each top-level alternative of ``pattern``, lowercased ('' for none: always look)."""
    alternatives, depth, current = [], 0, ""
    for char in pattern:
        depth += (char == "(") - (char == ")")
        if char == "|" and depth == 0:
            alternatives.append(current)
            current = ""
        else:
            current += char
    hints = []
    for alternative in [*alternatives, current]:
        literal = re.match(r"[A-Za-z0-9 '_-]*", alternative.replace("\\", "")).group(0)
        rest = alternative.replace("\\", "")[len(literal):]
        if rest[:1] in ("?", "*", "{"):
            literal = literal[:-1]  # the last character is optional
        if len(literal) < 2:
            return ()
        hints.append(literal.lower())
    return tuple(hints)


@dataclass(frozen=True)
class Term:
    word: str
    meaning: str
    pattern: str = ""  # a regular expression; by default the word, its plural, any case
    case: bool = False  # match the case exactly ("Secure", a cookie's mark, not "secure")

    @property
    def source(self) -> str:
        return self.pattern or re.escape(self.word) + "s?"

    @property
    def regex(self) -> re.Pattern[str]:
        return _compiled(self.source, self.case)

    def may_be_in(self, lowered: str) -> bool:
        """A quick look before the regular expression: does any spelling's literal start occur?"""
        hints = _hints(self.source)
        return not hints or any(hint in lowered for hint in hints)

    @property
    def anchor(self) -> str:
        return "g-" + re.sub(r"[^a-z0-9]+", "-", self.word.lower()).strip("-")


# The maintained list (issue #24's, plus what a product owner asked about since). Keep
# each meaning one or two plain sentences; add a term here when a feature starts using it.
TERMS: tuple[Term, ...] = (
    Term("Mint", "To make a new one: Nomos mints a magic link when the partner app asks for one.",
         r"mint(?:s|ed|ing)?"),
    Term("Access token", "A pass the partner app gets from Nomos with its own name and password; it lets the app ask "
                         "for magic links, for a limited time."),
    Term("Client secret", "The partner app's password towards Nomos. It stays on the partner's server."),
    Term("Client credentials", "The partner app's name and password towards Nomos, used to get an access token.",
         r"client credentials"),
    Term("Deep link", "A link that opens one particular page, such as an invoice, instead of the start page."),
    Term("Protocol-relative address", "A web address starting with two slashes (//). A browser completes it into an "
                                      "address on any website, so it is a classic way to send someone elsewhere.",
         r"protocol-relative(?: address(?:es)?)?"),
    Term("Percent-encoded", "Written as a % sign and a code, for example %2F for a slash. Browsers read it as the "
                            "character itself."),
    Term("Double-encoded", "Encoded twice (%252F for a slash): a trick to slip a character past a check that decodes "
                           "only once."),
    Term("Control characters", "Invisible characters, such as a tab or a line break, hidden in an address.",
         r"control characters?"),
    Term("HttpOnly", "A mark on a cookie: the page's own scripts cannot read it, so an injected script cannot steal "
                     "the sign-in."),
    Term("SameSite", "A mark on a cookie: other websites cannot make the browser send it along."),
    Term("Secure", "A mark on a cookie: the browser sends it only over an encrypted (https) connection.",
         "Secure", case=True),
    Term("Base64url", "A way of writing data with only letters, digits, - and _, so that it fits in a web address."),
    Term("Padding", "Filler: the = signs that may end base64 text. NOX's link data leaves them out.", "padding"),
    Term("UTF-8", "The standard way of storing text of every language as bytes.", r"UTF-8"),
    Term("Unix seconds", "A moment written as the number of seconds since 1 January 1970.", r"Unix (?:seconds|time)"),
    Term("JSON", "A common text format for data that systems exchange.", "JSON"),
    Term("Callback", "The partner app's address that NOX sends the customer back to after connecting a device, with "
                     "the link data."),
    Term("Hand-off", "The moment the partner app tells NOX who signed in, so NOX can finish connecting the supplier.",
         r"hand-?offs?"),
    Term("Post-login redirect", "How the partner app tells NOX who signed in: it sends the browser back to NOX with "
                                "that answer.", r"post-login redirects?"),
    Term("Off-by-one", "A mistake at the edge of a limit: a link accepted a moment too long, or refused a moment too "
                       "early.", r"off-by-ones?"),
    Term("Fuzzed", "Tried with many generated requests, valid and invalid, to find an answer that breaks the "
                   "published description.", r"fuzz(?:ed|es|ing)?"),
    Term("Vendored", "Provided by a vendor (Nomos or NOX), not built by the partner.", "vendored"),
    Term("Schema", "A vendor's published description of an interface: which requests it takes and what it answers.",
         r"schemas?"),
    Term("5xx", "An answer saying the server broke down (the codes 500 to 599).", r"5xx|50[0-9]"),
    Term("401", "The answer \u201cnot authorised\u201d: the request did not prove who sent it.", "401"),
    Term("asset_type", "The kind of device in a request to NOX: hp for a heat pump, pv for solar panels.", "asset_type",
         case=True),
    Term("Payload", "The data a message carries.", r"payloads?"),
    Term("Endpoint", "One address of a vendor's interface that answers requests.", r"endpoints?"),
    Term("API", "An interface through which programs (rather than people) talk to each other.", r"APIs?", case=True),
    Term("URL", "A web address.", r"URLs?", case=True),
    Term("OAuth", "The standard way one app lets a person sign in at another and come back.", "OAuth"),
    Term("Cookie", "A small note a website keeps in the browser, here to keep a person signed in."),
    Term("Contract seed", "The number that makes the generated requests of a run repeatable."),
    Term("Commit", "One saved version of the suite's code.", r"commits?"),
    Term("Workers", "Runners that check scenarios side by side to finish sooner.", r"workers?"),
    Term("ASVS", "OWASP's Application Security Verification Standard, a checklist of security requirements; "
                 "\u201cV3.4.1\u201d and the like name one of its items.", r"ASVS(?: V[\d.]+)?", case=True),
    Term("RFC", "An internet standard, by its number (RFC 6265bis, for example, is about cookies).",
         r"RFC ?\d+\w*", case=True),
    Term("WHATWG", "The group that writes the standards for web addresses and pages that browsers follow.", "WHATWG",
         case=True),
)
# The document's own words: shown when used, like the listed terms.
OWN_WORDS: tuple[Term, ...] = tuple(
    Term(word, meaning, pattern={"Partner app": r"partner(?:'s|&\#x27;s)? app", "Magic link": r"magic links?",
                                 "Link session": r"link sessions?", "Scenario": r"scenarios?|outlines?",
                                 "Requirement": r"requirements?", "Flaky": "flaky", "Skipped": "skipped",
                                 "Pending": r"pending|not checkable yet", "Known exception": r"known exceptions?",
                                 "Vendor deviation": r"(?:vendor )?deviations?", "Test clock": r"test clock|the clock",
                                 "Contract test": r"contract (?:tests?|checks?)", "Sandbox": "sandbox",
                                 "Energy-supplier selector": r"energy-supplier selector|supplier selector"}.get(word, ""))
    for word, meaning in GLOSSARY)
EVERY = OWN_WORDS + TERMS


def visible_text(html: str) -> str:
    """The text a reader sees: no styles, scripts, tags or attributes (so no embedded pictures)."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.S | re.I)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", text)).split())


def readers_part(html: str) -> str:
    """The document outside the engineers' section and the glossary itself."""
    before = html.split(ENGINEERS, 1)[0]
    glossary = before.find(GLOSSARY_START)
    if glossary < 0:
        return before
    end = before.find("</section>", glossary)
    return before[:glossary] + (before[end + len("</section>"):] if end >= 0 else "")


def used(html: str, terms: tuple[Term, ...] = EVERY) -> list[Term]:
    """The terms the reader's part of a document uses, in the list's order."""
    text = visible_text(readers_part(html))
    lowered = text.lower()
    return [term for term in terms if term.may_be_in(lowered) and term.regex.search(text)]


def glossary_entries(html: str) -> list[Term]:
    """The glossary a document gets: the words (of the document's own and the list's) it uses."""
    return used(html)


def link_first_uses(html: str, terms: list[Term]) -> str:
    """Each term's first use in the reader's part, outside links, controls and diagrams,
    linked to its glossary entry (the meaning also shows on hover)."""
    head, sep, tail = html.partition(ENGINEERS)
    glossary = head.find(GLOSSARY_START)
    head, rest = (head, "") if glossary < 0 else (head[:glossary], head[glossary:])
    starts, open_ = [], []  # each text piece: where it starts and whether a link may go there
    stack: list[str] = []
    for match in PIECE.finditer(head):
        if match.lastgroup == "text":
            starts.append((match.start(), match.end()))
            open_.append(not stack)
            continue
        name = match.group("name").lower()
        if name in NO_LINK and not match.group(0).endswith("/>"):
            if not match.group("close"):
                stack.append(name)
            elif name in stack:
                del stack[len(stack) - 1 - stack[::-1].index(name):]
    offsets, at = [], 0  # the open pieces joined (one search per term), and where each starts in the join
    for (start, end), allowed in zip(starts, open_, strict=True):
        if allowed:
            offsets.append((at, start))
            at += end - start + 1
    joined = "\x00".join(head[start:end] for (start, end), allowed in zip(starts, open_, strict=True) if allowed)
    firsts, lowered = [], joined.lower()
    for term in terms:
        if not term.may_be_in(lowered):
            continue
        for match in term.regex.finditer(joined):
            index = bisect.bisect_right(offsets, (match.start(), len(head))) - 1
            begin = offsets[index][1] + match.start() - offsets[index][0]
            if "&" not in joined[max(offsets[index][0], match.start() - 8):match.start()]:  # not within an entity
                firsts.append((begin, begin + match.end() - match.start(), term))
                break
    out, at = [], 0
    for start, end, term in sorted(firsts, key=lambda f: f[0]):
        if start < at:  # overlaps a term linked just before it
            continue
        out.append(head[at:start] + f'<a class="term" href="#{term.anchor}" title="{esc(term.meaning)}">'
                   f"{head[start:end]}</a>")
        at = end
    return "".join(out) + head[at:] + rest + sep + tail


def glossary_html(terms: list[Term]) -> str:
    return "".join(f'<dt id="{term.anchor}">{esc(term.word)}</dt><dd>{esc(term.meaning)}</dd>' for term in terms)


def unexplained(html: str) -> list[str]:
    """Listed terms the reader's part uses that have no glossary entry in the document."""
    return [term.word for term in used(html) if f'<dt id="{term.anchor}">' not in html]
