"""A page's first HTML read as a browser reads it, without running its scripts: for the
places the suite looks at a page over HTTP instead of in the browser (the partner's
sign-in posted over HTTP, the answer to a form sent straight to its server).

The HTML is parsed by html5lib, which follows the WHATWG HTML parsing algorithm a
browser follows (implied and misnested tags, any attribute quoting or order). On that
tree, what ``interfaces.md`` leaves open is read every way a page may write it:

- a test id's element may be the form itself, or a region around it (the form inside it),
  or an element inside the form (the form around it);
- an input's label is a ``<label for=…>``, a ``<label>`` wrapping it, ``aria-labelledby``
  or ``aria-label``, matched as Playwright's ``get_by_label`` matches (case-insensitive,
  whitespace folded; an exact label before one that contains the words);
- a form's fields are what the browser would submit: named, enabled controls; checked
  boxes only; the first submit button's own name and value.

Content a script puts in after load is not in the first HTML: a reader that finds
nothing says so (``None``), and the caller uses the browser instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

import html5lib

TEXT_TYPES = {"text", "email", "password", "search", "tel", "url", "number", "hidden", ""}
UNSUBMITTED = {"submit", "button", "reset", "image", "file"}


def parse(html: str) -> Element:
    return html5lib.parse(html, treebuilder="etree", namespaceHTMLElements=False)


def _text(element: Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _is_template_content(element: Element, parents: dict[Element, Element]) -> bool:
    """Inside a ``<template>``: not rendered until a script uses it."""
    node = parents.get(element)
    while node is not None:
        if node.tag == "template":
            return True
        node = parents.get(node)
    return False


@dataclass
class StaticForm:
    """A form as the browser would submit it: where, how, and which fields."""

    action: str
    method: str
    enctype: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    labels: dict[str, list[str]] = field(default_factory=dict)  # field name -> its labels' texts
    test_ids: dict[str, str] = field(default_factory=dict)  # a control's test id -> its field name
    boxes: dict[str, tuple[str, str]] = field(default_factory=dict)  # an unticked box's test id -> (name, value)

    def named(self, label: str) -> str:
        """The name of the field labelled ``label`` ('' when none): an exact label first,
        else one containing it (Playwright's ``get_by_label``)."""
        wanted = " ".join(label.split()).casefold()
        for exact in (True, False):
            for name, texts in self.labels.items():
                for text in texts:
                    text = text.casefold()
                    if (text == wanted) if exact else (wanted in text):
                        return name
        return ""


class StaticPage:
    """One HTML document as the browser would build it before any script runs."""

    def __init__(self, html: str) -> None:
        self.root = parse(html)
        self.parents = {child: parent for parent in self.root.iter() for child in parent}
        self.by_id = {e.get("id"): e for e in self.root.iter() if e.get("id")}

    def _rendered(self) -> Iterator[Element]:
        for element in self.root.iter():
            if isinstance(element.tag, str) and not _is_template_content(element, self.parents):
                yield element

    def with_test_id(self, test_id: str) -> list[Element]:
        return [e for e in self._rendered() if e.get("data-testid") == test_id]

    @property
    def lang(self) -> str | None:
        """``<html lang>`` as written (None when the page has none)."""
        return self.root.get("lang") or None

    @property
    def built_later(self) -> bool:
        """Some of the page waits in a ``<template>`` for a script to put it in."""
        return any(e.tag == "template" for e in self.root.iter()) and any(e.tag == "script" for e in self.root.iter())

    def attribute(self, test_id: str, name: str) -> str | None:
        found = self.with_test_id(test_id)
        return found[0].get(name) if found else None

    def shows(self, test_id: str) -> bool:
        """An element with this test id is in the page as first loaded (outside any template)."""
        return bool(self.with_test_id(test_id))

    def form(self, test_id: str) -> StaticForm | None:
        """The form at, inside or around the element with ``test_id``; None when the first
        HTML has none (a page built by a script, or no such form)."""
        for element in self.with_test_id(test_id):
            form = self._form_of(element)
            if form is not None:
                return self._read(form)
        return None

    def _form_of(self, element: Element) -> Element | None:
        if element.tag == "form":
            return element
        inside = element.find(".//form")
        if inside is not None:
            return inside
        node = self.parents.get(element)
        while node is not None and node.tag != "form":
            node = self.parents.get(node)
        return node

    def _read(self, form: Element) -> StaticForm:
        read = StaticForm(action=form.get("action", ""), method=(form.get("method") or "get").lower(),
                          enctype=(form.get("enctype") or "application/x-www-form-urlencoded").lower())
        submitter_taken = False
        for control in form.iter():
            name, kind = control.get("name"), (control.get("type") or "").lower()
            if control.tag not in {"input", "select", "textarea", "button"} or control.get("disabled") is not None:
                continue
            if control.tag == "button" or (control.tag == "input" and kind in {"submit", "image"}):
                if kind in {"", "submit"} and not submitter_taken:
                    submitter_taken = True  # the browser submits with the first submit button
                    if name:
                        read.fields.append((name, control.get("value", "")))
                continue
            if not name:
                continue
            read.labels[name] = self._labels_of(control)
            if control.get("data-testid"):
                read.test_ids[control.get("data-testid", "")] = name
            if control.tag == "textarea":
                read.fields.append((name, "".join(control.itertext())))
            elif control.tag == "select":
                options = control.findall(".//option")
                chosen = next((o for o in options if o.get("selected") is not None), options[0] if options else None)
                if chosen is not None:
                    read.fields.append((name, chosen.get("value", _text(chosen))))
            elif kind in {"checkbox", "radio"}:
                if control.get("checked") is not None:
                    read.fields.append((name, control.get("value", "on")))
                elif control.get("data-testid"):
                    read.boxes[control.get("data-testid", "")] = (name, control.get("value", "on"))
            elif kind not in UNSUBMITTED:
                read.fields.append((name, control.get("value", "")))
        return read

    def _labels_of(self, control: Element) -> list[str]:
        texts = [_text(e) for e in self.root.iter("label") if control.get("id") and e.get("for") == control.get("id")]
        node = self.parents.get(control)
        while node is not None:
            if node.tag == "label" and node.get("for") is None:
                texts.append(_text(node))
            node = self.parents.get(node)
        texts += [_text(self.by_id[i]) for i in (control.get("aria-labelledby") or "").split() if i in self.by_id]
        if control.get("aria-label"):
            texts.append(" ".join(control.get("aria-label", "").split()))
        return [t for t in texts if t]
