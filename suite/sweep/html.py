"""A page read over HTTP, as the sweep needs it: its declared language, whether an
element of a test id is there, and a form to send as a browser would (hidden fields
included, boxes ticked on request). Only test ids and ``<html lang>``, which
interfaces.md fixes, are read; never text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    by_test_id: dict[str, str] = field(default_factory=dict)  # test id -> field name
    boxes: dict[str, tuple[str, str]] = field(default_factory=dict)  # test id -> (name, value), unticked
    by_input_id: dict[str, str] = field(default_factory=dict)  # element id -> field name
    labels: dict[str, str] = field(default_factory=dict)  # label text -> element id

    def by_label(self, label: str) -> str:
        return self.by_input_id[self.labels[label]]

    def filled(self, values: dict[str, str], tick: tuple[str, ...] = ()) -> dict[str, str]:
        """The fields to send: the form's own, ``values`` by test id, the boxes of ``tick`` ticked."""
        sent = dict(self.fields)
        for test_id, value in values.items():
            sent[self.by_test_id.get(test_id) or self.by_label(test_id)] = value
        for test_id in tick:
            if test_id in self.boxes:
                name, value = self.boxes[test_id]
                sent[name] = value
        return sent


class _Reader(HTMLParser):
    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.lang: str | None = None
        self.test_ids: dict[str, dict[str, str]] = {}
        self.forms: dict[str, Form] = {}
        self._form: Form | None = None
        self._label: str | None = None
        self._label_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html" and self.lang is None:
            self.lang = a.get("lang", "")
        test_id = a.get("data-testid")
        if test_id:
            self.test_ids.setdefault(test_id, a)
        if tag == "form":
            self._form = Form(urljoin(self.base, a.get("action") or self.base), (a.get("method") or "get").lower())
            if test_id:
                self.forms[test_id] = self._form
        elif tag == "label" and self._form is not None:
            self._label, self._label_text = a.get("for", ""), ""
        elif tag == "input" and self._form is not None and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind == "checkbox":
                if test_id:
                    self._form.boxes[test_id] = (a["name"], a.get("value") or "on")
                return
            self._form.fields[a["name"]] = a.get("value", "")
            if a.get("id"):
                self._form.by_input_id[a["id"]] = a["name"]
            if test_id:
                self._form.by_test_id[test_id] = a["name"]

    def handle_data(self, data: str) -> None:
        if self._label is not None:
            self._label_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "label" and self._label is not None and self._form is not None:
            self._form.labels[self._label_text.strip()] = self._label
            self._label = None


class Html:
    """One HTML answer."""

    def __init__(self, text: str, url: str) -> None:
        self.text = text
        reader = _Reader(url)
        reader.feed(text)
        self._reader = reader

    @property
    def lang(self) -> str | None:
        """``<html lang>``: None when the page has no ``lang``."""
        return self._reader.lang or None

    def has(self, test_id: str) -> bool:
        return test_id in self._reader.test_ids

    def attribute(self, test_id: str, name: str) -> str | None:
        return self._reader.test_ids.get(test_id, {}).get(name)

    def form(self, test_id: str) -> Form | None:
        return self._reader.forms.get(test_id)
