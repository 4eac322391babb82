"""The document: a first screen (verdict, changes, decisions, target), the requirements
with their last 30 runs, the flows, a glossary, and a folded section for engineers."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from suite.living_doc import history as hist
from suite.living_doc import proof, terms
from suite.living_doc.assets import CSS, JS
from suite.living_doc.decisions import decisions_card
from suite.living_doc.features import bound_function, esc, flow_id, load_features
from suite.living_doc.first_screen import changes_card, header, numbers_card, why_text
from suite.living_doc.pictures import Pictures
from suite.living_doc.record import RunRecord, TestRecord
from suite.living_doc.release import release_band
from suite.living_doc.scenarios import (
    badge,
    chips,
    feature_section,
    feature_tally,
    test_badge,
    unmatched_section,
    unmatched_tally,
)
from suite.living_doc.status import CODES, STATES, Status, requirement_status, requirement_statuses, verdict
from suite.living_doc.sweep import sweep_section
from suite.living_doc.words import count, limits_of, markdown_inline, plain_requirement
from suite.requirements import GROUPS, Requirement, catalog

CONTRACTS = "contracts"
GLOSSARY_SLOT = "<!--glossary-->"
LEGEND = (("passed", "green", "proved"), ("failed", "red", "failed"), ("flaky", "orange", "flaky"),
          ("exceptions", "blue", "known exceptions"), ("partial", "amber", "proved in part"),
          ("skipped", "amber", "not checked"), ("pending", "violet", "not checkable yet"), ("notrun", "grey", "not run"))


def strip_html(states: list[str]) -> str:
    last = len(states) - 1
    return "".join(f'<i class="h-{s}{" now" if i == last else ""}" title="{esc(STATES[CODES.get(s, "notrun")][0])}"></i>'
                   for i, s in enumerate(states))


def proofs_html(status: Status) -> str:
    scenarios: dict[str, str] = {}
    for test in status.tests:
        if test.is_scenario:
            scenarios.setdefault(test.scenario, test.function)
    links = "".join(f'<li><a href="#scn-{esc(function)}">{esc(name)}</a></li>' for name, function in sorted(scenarios.items()))
    others = [t for t in status.tests if not t.is_scenario]
    if others:
        links += f'<li><a href="#engineers">{count(len(others), "contract check")}</a></li>'
    said = ", ".join(filter(None, [count(len(scenarios), "scenario") if scenarios else "",
                                   count(len(others), "contract check") if others else ""]))
    return f"<details><summary>{said}</summary><ul>{links}</ul></details>" if said else "<i>nothing in this run</i>"


def requirements_section(statuses: dict[str, Status], requirements: dict[str, Requirement], history: list[hist.Entry],
                         record: RunRecord) -> str:
    target, code = str(record.run.get("target", {}).get("name", "")), str(record.run.get("code", ""))
    rows, seen = [], set()
    for tag, req in requirements.items():
        status = statuses[tag]
        states, flaky = hist.strip(history, target, tag, status, code)
        seen |= {CODES.get(s, "notrun") for s in states}
        flaky_chip = ' <span class="badge b-flaky">flaky</span>' if flaky and status.key != "flaky" else ""
        note = f'<div class="note">{esc(status.note)}</div>' if status.note else ""
        if status.key in ("skipped", "pending", "partial"):
            note += f'<div class="note">Why: {esc(why_text(status))}</div>'
        plain = plain_requirement(req.id, req.text, limits_of(record.run))
        flows = " ".join(sorted({t.flow for t in status.tests}))
        search = " ".join([req.id, tag, plain, *(t.scenario for t in status.tests)]).lower()
        rows.append(f'<tr data-filter data-flow="{esc(flows)}" data-status="{status.key}" data-search="{esc(search)}">'
                    f"<td><b>{esc(req.id)}</b></td><td>{esc(plain)}</td><td>{badge(status.key, status.label)}{flaky_chip}"
                    f'{note}</td><td><span class="strip">{strip_html(states)}</span></td>'
                    f'<td class="small">{proofs_html(status)}</td></tr>')
    colours = ", ".join(f"{colour} {words}" for key, colour, words in LEGEND if key in seen)
    return (f'<section class="box" id="requirements" data-group><h2>Requirements</h2><p class="note">Each behaviour the '
            f"integrations must have, in plain words. The strip shows its last {hist.SHOWN} runs on this target, this "
            f"run last ({colours}).</p><table class='reqs'><tr><th>ID</th><th>What it means</th><th>Now</th><th>Last runs</th>"
            f"<th>Proved by</th></tr>{''.join(rows)}</table></section>")


def engineers_section(record: RunRecord, requirements: dict[str, Requirement], pictures: Pictures) -> str:
    run, target = record.run, record.run.get("target", {})
    facts = [("target", f"{target.get('name')}: {target.get('description')}"),
             ("commit", f"{run.get('commit')}{' with local changes' if run.get('dirty') else ''} (code {run.get('code')})"),
             ("contract seed", f"{run.get('seed')} (replay: --contract-seed {run.get('seed')})"),
             ("selection", run.get("selection") or "everything"),
             ("sandbox faults", ", ".join(run.get("faults", [])) or "none"),
             ("workers", f"{run.get('workers')} on {count(int(run.get('shards') or 1), 'machine')}"),
             ("duration", f"{float(run.get('finished', 0)) - float(run.get('started', 0)):.1f} s")]
    facts_html = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in facts)
    catalog_rows = "".join(f"<tr><td><b>{esc(r.id)}</b></td><td>{markdown_inline(r.text)}</td><td>{esc(r.source)}</td></tr>"
                           for r in requirements.values())
    rows = []
    for t in sorted((t for t in record.tests if not t.is_scenario), key=lambda t: t.nodeid):
        search = (t.nodeid + " " + " ".join(t.requirements)).lower()
        rows.append(f'<tr data-filter data-flow="{esc(t.flow)}" data-status="{esc(requirement_status([t]).key)}" '
                    f'data-search="{esc(search)}"><td>{esc(t.nodeid.split("::", 1)[-1])}</td><td>{chips(t.requirements)}</td>'
                    f"<td>{test_badge(t)}</td><td>{t.duration:.2f} s</td><td class='small'>{esc(t.reason)}</td></tr>")
    failures = "".join(f"<h4>{esc(t.nodeid)}</h4><pre>{esc(t.message)}</pre>{pictures.artifacts(t)}"
                       for t in sorted(record.tests, key=lambda t: t.nodeid) if t.outcome in ("failed", "xpassed"))
    slow = "".join(f"<tr><td>{esc(t.nodeid.split('::', 1)[-1])}</td><td>{t.duration:.2f} s</td></tr>"
                   for t in sorted(record.tests, key=lambda t: -t.duration)[:10])
    return (f'<section class="box" id="engineers"><h2>For engineers</h2>'
            f"<details><summary>The run: target, commit, seed, selection</summary><table>{facts_html}</table></details>"
            f"<details><summary>Requirements as the catalog words them (status codes, field names)</summary>"
            f"<table><tr><th>ID</th><th>Behaviour</th><th>Source</th></tr>{catalog_rows}</table></details>"
            f"<details data-autoopen><summary>Contract and other checks ({len(rows)})</summary><p class='note'>Every "
            f"vendored API operation, fuzzed with generated valid and invalid input against its schema, and the "
            f"vendors' own examples.</p><table><tr><th>Test</th><th>Proves</th><th>Result</th><th>Time</th><th>Reason</th>"
            f"</tr>{''.join(rows)}</table></details>"
            f"<details{' open' if failures else ''}><summary>Failures in full</summary>{failures or '<p>None.</p>'}</details>"
            f"<details><summary>The ten slowest checks</summary><table>{slow}</table></details>"
            f"{sweep_section(record)}</section>")


def toolbar(features: list, present: set[str]) -> str:
    """The search box and filters; a status is offered only when something in this run has it."""
    flows = "".join(f'<option value="{esc(flow_id(f))}">{esc(f.name)}</option>' for f in features)
    statuses = "".join(f'<option value="{k}">{esc(label)}</option>' for k, (label, _) in STATES.items() if k in present)
    links = "".join(f'<a href="#{esc(flow_id(f))}">{esc(f.name)}</a>' for f in features)
    return (f'<div class="toolbar"><input id="q" type="search" aria-label="search" placeholder="Search: a requirement '
            f'(SUP-09), a word, a language\u2026"><select id="flow" aria-label="flow"><option value="">every flow</option>'
            f'{flows}<option value="{CONTRACTS}">contract checks</option></select><select id="status" aria-label="status">'
            f'<option value="">any status</option><option value="attention">needs attention</option>{statuses}</select>'
            f'<span class="shown" id="shown"></span><nav><a href="#requirements">Requirements</a>{links}'
            f'<a href="#engineers">For engineers</a></nav></div>')


def withheld_section(pictures: Pictures) -> str:
    if not pictures.withheld:
        return ""
    items = "".join(f"<li>{esc(t.name)}: \u201c{esc(p.get('caption'))}\u201d: {esc(why)}</li>"
                    for t, p, why in pictures.withheld)
    return (f'<section class="box"><h2>Pictures withheld</h2><p>These files are not the pictures taken during the run, '
            f"so they are not shown:</p><ul>{items}</ul></section>")


def glossary_section(entries: str = GLOSSARY_SLOT) -> str:
    terms = entries
    groups = " \u00b7 ".join(f"{k}: {v}" for k, v in GROUPS.items())
    return (f'<section class="box" id="glossary"><h2>What the words mean</h2><dl class="glossary">{terms}</dl>'
            f'<p class="note">Requirement groups: {esc(groups)}.</p></section>')


def render(record: RunRecord, history: list[hist.Entry], out: Path, requirements: dict[str, Requirement] | None = None) -> str:
    requirements = catalog() if requirements is None else requirements
    features = load_features()
    by_function: dict[str, list[TestRecord]] = defaultdict(list)
    for test in record.tests:
        by_function[test.function].append(test)
    for feature in features:  # a scenario skipped before it started has no pytest-bdd context: name it here
        for template in feature.scenarios.values():
            for test in by_function.get(bound_function(template), []):
                test.scenario, test.flow = test.scenario or template.name, flow_id(feature)
    statuses = requirement_statuses(record.tests, requirements)
    pictures = Pictures(record, out.parent.resolve())
    flows = "".join(feature_section(f, by_function, pictures) for f in features)
    told = {bound_function(t) for f in features for t in f.scenarios.values()}
    unmatched = [t for t in record.tests if t.is_scenario and t.function not in told]
    flows += unmatched_section(unmatched, pictures)
    tally = unmatched_tally(unmatched)
    for feature in features:
        tally.merge(feature_tally(feature, by_function))
    shown = sum(len(pictures.of(t)) for t in record.tests) - len(pictures.withheld)
    tone, sentence = verdict(statuses, requirements, len(pictures.withheld), limits_of(record.run))
    proved = proof.proved(history, record, requirements)  # over nights: suite/living_doc/proof.py
    sentence = f"{sentence} {proof.sentence(proved, record)}"
    cards = (changes_card(hist.changes(history, record), record) + decisions_card(record, statuses, requirements)
             + numbers_card(record, statuses, shown, tally, len(features) + bool(unmatched)))
    release = release_band(record, statuses, requirements, history)
    document = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Living documentation: energy integrations</title><style>{CSS}</style></head><body>
{header(record, tone, sentence)}<main>{release}<div class="cards">{cards}</div>{withheld_section(pictures)}
{toolbar(features, {s.key for s in statuses.values()} | {requirement_status([t]).key for t in record.tests})}
{requirements_section(statuses, requirements, history, record)}
{proof.section(proved, record)}
{flows}
{glossary_section()}
{engineers_section(record, requirements, pictures)}
</main><dialog id="zoom"><img alt="the picture, enlarged"><p class="note"></p></dialog><script>{JS}</script></body></html>"""
    return explained(document)


def explained(document: str) -> str:
    """The glossary filled with the words the document uses, each linked where first used."""
    entries = terms.glossary_entries(document)
    return terms.link_first_uses(document.replace(GLOSSARY_SLOT, terms.glossary_html(entries), 1), entries)
