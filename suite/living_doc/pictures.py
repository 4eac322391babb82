"""Pictures in the document: a thumbnail embedded, the full picture linked beside it.

A picture is shown only when its file is the one taken then (its SHA-256 matches the
one recorded at capture), so a picture overwritten by another test or example never
appears under the wrong caption; the document counts and names those it withheld.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suite.living_doc.record import RunRecord, TestRecord, picture_problem
from suite.living_doc.words import LANGUAGE_CODES, esc

LANGUAGES = {code: name for name, code in LANGUAGE_CODES.items()}


def what_it_marks(picture: dict[str, Any]) -> str:
    """The caption's second half: what the picture outlines (this scenario's doing) and
    what else it shows and why (data its person kept from earlier scenarios)."""
    parts = []
    if picture.get("marked"):
        parts.append(f"Outlined in amber: {picture['marked']}.")
    if picture.get("also"):
        parts.append(f"Also shown: {picture['also']}.")
    return " ".join(parts)


@dataclass
class Pictures:
    record: RunRecord
    out_dir: Path
    withheld: list[tuple[TestRecord, dict[str, Any], str]] = field(default_factory=list)

    def of(self, test: TestRecord) -> list[dict[str, Any]]:
        """The test's pictures, once each, in the order taken (failure pictures first)."""
        seen, unique = set(), []
        for picture in test.pictures:
            if picture.get("path") not in seen:
                seen.add(picture.get("path"))
                unique.append(picture)
        return sorted(unique, key=lambda p: not p.get("at_failure"))

    def figure(self, test: TestRecord, picture: dict[str, Any]) -> str:
        caption = str(picture.get("caption", ""))
        problem = picture_problem(self.record, picture)
        if problem:
            self.withheld.append((test, picture, problem))
            return (f'<div class="unverified" title="{esc(picture.get("path"))}">Picture \u201c{esc(caption)}\u201d '
                    f"not shown: {esc(problem)}.</div>")
        full = self.link(str(picture["path"]))
        thumb = self.thumbnail(picture)
        lang = str(picture.get("lang") or "")
        facts = [f"page in {LANGUAGES.get(lang.split('-')[0], lang)}" if lang else "", str(picture.get("title") or "")]
        info = " \u00b7 ".join(filter(None, [caption, f"during: {picture.get('step')}" if picture.get("step") else "", *facts]))
        css = "shot failed" if picture.get("at_failure") else "shot"
        small = f" \u00b7 {esc(facts[0])}" if facts[0] else ""
        told = what_it_marks(picture)
        info += f" \u00b7 {told}" if told else ""
        small += f'<span class="marks">{esc(told)}</span>' if told else ""
        css += " told" if told else ""
        if thumb is None:
            return (f'<figure class="{css}"><a href="{esc(full)}">open the picture</a>'
                    f"<figcaption>{esc(caption)}{small}</figcaption></figure>")
        return (f'<figure class="{css}"><a href="{esc(full)}" data-zoom data-info="{esc(info)}">'
                f'<img src="{thumb}" alt="{esc(caption)}" loading="lazy"></a>'
                f'<figcaption>{esc(caption)}<span class="muted">{small}</span></figcaption></figure>')

    def thumbnail(self, picture: dict[str, Any]) -> str | None:
        if not picture.get("thumb") or picture_problem(self.record, picture, "thumb"):
            return None
        data = self.record.path_of(str(picture["thumb"])).read_bytes()
        return "data:image/jpeg;base64," + base64.b64encode(data).decode()

    def link(self, path: str) -> str:
        """A link to a file of the run, relative to the document (it travels with reports/)."""
        return Path(os.path.relpath(self.record.path_of(path), self.out_dir)).as_posix()

    def figures(self, test: TestRecord) -> str:
        return "".join(self.figure(test, p) for p in self.of(test))

    def artifacts(self, test: TestRecord) -> str:
        names = {"trace": "the trace (every click, request and page, step by step)", "video": "the video",
                 "screenshot": "the screenshot at the end"}
        links = []
        for kind, label in names.items():
            for number, path in enumerate(test.artifacts.get(kind, []), 1):
                suffix = f" {number}" if len(test.artifacts[kind]) > 1 else ""
                links.append(f'<a href="{esc(self.link(path))}">{esc(label)}{suffix}</a>')
        if not links:
            return ""
        trace = next(iter(test.artifacts.get("trace", [])), "")
        how = (f' <span class="muted small">(open a trace with <code>playwright show-trace {esc(self.link(trace))}</code> '
               f'or at trace.playwright.dev)</span>') if trace else ""
        return f'<p class="small">Open {", ".join(links)}.{how}</p>'
