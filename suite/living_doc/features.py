"""The features as the document tells them: scenarios, steps, tags and the ``# Flow``
comment block that lists who talks to whom, drawn as a sequence diagram."""

from __future__ import annotations

import html
import re
from functools import cache
from pathlib import Path

from pytest_bdd.parser import Feature, FeatureParser, ScenarioTemplate
from pytest_bdd.scenario import make_python_name

from suite.paths import FEATURES_DIR

FLOW_LINE = re.compile(r"^#\s+(?P<src>[^:#]+?)\s*->\s*(?P<dst>[^:]+?)\s*:\s*(?P<msg>.+?)\s*$")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


@cache
def _parse(folder: str, name: str, mtime: float) -> Feature:
    return FeatureParser(folder, name).parse()


def load_features(folder: Path = FEATURES_DIR) -> list[Feature]:
    return [_parse(str(folder), p.name, p.stat().st_mtime) for p in sorted(folder.glob("*.feature"))]


def flow_id(feature: Feature) -> str:
    return Path(feature.filename).stem


def bound_function(template: ScenarioTemplate) -> str:
    """The test pytest-bdd binds the scenario to (``scenarios(".")``)."""
    return f"test_{make_python_name(template.name)}"


def flow_of(feature: Feature) -> list[tuple[str, str, str]]:
    """The ``# Flow`` comment block of a feature file: (from, to, what) in order."""
    lines = Path(feature.filename).read_text(encoding="utf-8").splitlines()
    steps, inside = [], False
    for line in lines:
        if line.lower().startswith("# flow"):
            inside = True
            continue
        if inside:
            match = FLOW_LINE.match(line)
            if not match:
                if steps:
                    break
                continue
            steps.append((match["src"].strip(), match["dst"].strip(), match["msg"].strip()))
    return steps


def sequence_svg(flow: list[tuple[str, str, str]]) -> str:
    """A sequence diagram: one lifeline per party, one arrow per message, in order."""
    if not flow:
        return ""
    parties: list[str] = []
    for src, dst, _ in flow:
        for p in (src, dst):
            if p not in parties:
                parties.append(p)
    col, top, row = 170, 50, 34
    width = col * len(parties) + 40
    height = top + row * len(flow) + 30
    x = {p: 20 + col * i + col // 2 for i, p in enumerate(parties)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" role="img" '
           f'aria-label="flow diagram" font-family="system-ui,sans-serif" font-size="12">',
           '<defs><marker id="a" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
           '<path d="M0,0 L8,4 L0,8 z" fill="#334155"/></marker></defs>']
    for p in parties:
        out.append(f'<rect x="{x[p] - 75}" y="8" width="150" height="28" rx="5" fill="#1d2733"/>'
                   f'<text x="{x[p]}" y="27" fill="#fff" text-anchor="middle" font-weight="600">{esc(p)}</text>'
                   f'<line x1="{x[p]}" y1="36" x2="{x[p]}" y2="{height - 10}" stroke="#cbd5e1" stroke-dasharray="4 3"/>')
    for i, (src, dst, msg) in enumerate(flow):
        y = top + row * i + 12
        if src == dst:
            out.append(f'<path d="M{x[src]},{y} h30 v12 h-28" fill="none" stroke="#334155" marker-end="url(#a)"/>'
                       f'<text x="{x[src] + 36}" y="{y + 4}">{i + 1}. {esc(msg)}</text>')
            continue
        out.append(f'<line x1="{x[src]}" y1="{y}" x2="{x[dst]}" y2="{y}" stroke="#334155" marker-end="url(#a)"/>'
                   f'<text x="{(x[src] + x[dst]) / 2}" y="{y - 5}" text-anchor="middle">{i + 1}. {esc(msg)}</text>')
    out.append("</svg>")
    return "".join(out)
