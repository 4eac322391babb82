"""A page read over HTTP, as the sweep needs it: its declared language, whether an
element of a test id is there, and a form to send as a browser would (hidden fields
included, boxes ticked on request). Only test ids, the labels interfaces.md fixes and
``<html lang>`` are read; never other text. The reading is :mod:`suite.static_html`'s,
the browser's before its scripts run: content a script puts in after load is not there
(``built_later`` says a page has some)."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin

from suite.static_html import StaticForm, StaticPage


@dataclass
class Form:
    action: str
    method: str
    read: StaticForm = field(repr=False)

    def filled(self, values: dict[str, str], tick: tuple[str, ...] = ()) -> dict[str, str]:
        """The fields to send: the form's own, ``values`` by a control's test id or its label,
        the boxes of ``tick`` ticked."""
        sent = dict(self.read.fields)
        for key, value in values.items():
            name = self.read.test_ids.get(key) or self.read.named(key)
            assert name, f"the form has no field with test id or label {key!r}"
            sent[name] = value
        for test_id in tick:
            if test_id in self.read.boxes:
                name, value = self.read.boxes[test_id]
                sent[name] = value
        return sent


class Html:
    """One HTML answer."""

    def __init__(self, text: str, url: str) -> None:
        self.text = text
        self.url = url
        self._page = StaticPage(text)

    @property
    def lang(self) -> str | None:
        """``<html lang>``: None when the page has no ``lang``."""
        return self._page.lang

    @property
    def built_later(self) -> bool:
        return self._page.built_later

    def has(self, test_id: str) -> bool:
        return self._page.shows(test_id)

    def attribute(self, test_id: str, name: str) -> str | None:
        return self._page.attribute(test_id, name)

    def form(self, test_id: str) -> Form | None:
        read = self._page.form(test_id)
        if read is None:
            return None
        return Form(urljoin(self.url, read.action or self.url), read.method, read)
