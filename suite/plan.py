"""A run that fits its budget: ``--fit-budget`` runs the part of the selection that fits.

Without it, a selection the request budget does not cover is refused before anything is
sent (suite/budget.py). With it, when the selection costs more than the budget, the run
plans the part that fits, and says so before sending anything:

1. the smoke core (``@smoke``) always;
2. then requirement by requirement, in this order: those that failed the last time they
   ran on this target, those never proved on this target, then those proved longest ago;
   within a requirement its checks proved longest ago (or never) first. A check that
   does not fit is deferred, and the plan goes on with cheaper ones.

The plan is a pure function of (the selected tests with their estimated requests, the
history of this target, the profile's budget and the number of shards): every shard
computes the same plan, then takes its part of it (suite/shard.py). A plan fits when
every shard's part costs at most :data:`HEADROOM` of that shard's share of the budget,
less the preflight's requests.

A requirement counts as proved as of the oldest of its checks' latest passes on the
target (:func:`proved_at`): over several nights, a requirement too dear for one night
is proved in parts.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from suite.keys import PLAN_FACTS_KEY, budget_of, settings, shard_of, target_of
from suite.requirements import TAG

if TYPE_CHECKING:  # suite.living_doc is a plugin: imported when used, so pytest registers it first
    from suite.living_doc import history as hist

HEADROOM = 1.0  # of each shard's share planned
# The estimates are measured means; a night's scenarios sent up to 11% more than theirs on the
# sandbox (smoke, 2026-12-03), a contract operation's phases are nearly fixed. The plan counts
# each test at its estimate times this margin.
MARGIN = {"contract": 1.0, "other": 1.15}
PREFLIGHT = 4  # requests each run sends to see the target answers (suite/plugin.py check_reachable)
PLAN_KEY = pytest.StashKey["Plan"]()
SAID_KEY = pytest.StashKey[bool]()  # the controller printed the plan a worker made
SMOKE = "smoke"


@dataclass(frozen=True)
class Candidate:
    """One selected test, as the plan sees it."""

    nodeid: str
    cost: float  # estimated requests
    requirements: tuple[str, ...] = ()
    smoke: bool = False
    weight: int = 1  # the shard split's weight (suite/shard.py)
    clock: bool = False


@dataclass(frozen=True)
class Proof:
    """What a target's history says of a requirement or test: when it last passed (as a
    whole: every check), and whether it failed the last time it ran."""

    proved_at: float | None = None
    failed_last: bool = False
    run: str = ""  # the run that proved it (its label in the history)


@dataclass
class Plan:
    budget: int  # the profile's, for all shards
    shards: int
    selected: int  # tests in the selection
    selected_cost: int
    chosen: list[str] = field(default_factory=list)  # node ids, in priority order
    cost: int = 0
    requirements: list[str] = field(default_factory=list)  # tags whose every selected check is in the plan
    deferred_requirements: list[str] = field(default_factory=list)  # tags with checks left for a later night
    planned: bool = False  # False: the whole selection fits, nothing deferred
    deferred_checks: dict[str, list[str]] = field(default_factory=dict)  # node id -> requirement tags

    @property
    def deferred(self) -> int:
        return self.selected - len(self.chosen)

    def lines(self) -> list[str]:
        share = f"{self.budget // self.shards} per shard, each " if self.shards > 1 else ""
        if not self.planned:
            return [f"plan (--fit-budget): the whole selection fits: {self.selected} tests, about "
                    f"{self.selected_cost} requests, within the budget of {self.budget}"]
        deferred = ", ".join(t.removeprefix("REQ-") for t in self.deferred_requirements[:8])
        more = f" and {len(self.deferred_requirements) - 8} more" if len(self.deferred_requirements) > 8 else ""
        return [
            f"plan (--fit-budget): the selection ({self.selected} tests, about {self.selected_cost} requests) is more "
            f"than the budget of {self.budget} ({share}less {PREFLIGHT} for the preflight); tonight: {len(self.chosen)} "
            f"tests, about {self.cost} requests, proving {len(self.requirements)} requirements in full",
            f"plan: deferred to a later night: {self.deferred} tests"
            + (f", of requirements {deferred}{more}" if deferred else ""),
        ]

    def facts(self) -> dict[str, Any]:
        """What the run record keeps of the plan."""
        return {"planned": self.planned, "budget": self.budget, "shards": self.shards, "tests": len(self.chosen),
                "selected": self.selected, "requests": self.cost, "requirements": self.requirements,
                "deferred_requirements": self.deferred_requirements, "deferred": self.deferred_checks}


# --------------------------------------------------------------------- the history


def proofs(history: Sequence[hist.Entry], target: str, nodeids: Iterable[str]) -> dict[str, Proof]:
    """Per test (by node id) and per requirement tag: its proof on ``target``."""
    # not at import: suite.living_doc is a plugin registered after this one, and pytest rewrites it as it imports it
    from suite.living_doc import history as hist

    past = hist.comparable(list(history), target)
    found: dict[str, Proof] = {}
    for nodeid in nodeids:
        key = hist.key(nodeid)
        states = [(e, e.tests[key]) for e in past if key in e.tests]
        passes = [e for e, s in states if s in hist.PASSING]
        found[nodeid] = Proof(passes[-1].at if passes else None, bool(states) and states[-1][1] == "f",
                              label(passes[-1]) if passes else "")
    tags = {tag for e in past for tag in e.requirements}
    for tag in tags:
        states = [(e, e.requirements[tag]) for e in past if e.requirements.get(tag, "-") != "-"]
        found[tag] = Proof(None, bool(states) and states[-1][1] == "f")
    return found


def label(entry: hist.Entry) -> str:
    """The run that made ``entry``, as the living document names it."""
    from suite.living_doc.proof import label_of  # not at import: a plugin registered after this one (conftest.py)

    return entry.run or label_of(entry)


def proved_at(tests: Sequence[str], found: dict[str, Proof]) -> float | None:
    """A requirement is proved as of the oldest latest pass of its checks (None: one never passed)."""
    times = [found.get(n, Proof()).proved_at for n in tests]
    return None if not times or any(t is None for t in times) else min(t for t in times if t is not None)


# --------------------------------------------------------------------- the plan


def fits(chosen: Sequence[Candidate], budget: int, shards: int, headroom: float = HEADROOM) -> bool:
    from suite.shard import split  # not at import: suite.shard is a plugin registered after this one (conftest.py)

    cost = {c.nodeid: c.cost for c in chosen}
    loads = [0.0] * shards
    for nodeid, shard in split([(c.nodeid, c.weight, c.clock) for c in chosen], shards).items():
        loads[shard - 1] += cost[nodeid]
    allowed = (budget // shards) * headroom - PREFLIGHT
    return all(math.ceil(load) <= allowed for load in loads)


def make_plan(candidates: Sequence[Candidate], history: Sequence[hist.Entry], target: str, budget: int,
              shards: int = 1) -> Plan:
    """The part of ``candidates`` to run tonight (see the module's docstring)."""
    candidates = sorted(candidates, key=lambda c: c.nodeid)  # whatever order they were collected in
    total = math.ceil(sum(c.cost for c in candidates))
    plan = Plan(budget, shards, len(candidates), total)
    if fits(candidates, budget, shards, headroom=1.0) and total + PREFLIGHT * shards <= budget:
        plan.chosen, plan.cost = [c.nodeid for c in candidates], total
        plan.requirements = sorted({t for c in candidates for t in c.requirements})
        return plan
    plan.planned = True
    found = proofs(history, target, (c.nodeid for c in candidates))
    tests_of: dict[str, list[Candidate]] = {}
    for c in candidates:
        for tag in c.requirements or (c.nodeid,):  # a test proving no requirement stands for itself
            tests_of.setdefault(tag, []).append(c)

    def rank(tag: str) -> tuple[int, float, float, str]:
        """Failed last time, never proved, proved longest ago; then the dearest check first
        (a dear check fits only into a night still empty)."""
        when = proved_at([c.nodeid for c in tests_of[tag]], found)
        failed = found.get(tag, Proof()).failed_last or any(found[c.nodeid].failed_last for c in tests_of[tag])
        unproved = [c.cost for c in tests_of[tag] if found[c.nodeid].proved_at is None] or [0.0]
        return (0 if failed else 1 if when is None else 2, when or 0.0, -max(unproved), tag)

    def order(c: Candidate) -> tuple[bool, float, float, str]:  # never proved, then proved longest ago; dear first
        when = found[c.nodeid].proved_at
        return (when is not None, when or 0.0, -c.cost, c.nodeid)

    chosen: list[Candidate] = []
    taken: set[str] = set()

    def take(c: Candidate) -> None:
        if c.nodeid in taken or not fits([*chosen, c], budget, shards):
            return
        chosen.append(c)
        taken.add(c.nodeid)

    for c in candidates:
        if c.smoke:
            take(c)
    for tag in sorted(tests_of, key=rank):
        for c in sorted(tests_of[tag], key=order):
            take(c)
    plan.chosen = [c.nodeid for c in chosen]
    plan.deferred_checks = {c.nodeid: list(c.requirements) for c in candidates if c.nodeid not in taken}
    plan.cost = math.ceil(sum(c.cost for c in chosen))
    complete = {tag for tag, tests in tests_of.items() if all(c.nodeid in taken for c in tests) and TAG.match(tag)}
    plan.requirements = sorted(complete)
    plan.deferred_requirements = sorted((t for t in tests_of if TAG.match(t) and t not in complete), key=rank)
    return plan


# --------------------------------------------------------------------- the plugin


def candidate(item: pytest.Item, cost: float) -> Candidate:
    """The plan's view of a test: its estimated requests (suite/budget.py) with :data:`MARGIN`."""
    from suite.shard import moves_clock, weight  # not at import: a plugin registered after this one (conftest.py)

    marks = {m.name for m in item.iter_markers()}
    contract = getattr(getattr(item, "function", None), "contract_operation", None) is not None
    cost = round(cost * MARGIN["contract" if contract else "other"], 2)
    return Candidate(item.nodeid, cost, tuple(sorted(m for m in marks if TAG.match(m))), SMOKE in marks,
                     weight(item), moves_clock(item))


def history_path(config: pytest.Config) -> Path | None:
    from suite.living_doc import HISTORY_ENV, option_path  # not at import: a plugin registered after this one

    chosen = config.getoption("--plan-history") or config.getoption("--history") or os.environ.get(HISTORY_ENV)
    if chosen is None:
        out = option_path(config.getoption("--living-doc"))
        return out.parent / "history.jsonl" if out is not None else None
    return option_path(chosen)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite")
    group.addoption("--fit-budget", action="store_true",
                    help="when the selection costs more than the request budget, run the part that fits: the smoke "
                         "core, then requirements failed last time, never proved on this target, proved longest ago")
    group.addoption("--plan-history", default=None, metavar="PATH",
                    help="history the --fit-budget plan reads (default: the run's --history); shards give it while "
                         "writing --history none")


@pytest.hookimpl(trylast=True)  # after -m, -k and --lf; before suite.shard takes its part (see conftest.py)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--fit-budget"):
        return
    state = budget_of(config)
    target = target_of(config)
    shard = shard_of(config)
    shards = shard.count if shard else 1
    # not at import: suite.budget and suite.living_doc are plugins registered after this one (conftest.py)
    from suite.budget import Costs, kind_of
    from suite.living_doc import history as hist  # (the same reason)

    costs, cases = Costs.load(), settings(config).max_examples
    candidates = [candidate(item, costs.of(kind_of(item), cases)) for item in items]
    budget = target.limits.request_budget  # the profile's, for all shards (the stored target is not the share)
    plan = config.stash[PLAN_KEY] = make_plan(candidates, hist.load(history_path(config)), target.name, budget, shards)
    if plan.planned:
        keep = set(plan.chosen)
        dropped = [item for item in items if item.nodeid not in keep]
        items[:] = [item for item in items if item.nodeid in keep]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
    config.stash[PLAN_FACTS_KEY] = plan.facts()
    if state.is_worker:
        (state.run_dir / "plan.json").write_text(json.dumps({"lines": plan.lines(), "facts": plan.facts()}), encoding="utf-8")
    else:
        say(config, plan.lines())


def say(config: pytest.Config, lines: list[str]) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        for line in lines:
            reporter.write_line(line)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """The controller prints the plan the first worker made (every worker makes the same)."""
    config = node.config
    if not config.getoption("--fit-budget") or config.stash.get(SAID_KEY, False):
        return
    path = budget_of(config).run_dir / "plan.json"
    if path.is_file():
        config.stash[SAID_KEY] = True
        data = json.loads(path.read_text(encoding="utf-8"))
        config.stash[PLAN_FACTS_KEY] = data["facts"]
        say(config, data["lines"])


# --------------------------------------------------------------------- over nights


def simulate(candidates: Sequence[Candidate], target: str, budget: int, shards: int, nights: int,
             start: float = 0.0, day: float = 86400.0) -> list[Plan]:
    """The plans of ``nights`` nights in a row when every planned check passes, each night's
    run added to the history as the nightly adds it: what the selftest and the docs' figures
    rest on."""
    from suite.living_doc import history as hist  # not at import: a plugin registered after this one (conftest.py)

    history: list[hist.Entry] = []
    plans = []
    for night in range(nights):
        plan = make_plan(candidates, history, target, budget, shards)
        plans.append(plan)
        chosen = set(plan.chosen)
        tags = {t for c in candidates if c.nodeid in chosen for t in c.requirements}
        history.append(hist.Entry(at=start + night * day, commit="sim", code="sim", target=target, selection="plan",
                                  requirements={t: "p" for t in tags}, tests={hist.key(n): "p" for n in chosen}))
    return plans


def nights_to_prove_all(candidates: Sequence[Candidate], plans: Sequence[Plan]) -> int | None:
    """After how many of ``plans`` every check had run (None: not within them)."""
    seen: set[str] = set()
    every = {c.nodeid for c in candidates}
    for night, plan in enumerate(plans, 1):
        seen |= set(plan.chosen)
        if seen >= every:
            return night
    return None
