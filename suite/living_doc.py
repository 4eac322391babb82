"""The living documentation: one self-contained HTML file per run, for product owners.

It reads the features themselves (narrative, scenarios, steps, tags, and the ``# Flow``
comment block that lists who talks to whom) and joins them with this run's results:
step status, failure message, screenshots, and the requirements each scenario and
contract test proves. Written by the controller only, from reports that are already
redacted, so it is correct under ``-n 2`` and carries no secret.

Why hand-written and not Allure: Allure renders well, but needs its own CLI (Java or
Node) at report time, takes seconds to build, and has no notion of a requirements
table with per-ID status; this file is one ``open()`` away and adds well under a
second to a run.
"""

from __future__ import annotations

import base64
import html
import re
import subprocess
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd.parser import Feature, FeatureParser, ScenarioTemplate
from pytest_bdd.reporting import test_report_context_registry
from pytest_bdd.scenario import make_python_name

from suite.evidence import REPORTS_DIR
from suite.redaction import redact
from suite.requirements import TAG, catalog
from suite.target import Target

ROOT = Path(__file__).resolve().parent.parent
FEATURES_DIR = ROOT / "features"
FLOW_LINE = re.compile(r"^#\s+(?P<src>[^:#]+?)\s*->\s*(?P<dst>[^:]+?)\s*:\s*(?P<msg>.+?)\s*$")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("energy-suite").addoption(
        "--living-doc", default=str(REPORTS_DIR / "living-documentation.html"), metavar="PATH",
        help="where to write the living documentation (HTML); 'none' to skip",
    )


@dataclass
class Result:
    nodeid: str
    outcome: str = "passed"  # passed | failed | skipped | pending
    reason: str = ""
    message: str = ""
    duration: float = 0.0
    tags: set[str] = field(default_factory=set)
    failed_steps: set[int] = field(default_factory=set)  # line numbers
    ran_steps: set[int] = field(default_factory=set)
    screenshots: list[tuple[str, str]] = field(default_factory=list)

    @property
    def example(self) -> str:
        return self.nodeid.rpartition("[")[2].rstrip("]") if self.nodeid.endswith("]") else ""

    @property
    def function(self) -> str:
        return self.nodeid.split("::")[-1].split("[")[0]


class LivingDoc:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.results: dict[str, Result] = {}
        self.started = time.time()
        self.render_seconds: float | None = None  # what writing the document cost this run

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        result = self.results.setdefault(report.nodeid, Result(report.nodeid))
        result.duration += report.duration
        result.tags |= {k for k in report.keywords if TAG.match(k) or k == "pending"}
        for key, value in report.user_properties:
            if key == "screenshot" and "|" in str(value):
                moment, _, path = str(value).partition("|")
                result.screenshots.append((moment, path))
        try:
            context = test_report_context_registry.get(report)
        except TypeError:  # subtest reports (Schemathesis' from_fixture) are not hashable
            context = None
        if context is not None:
            for step in context.scenario["steps"]:
                result.ran_steps.add(step["line_number"])
                if step["failed"]:
                    result.failed_steps.add(step["line_number"])
        if report.failed:
            result.outcome = "failed"
            result.message = redact(_short(report.longrepr))
        elif report.skipped and result.outcome != "failed":
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            reason = reason.removeprefix("Skipped: ")
            result.outcome = "pending" if reason.startswith("pending:") else "skipped"
            result.reason = reason.removeprefix("pending: ")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        path = self.config.getoption("--living-doc")
        if path == "none" or not self.documents_something() or hasattr(self.config, "workerinput"):
            return
        from suite.plugin import TARGET_KEY

        target = self.config.stash.get(TARGET_KEY, None)
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp")
        began = time.perf_counter()
        tmp.write_text(render(self.results, target, time.time() - self.started), encoding="utf-8")
        tmp.replace(out)  # never half-written
        self.render_seconds = time.perf_counter() - began

    def documents_something(self) -> bool:
        """Only runs of the features or contract tests get a living document."""
        return any(n.startswith(("tests/flows/", "tests/contracts/")) for n in self.results)

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        path = self.config.getoption("--living-doc")
        if path != "none" and self.documents_something() and not hasattr(self.config, "workerinput"):
            took = f" (written in {self.render_seconds:.2f}s)" if self.render_seconds is not None else ""
            terminalreporter.write_sep("-", f"living documentation: {path}{took}")


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(LivingDoc(config), "energy-suite-living-doc")


def _short(longrepr: object, lines: int = 25) -> str:
    crash = getattr(longrepr, "reprcrash", None)
    text = crash.message if crash is not None else str(longrepr)
    return "\n".join(text.strip().splitlines()[:lines])


# ------------------------------------------------------------------------- reading


def load_features() -> list[Feature]:
    features = []
    for path in sorted(FEATURES_DIR.glob("*.feature")):
        features.append(FeatureParser(str(FEATURES_DIR), path.name).parse())
    return features


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


# ------------------------------------------------------------------------- writing

CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2733;background:#f5f7fa}
header{background:#1d2733;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:24px}
main{max-width:1100px;margin:0 auto;padding:16px 32px}
section{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.1);padding:16px 24px;margin:18px 0}
.totals span{display:inline-block;margin-right:16px;font-weight:600}
.passed{color:#166534}.failed{color:#b91c1c}.skipped{color:#92400e}.pending{color:#6b21a8}.notrun{color:#64748b}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;color:#fff}
.b-passed{background:#16a34a}.b-failed{background:#dc2626}.b-skipped{background:#d97706}
.b-pending{background:#7c3aed}.b-notrun{background:#94a3b8}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e2e8f0;padding:6px;text-align:left;vertical-align:top}
.chip{display:inline-block;background:#e0e7ff;color:#3730a3;border-radius:4px;padding:0 6px;margin:1px;font-size:12px}
.steps{list-style:none;padding-left:0}.steps li{padding:2px 0}.kw{font-weight:700;color:#334155}
.s-failed{background:#fee2e2}.s-notrun{color:#94a3b8}
pre{background:#0f172a;color:#e2e8f0;padding:10px;border-radius:6px;white-space:pre-wrap;font-size:13px}
details.scenario{border-top:1px solid #e2e8f0;padding:8px 0}details.scenario>summary{cursor:pointer;font-weight:600}
figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top}
figure img{max-width:480px;border:1px solid #cbd5e1;border-radius:4px}
figcaption{font-size:13px;color:#475569}.narrative{white-space:pre-line;color:#334155}
nav a{margin-right:14px}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def badge(outcome: str) -> str:
    label = {"notrun": "not run"}.get(outcome, outcome)
    return f'<span class="badge b-{outcome}">{esc(label)}</span>'


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
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
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


def image(path: str) -> str:
    full = REPORTS_DIR / path
    try:
        data = base64.b64encode(full.read_bytes()).decode()
    except OSError:
        return ""
    mime = "image/jpeg" if full.suffix in (".jpg", ".jpeg") else "image/png"
    return f"data:{mime};base64,{data}"


def combine(outcomes: list[str]) -> str:
    if not outcomes:
        return "notrun"
    for outcome in ("failed", "passed", "skipped", "pending"):
        if outcome in outcomes:
            return outcome
    return "notrun"


def results_for(template: ScenarioTemplate, by_function: dict[str, list[Result]]) -> list[Result]:
    return by_function.get(f"test_{make_python_name(template.name)}", [])


def render_scenario(template: ScenarioTemplate, results: list[Result]) -> tuple[str, str]:
    outcome = combine([r.outcome for r in results])
    tags = sorted(t for t in template.tags | template.feature.tags if TAG.match(t))
    chips = "".join(f'<span class="chip">{esc(t.removeprefix("REQ-"))}</span>' for t in tags)
    failed_lines = set().union(*(r.failed_steps for r in results)) if results else set()
    ran_lines = set().union(*(r.ran_steps for r in results)) if results else set()
    steps = []
    for step in template.steps:
        cls = "s-failed" if step.line_number in failed_lines else ("" if step.line_number in ran_lines else "s-notrun")
        steps.append(f'<li class="{cls}"><span class="kw">{esc(step.keyword)}</span> {esc(step.name)}</li>')
    body = [f'<details class="scenario" id="{esc(make_python_name(template.name))}"'
            f'{" open" if outcome == "failed" else ""}><summary>{badge(outcome)} {esc(template.name)} {chips}</summary>']
    if template.description:
        body.append(f'<p class="narrative">{esc(template.description.strip())}</p>')
    body.append(f'<ul class="steps">{"".join(steps)}</ul>')
    if len(results) > 1:
        rows = "".join(f"<tr><td>{esc(r.example)}</td><td>{badge(r.outcome)}</td><td>{r.duration:.2f}s</td></tr>"
                       for r in results)
        body.append(f"<table><tr><th>Example</th><th>Result</th><th>Time</th></tr>{rows}</table>")
    for r in results:
        if r.outcome == "failed":
            body.append(f"<p class=failed>What went wrong{f' ({esc(r.example)})' if r.example else ''}:</p>"
                        f"<pre>{esc(r.message)}</pre>")
        elif r.outcome in ("skipped", "pending") and r.reason:
            body.append(f'<p class="{r.outcome}">{esc(r.outcome.capitalize())}: {esc(r.reason)}</p>')
    shots = [(m, p, r.example) for r in results for m, p in r.screenshots]
    for moment, path, example in shots[:8]:
        src = image(path)
        if src:
            caption = f"{moment} ({example})" if example else moment
            body.append(f'<figure><img loading="lazy" src="{src}" alt="{esc(caption)}">'
                        f"<figcaption>{esc(caption)}</figcaption></figure>")
    body.append("</details>")
    return "".join(body), outcome


def render(results: dict[str, Result], target: Target | None, seconds: float) -> str:
    by_function: dict[str, list[Result]] = defaultdict(list)
    for r in results.values():
        by_function[r.function].append(r)
    features = load_features()
    requirement_rows: dict[str, list[tuple[str, str]]] = defaultdict(list)
    sections = []
    for feature in features:
        scenario_html, counts = [], defaultdict(int)
        for template in feature.scenarios.values():
            runs = results_for(template, by_function)
            fragment, outcome = render_scenario(template, runs)
            scenario_html.append(fragment)
            counts[outcome] += 1
            for tag in template.tags | feature.tags:
                if TAG.match(tag):
                    requirement_rows[tag].append((f"Scenario: {template.name}", outcome))
        summary = " ".join(f'<span class="{k}">{v} {esc({"notrun": "not run"}.get(k, k))}</span>'
                           for k, v in sorted(counts.items()))
        sections.append(
            f'<section id="{esc(Path(feature.filename).stem)}"><h2>{esc(feature.name)}</h2>'
            f'<p class="narrative">{esc((feature.description or "").strip())}</p>'
            f'<h3>The flow</h3>{sequence_svg(flow_of(feature)) or "<p>(no flow described)</p>"}'
            f'<h3>Scenarios</h3><p class="totals">{summary}</p>{"".join(scenario_html)}</section>'
        )
    contract = [r for r in results.values() if not r.nodeid.startswith("tests/flows/")]
    for r in contract:
        for tag in r.tags:
            if TAG.match(tag):
                requirement_rows[tag].append((f"Test: {r.nodeid.split('::', 1)[-1]}", r.outcome))
    req_html = []
    for tag, requirement in catalog().items():
        rows = requirement_rows.get(tag, [])
        status = combine([o for _, o in rows if o != "notrun"]) if rows else "notrun"
        provers = "<br>".join(f"{badge(o)} {esc(n)}" for n, o in rows[:12])
        if len(rows) > 12:
            provers += f"<br>… and {len(rows) - 12} more"
        req_html.append(f"<tr><td><b>{esc(requirement.id)}</b></td><td>{esc(requirement.text)}</td>"
                        f"<td>{badge(status)}</td><td>{provers or '<i>nothing in this run</i>'}</td></tr>")
    totals = defaultdict(int)
    for r in results.values():
        totals[r.outcome] += 1
    contract_rows = "".join(f"<tr><td>{esc(r.nodeid.split('::', 1)[-1])}</td><td>{badge(r.outcome)}</td>"
                            f"<td>{r.duration:.2f}s</td></tr>" for r in sorted(contract, key=lambda r: r.nodeid))
    failures = "".join(f"<pre>{esc(r.nodeid.split('::', 1)[-1])}\n{esc(r.message)}</pre>"
                       for r in contract if r.outcome == "failed")
    target_line = f"{target.name}: {target.description}" if target else "unknown target"
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Living documentation: energy integrations</title><style>{CSS}</style></head><body>
<header><h1>Energy integrations: living documentation</h1>
<div>Target <b>{esc(target_line)}</b> · run {esc(time.strftime("%Y-%m-%d %H:%M %Z"))} · commit {esc(commit())}
 · {seconds:.1f}s</div></header><main>
<section><p class="totals">{"".join(f'<span class="{k}">{v} {esc(k)}</span>' for k, v in sorted(totals.items()))}</p>
<nav>{"".join(f'<a href="#{esc(Path(f.filename).stem)}">{esc(f.name)}</a>' for f in features)}
<a href="#requirements">Requirements</a><a href="#contracts">Contract tests</a></nav></section>
{"".join(sections)}
<section id="requirements"><h2>Requirements and what proves them</h2>
<table><tr><th>ID</th><th>Behaviour</th><th>Status</th><th>Proved by</th></tr>{"".join(req_html)}</table></section>
<section id="contracts"><h2>Contract tests</h2><p>Every vendored API operation, fuzzed with generated valid and invalid
input against its schema.</p><table><tr><th>Test</th><th>Result</th><th>Time</th></tr>{contract_rows}</table>{failures}</section>
</main></body></html>"""


def commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (sha.stdout.strip() or "unknown") + (" (with local changes)" if dirty.stdout.strip() else "")
