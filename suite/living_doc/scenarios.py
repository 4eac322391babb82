"""One feature as the document tells it: narrative, flow, and each scenario with its
steps, its examples, their results, reasons and pictures. Closed unless it failed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pytest_bdd.parser import Feature, ScenarioTemplate

from suite.living_doc.features import bound_function, esc, flow_id, flow_of, sequence_svg
from suite.living_doc.pictures import Pictures
from suite.living_doc.record import TestRecord
from suite.living_doc.status import Status, requirement_status
from suite.living_doc.words import limit_words, limits_of, span
from suite.requirements import TAG

SCENARIO_LABELS = {
    "passed": "passed", "failed": "failed", "flaky": "flaky", "partial": "partly skipped", "skipped": "skipped",
    "pending": "pending", "notrun": "not run", "exceptions": "known exception",
}
TEST_LABELS = {"passed": "passed", "failed": "failed", "xpassed": "passed unexpectedly", "xfailed": "known exception",
               "skipped": "skipped", "pending": "pending"}
TEST_CLASSES = {"xpassed": "failed", "xfailed": "exceptions"}


def badge(key: str, label: str) -> str:
    return f'<span class="badge b-{esc(key)}">{esc(label)}</span>'


def test_badge(test: TestRecord) -> str:
    if test.outcome == "passed" and test.flaky:
        return badge("flaky", "passed on a retry")
    return badge(TEST_CLASSES.get(test.outcome, test.outcome), TEST_LABELS.get(test.outcome, test.outcome))


def chips(tags: list[str]) -> str:
    return "".join(f'<span class="chip">{esc(t.removeprefix("REQ-"))}</span>' for t in tags)


def step_words(name: str) -> str:
    """A step as written, with an outline's <placeholders> marked as such."""
    return re.sub(r"&lt;([^&]+)&gt;", r'<span class="param">\1</span>', esc(name))


def outcome_notes(test: TestRecord, pictures: Pictures) -> str:
    """Why it did not simply pass: the reason, or what went wrong and where to look."""
    out = []
    if test.outcome in ("failed", "xpassed"):
        where = f"<p><b>Went wrong at:</b> {esc(test.failed_step)}</p>" if test.failed_step else ""
        out.append(f'<div class="failure">{where}<pre>{esc(test.message)}</pre>{pictures.artifacts(test)}</div>')
    elif test.outcome in ("skipped", "pending", "xfailed"):
        label = {"skipped": "Skipped", "pending": "Pending", "xfailed": "Known exception"}[test.outcome]
        out.append(f'<div class="reason"><b>{label}:</b> {esc(test.reason)}</div>')
    if test.flaky:
        first = f" First it failed: {test.first_failure}" if test.first_failure else ""
        out.append(f'<div class="reason"><b>Flaky:</b> {esc(test.flaky)}.{esc(first)}</div>')
    for deviation in test.deviations:
        out.append(f'<div class="reason"><b>Known vendor deviation:</b> {esc(deviation)}</div>')
    return "".join(out)


def examples_table(tests: list[TestRecord], pictures: Pictures) -> str:
    rows = []
    for test in tests:
        values = " \u00b7 ".join(test.example.values()) or test.example_id
        rows.append(f"<tr><td>{esc(values)}</td><td>{test_badge(test)}</td>"
                    f"<td>{outcome_notes(test, pictures)}{pictures.figures(test)}</td></tr>")
    return f'<table class="examples"><tr><th>Example</th><th>Result</th><th>What we saw</th></tr>{"".join(rows)}</table>'


def ordered(template: ScenarioTemplate, tests: list[TestRecord]) -> list[TestRecord]:
    """Examples in the order the feature lists them."""
    order = [ctx for examples in template.examples for ctx in examples.as_contexts()]

    def position(test: TestRecord) -> tuple[int, str]:
        return (order.index(test.example) if test.example in order else len(order), test.nodeid)

    return sorted(tests, key=position)


# A scenario's words that speak of a time limit -> the limit, said with this target's value.
LIMIT_PHRASES = (
    (re.compile(r"magic link(?:'s)? lifetime|magic link[^.]{0,40}? its lifetime", re.I), "a magic link works for {magic_link}"),
    (re.compile(r"portal session(?:'s)? lifetime|portal session[^.]{0,40}? its lifetime", re.I),
     "a portal session lasts {portal_session}"),
    (re.compile(r"link session(?:'s)? lifetime|link session[^.]{0,40}? its lifetime|(?<!magic )link's lifetime|"
                r"more than \d+ minutes after the link", re.I),
     "a link session stays open for {link_session}"),
    (re.compile(r"sign-in window|more than \d+ minutes after (?:choosing|signing)", re.I),
     "the sign-in at the partner must be finished within {sign_in_window}"),
    (re.compile(r"access token's lifetime", re.I), "an access token lasts as long as Nomos says when handing it out"),
    (re.compile(r"a few seconds", re.I), "\u201ca few seconds\u201d is {edge}"),
)


def limits_note(template: ScenarioTemplate, limits: dict[str, int]) -> str:
    """'On this target: a magic link works for 5 minutes; "a few seconds" is 10 seconds.' for a
    scenario whose words speak of a time limit, else ''."""
    text = " ".join([template.name, *(step.name for step in template.steps)])
    known = {**limit_words(limits), "edge": span(limits["edge"]) if "edge" in limits else ""}
    said = [words.format(**known) for pattern, words in LIMIT_PHRASES
            if pattern.search(text) and ("{edge}" not in words or known["edge"])]
    return f'<p class="note limits">On this target: {esc("; ".join(said))}.</p>' if said else ""


def scenario_block(feature: Feature, template: ScenarioTemplate, tests: list[TestRecord], pictures: Pictures) -> tuple[str, Status]:
    status = requirement_status(tests)
    tags = sorted(t for t in template.tags | feature.tags if TAG.match(t))
    failed = {line for t in tests for line in t.failed_steps}
    ran = {line for t in tests for line in t.ran_steps}
    steps = []
    for step in template.steps:
        css = "s-failed" if step.line_number in failed else ("" if step.line_number in ran or not tests else "s-notrun")
        steps.append(f'<li class="{css}"><span class="kw">{esc(step.keyword)}</span> {step_words(step.name)}</li>')
    body = []
    if template.description:
        body.append(f'<p class="narrative">{esc(template.description.strip())}</p>')
    body.append(f'<ul class="steps">{"".join(steps)}</ul>')
    body.append(limits_note(template, limits_of(pictures.record.run)))
    if template.examples and tests:
        body.append(examples_table(ordered(template, tests), pictures))
    else:
        for test in tests:
            body.append(outcome_notes(test, pictures) + pictures.figures(test))
    if not tests:
        body.append('<p class="note">Not part of this run.</p>')
    function = bound_function(template)
    search = " ".join([template.name, *tags, *(v for t in tests for v in t.example.values()),
                       *(str(p.get("caption", "")) for t in tests for p in t.pictures)]).lower()
    examples = f' <span class="muted small">{len(tests)} examples</span>' if len(tests) > 1 else ""
    html = (f'<details class="scn" id="scn-{esc(function)}" data-filter data-flow="{esc(flow_id(feature))}" '
            f'data-status="{status.key}" data-search="{esc(search)}"{" open" if status.key == "failed" else ""}>'
            f'<summary>{badge(status.key, SCENARIO_LABELS[status.key])} {esc(template.name)} {chips(tags)}{examples}</summary>'
            f'{"".join(body)}</details>')
    return html, status


@dataclass
class Tally:
    """One way of counting, the same on screen one and in each flow's section: scenarios
    (each told once, an outline too) by status, and examples (each run of a scenario: an
    outline once per example, any other scenario once) by result."""

    scenarios: dict[str, int] = field(default_factory=dict)
    examples: dict[str, int] = field(default_factory=dict)

    def add(self, status: Status, tests: list[TestRecord]) -> None:
        self.scenarios[status.key] = self.scenarios.get(status.key, 0) + 1
        for test in tests:
            key = example_key(test)
            self.examples[key] = self.examples.get(key, 0) + 1

    def merge(self, other: Tally) -> None:
        for mine, theirs in ((self.scenarios, other.scenarios), (self.examples, other.examples)):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n

    @property
    def n_scenarios(self) -> int:
        return sum(self.scenarios.values())

    @property
    def n_examples(self) -> int:
        return sum(self.examples.values())

    def said(self, which: dict[str, int], labels: dict[str, str]) -> str:
        return " \u00b7 ".join(f"{n} {labels[k]}" for k, n in sorted(which.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self) -> str:
        """'12 scenarios (18 examples): 11 passed · 1 pending'."""
        return (f"{self.n_scenarios} scenario{'s' if self.n_scenarios != 1 else ''} ({self.n_examples} "
                f"example{'s' if self.n_examples != 1 else ''}): {self.said(self.scenarios, SCENARIO_LABELS)}")


def example_key(test: TestRecord) -> str:
    if test.outcome == "passed" and test.flaky:
        return "flaky"
    return {"xpassed": "failed", "xfailed": "exceptions"}.get(test.outcome, test.outcome)


def feature_tally(feature: Feature, by_function: dict[str, list[TestRecord]]) -> Tally:
    tally = Tally()
    for template in feature.scenarios.values():
        tests = by_function.get(bound_function(template), [])
        tally.add(requirement_status(tests), tests)
    return tally


def feature_section(feature: Feature, by_function: dict[str, list[TestRecord]], pictures: Pictures) -> str:
    blocks = []
    for template in feature.scenarios.values():
        html, _ = scenario_block(feature, template, by_function.get(bound_function(template), []), pictures)
        blocks.append(html)
    summary = feature_tally(feature, by_function).summary()
    diagram = sequence_svg(flow_of(feature))
    flow = (f'<details class="flow"><summary>The flow, step by step (who talks to whom)</summary>{diagram}</details>'
            if diagram else "")
    return (f'<section class="box" id="{esc(flow_id(feature))}" data-group><h2>{esc(feature.name)}</h2>'
            f'<p class="narrative">{esc((feature.description or "").strip())}</p>{flow}'
            f'<p class="note">{esc(summary)}</p>{"".join(blocks)}</section>')


def unmatched_section(tests: list[TestRecord], pictures: Pictures) -> str:
    """Scenarios of the record that today's features no longer tell (a record from
    another commit, or a renamed scenario): shown plainly rather than lost."""
    by_scenario: dict[str, list[TestRecord]] = {}
    for test in tests:
        by_scenario.setdefault(test.scenario, []).append(test)
    blocks = []
    for name, group in sorted(by_scenario.items()):
        status = requirement_status(group)
        tags = sorted({t for test in group for t in test.requirements})
        search = " ".join([name, *tags]).lower()
        blocks.append(f'<details class="scn" id="scn-{esc(group[0].function)}" data-filter data-flow="{esc(group[0].flow)}" '
                      f'data-status="{status.key}" data-search="{esc(search)}"{" open" if status.key == "failed" else ""}>'
                      f"<summary>{badge(status.key, SCENARIO_LABELS[status.key])} {esc(name)} {chips(tags)}</summary>"
                      f"{examples_table(group, pictures)}</details>")
    if not blocks:
        return ""
    return (f'<section class="box" id="other-scenarios" data-group><h2>Scenarios the features no longer tell</h2>'
            f'<p class="note">This run checked them, but today\'s feature files have no scenario of that name. '
            f'{esc(unmatched_tally(tests).summary())}</p>{"".join(blocks)}</section>')


def unmatched_tally(tests: list[TestRecord]) -> Tally:
    by_scenario: dict[str, list[TestRecord]] = {}
    for test in tests:
        by_scenario.setdefault(test.scenario, []).append(test)
    tally = Tally()
    for group in by_scenario.values():
        tally.add(requirement_status(group), group)
    return tally
