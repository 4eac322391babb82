"""Words for a reader who never saw a terminal: each requirement in plain words, a short
glossary, durations in minutes and hours, the target described, Markdown rendered.

The requirements catalog (``docs/spec/requirements.md``) is written for engineers;
its text stays in the document's section for engineers. A requirement the catalog gains
without a plain sentence here falls back to the catalog's text, rendered.
"""

from __future__ import annotations

import html
import re

PLAIN = {
    "SSO-01": "The partner app gets a sign-in link for a customer from Nomos, with its own credentials, on its server.",
    "SSO-02": "Nomos gives no link to anyone who has not proved who they are.",
    "SSO-03": "Nomos turns away incomplete or garbled link requests with a clear answer, and never breaks down.",
    "SSO-04": "Nomos gives no link for a customer it does not know.",
    "SSO-05": "Every refusal from Nomos says what went wrong, in the form Nomos documents.",
    "SSO-06": "The link leads to the Nomos customer portal, can be used once, and opens the overview unless "
              "another page is asked for.",
    "SSO-07": "Opening the link signs the customer in and shows her account with quick links to her data, invoices, "
              "orders, tariff and help.",
    "SSO-08": "Once signed in, the customer stays signed in to the portal in that browser without a new link, for "
              "{portal_session} on this target.",
    "SSO-09": "A link works only once.",
    "SSO-10": "A link works for {magic_link} on this target; after that it signs nobody in.",
    "SSO-11": "A link that was altered or made up signs nobody in.",
    "SSO-12": "A link can open one particular page of the portal, such as an invoice.",
    "SSO-13": "A link can never send the customer to a website outside the portal.",
    "SSO-14": "A customer without a subscription is sent to the portal's sign-up page instead.",
    "SSO-15": "Signing out in one browser does not end the customer's portal visit in another.",
    "SSO-16": "Only customers signed in to the partner app can open the portal from it.",
    "SSO-17": "Every click on \u201cOpen energy account\u201d makes a new link.",
    "SSO-18": "The partner app's key to Nomos never reaches the customer's browser.",
    "SUP-01": "The partner app can start connecting a customer's heat pump or solar panels at NOX, and gets a link "
              "for her.",
    "SUP-02": "NOX starts nothing for anyone who does not show the partner's key.",
    "SUP-03": "NOX turns away incomplete or invalid requests with a clear answer, and never breaks down.",
    "SUP-04": "NOX refuses a brand that does not make the kind of device asked for.",
    "SUP-05": "NOX sends the customer back only to addresses the partner registered.",
    "SUP-06": "NOX's answer matches what the partner asked for: the customer, the kind of device, the brand and the "
              "language (Dutch when none is asked).",
    "SUP-07": "A new connection request stays open for {link_session} on this target and starts out unfinished.",
    "SUP-08": "The link opens NOX's pages in the customer's language.",
    "SUP-09": "NOX offers only brands that make the customer's kind of device, or goes straight to the brand chosen "
              "in advance.",
    "SUP-10": "After signing in at the manufacturer, the customer comes back to the partner app with the details of "
              "what was connected.",
    "SUP-11": "Those details arrive in a compact, well-formed package saying who connected which devices of which "
              "brand, and when.",
    "SUP-12": "A connection request ends after {link_session} on this target: finishing it later connects nothing.",
    "SUP-13": "Connecting again with the same partner account replaces the device instead of adding one.",
    "SUP-14": "A device connected by two partner customers ends up with only the last one.",
    "SUP-15": "The partner app recognises the customer and shows her connected devices.",
    "SUP-16": "The partner app refuses broken details, or details meant for someone else, with a clear message, "
              "stores nothing and never breaks down.",
    "MAN-01": "A manufacturer's app can start connecting an energy supplier at NOX, and gets a link for the customer.",
    "MAN-02": "NOX shows a choice of energy suppliers that includes the partner.",
    "MAN-03": "Choosing the partner opens the partner's own sign-in page with its terms; signing in without accepting "
              "them is refused.",
    "MAN-04": "After the customer signs in at the partner, the partner tells NOX who she is.",
    "MAN-05": "The customer ends up back in her manufacturer's app, which confirms the connection.",
    "MAN-06": "The sign-in must be finished within {sign_in_window} on this target; later, it connects nothing.",
    "MAN-07": "NOX believes the partner's word on who signed in only with the partner's key, once, for a live "
              "request.",
    "CON-01": "Every Nomos and NOX interface we use, tried with many generated requests both valid and invalid, answers "
              "as its published description says and never breaks down.",
    "CON-02": "The examples in Nomos' and NOX's own documentation match their published descriptions; where they do "
              "not, we say so.",
    "SEC-01": "However an attacker spells the address, a portal link never sends the customer to another website.",
    "SEC-02": "A sign-in link still works {edge} before its {magic_link} on this target are up, and no longer "
              "{edge} after.",
    "SEC-03": "A portal visit is still signed in {edge} before its {portal_session} on this target are up, and no "
              "longer {edge} after.",
    "SEC-04": "A device connection can still be finished {edge} before its {link_session} on this target are up, and "
              "no longer {edge} after.",
    "SEC-05": "A supplier connection from the manufacturer's app can still be finished {edge} before its "
              "{sign_in_window} on this target are up, and no longer {edge} after.",
    "SEC-06": "The partner app's pass to Nomos still works {edge} before the time Nomos gives it when handing it out "
              "is up, and no longer {edge} after.",
    "SEC-07": "The portal and the partner app keep their sign-in in cookies that web pages cannot read or send to "
              "other websites.",
    "SEC-08": "Signing out really signs out, at the portal and at the partner app, for good.",
    "SEC-09": "A link for one customer, opened where another customer is signed in, shows the new customer only.",
    "SEC-10": "Two customers using the apps at the same time each see and connect only their own things.",
    "SEC-11": "Every rule a page checks in the browser is checked again on the server, so it cannot be bypassed.",
    "SEC-12": "Links and codes cannot be guessed: long, random and never repeated.",
    "SEC-13": "NOX offers only brands of the right kind of device: all {brands_hp} heat pump brands and {brands_pv} "
              "solar brands this target offers are checked, not a sample.",
    "SEC-14": "A refused connection leaves the customer's devices exactly as they were.",
    "SEC-15": "Nothing a link carries can become part of a page: it is shown as text, never run.",
    "SEC-16": "Each refusal from Nomos has its own reference for support and points to help about that very problem.",
    "SEC-17": "When Nomos does not recognise a caller, its answer says how to identify properly.",
    "SEC-18": "Every 'this link no longer works' page speaks the customer's language: Dutch, English, French or Spanish.",
    "SEC-19": "Asking an address for something it does not offer is refused, and the answer says what it does offer.",
    "SEC-20": "Names with accents or in other scripts come back exactly as they were sent.",
    "SEC-21": "Advice: pages cannot be hidden inside other websites, and personal pages are not kept on a shared computer.",
}

GLOSSARY = (
    ("Partner app", "Our own app: the app of the energy supplier running these checks. Its customers sign in to it."),
    ("Nomos", "The energy platform behind the partner's energy accounts: it holds customers, invoices and tariffs."),
    ("Nomos portal", "The website where a customer sees her energy account, hosted by Nomos."),
    ("Magic link", "A one-time web address that signs a customer in to the Nomos portal without a password."),
    ("NOX", "The device platform that connects heat pumps and solar panels to energy suppliers."),
    ("Authenticator UI", "NOX's web pages where a customer picks a device brand or an energy supplier."),
    ("Link session", "One attempt to connect a device or a supplier through NOX; it is open for a limited time."),
    ("Link data", "What NOX sends back to the partner app after a connection: who, which devices, which brand, when."),
    ("Manufacturer", "The maker of the customer's heat pump or solar inverter; the customer has an account there."),
    ("Energy-supplier selector", "NOX's page where a customer, coming from her manufacturer's app, picks her supplier."),
    ("Requirement", "One behaviour the integrations must have, with an ID such as SSO-07; the catalog lists them."),
    ("Scenario", "One short story of a customer using the apps, checked automatically. An outline is a scenario "
                 "told several times with different examples (languages, devices...)."),
    ("Sandbox", "Stand-ins for Nomos, NOX and the manufacturers that the checks start themselves, on the same "
                "machine; no real system is touched."),
    ("Test clock", "A clock the sandbox lets the checks move forward, to see what happens after 10 or 15 minutes "
                   "without waiting."),
    ("Contract test", "A check that sends an interface many generated requests, valid and invalid, and compares every "
                      "answer with the interface's published description."),
    ("Known exception", "A check we expect to fail for a reason we know and wrote down (for example a mistake in a "
                        "vendor's documentation). It turns red the day the reason goes away."),
    ("Vendor deviation", "A place where a real deployment behaves differently from the vendor's promise, accepted "
                         "until a date; someone must decide what happens after it."),
    ("Pending", "A behaviour we cannot check yet; the scenario says why."),
    ("Skipped", "A check that did not run this time; the document says why."),
    ("Flaky", "A check that failed and then passed with no change to the code: its result cannot be trusted blindly."),
)

LANGUAGE_CODES = {"Dutch": "nl", "English": "en", "French": "fr", "Spanish": "es"}


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def markdown_inline(text: str) -> str:
    """The Markdown the catalog uses (code spans, bold, italics), rendered as HTML."""
    out = []
    for index, part in enumerate(re.split(r"`([^`]*)`", text)):
        if index % 2:
            out.append(f"<code>{esc(part)}</code>")
            continue
        part = esc(part)
        part = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", part)
        part = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"<em>\1</em>", part)
        out.append(part)
    return "".join(out)


def plain_text(markdown: str) -> str:
    """Markdown reduced to its words (for a fallback sentence or a search index)."""
    return re.sub(r"\*\*|`|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)", "", markdown)


# What a limit is called when a record does not carry the profile's numbers (a record
# written before they were recorded): the words say where the number lives.
UNKNOWN_LIMITS = {"magic_link": "the time the target sets", "portal_session": "the time the target sets",
                  "link_session": "the time the target sets", "sign_in_window": "the time the target sets",
                  "edge": "a few seconds", "brands_hp": "the", "brands_pv": "the"}


def span(seconds: int) -> str:
    """A time limit as a person says it: '5 minutes', '8 hours', '90 seconds', '1 hour 30 minutes'."""
    if seconds % 60 or seconds < 60:
        return count(seconds, "second")
    minutes = seconds // 60
    if minutes % 60 or minutes < 60:
        return count(minutes, "minute")
    hours, rest = divmod(minutes, 60)
    return count(hours, "hour") + (f" {count(rest, 'minute')}" if rest else "")


def limit_words(limits: dict[str, int] | None) -> dict[str, str]:
    """The profile's limits (``run.target.limits`` of a record) in words, for the plain sentences."""
    said = dict(UNKNOWN_LIMITS)
    for key, value in (limits or {}).items():
        if isinstance(value, int) and not isinstance(value, bool):
            said[key] = str(value) if key.startswith("brands_") else span(value)
    return said


def limits_of(run: dict[str, object]) -> dict[str, int]:
    """The profile's limits a run record carries (none in an older record)."""
    target = run.get("target")
    return dict(target.get("limits") or {}) if isinstance(target, dict) else {}


def plain_requirement(requirement_id: str, catalog_text: str, limits: dict[str, int] | None = None) -> str:
    """The requirement in plain words, with this target's numbers (``limits``: the record's)."""
    plain = PLAIN.get(requirement_id)
    return plain.format(**limit_words(limits)) if plain else plain_text(catalog_text)


def duration(seconds: float) -> str:
    """How long, as a person says it: 'less than a minute', 'about 3 minutes', '1 hour 5 minutes'."""
    minutes = round(seconds / 60)
    if seconds < 45:
        return "less than a minute"
    if minutes < 60:
        return "about a minute" if minutes <= 1 else f"about {minutes} minutes"
    hours, rest = divmod(minutes, 60)
    said = "1 hour" if hours == 1 else f"{hours} hours"
    return said + (f" {rest} minute{'s' if rest != 1 else ''}" if rest else "")


def ago(seconds: float) -> str:
    """How long ago, for history: 'today', 'yesterday', '3 days ago'."""
    days = int(seconds // 86400)
    if seconds < 3600:
        return "less than an hour ago" if seconds >= 120 else "moments ago"
    if days < 1:
        return f"{int(seconds // 3600)} hour{'s' if seconds >= 7200 else ''} ago"
    return "yesterday" if days == 1 else f"{days} days ago"


def target_words(target: dict[str, object]) -> str:
    """The target in plain words."""
    if target.get("embedded"):
        return ("the built-in sandbox: stand-ins for Nomos, NOX and the manufacturers, started by the checks "
                "themselves on the same machine (no real system was touched)")
    name = target.get("name") or "an unnamed target"
    hosts = target.get("hosts") or {}
    where = ", ".join(f"{party} at {host}" for party, host in dict(hosts).items()) if hosts else ""
    return f"a real deployment, \u201c{name}\u201d ({target.get('description') or 'no description'})" + (
        f": {where}" if where else "")


def first_sentence(text: str, limit: int = 170) -> str:
    """The first sentence of a reason, short enough for a summary line."""
    text = " ".join(text.split())
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + "…"


def count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"
