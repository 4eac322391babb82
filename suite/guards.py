"""Guards against scenarios that pass without proving anything.

pytest-bdd 9 lets several mistakes pass silently: an ``async def`` step is never
awaited (and passes); a step line written ``Then: ...`` becomes description text
(and the scenario passes without it); a scenario with no steps passes. This plugin
turns each into a loud failure, and makes ``@pending`` scenarios visible skips that
carry their reason.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

import pytest
from pytest_bdd.parser import ScenarioTemplate

from suite.compat import scenario_template_of

STEP_LIKE = re.compile(r"^\s*(Given|When|Then|And|But)\b\s*:?", re.I)
PENDING_TAG = "pending"


def template_of(item: pytest.Item) -> ScenarioTemplate | None:
    function = getattr(item, "function", None)
    return scenario_template_of(function) if function is not None else None


def problems(template: ScenarioTemplate) -> list[str]:
    found = []
    steps = template.steps
    if not template._steps:  # its own steps; a Background alone proves nothing about it
        found.append("has no steps")
    elif PENDING_TAG not in template.tags and not any(s.type == "then" for s in steps):
        found.append("has no Then step, so it checks nothing")
    for source, text in (("scenario", template.description), ("feature", template.feature.description)):
        for line in (text or "").splitlines():
            if STEP_LIKE.match(line):
                found.append(f"{source} description holds a step-like line {line.strip()!r} "
                             "(written 'Then: ...'?); pytest-bdd would skip it silently")
    return found


def _fail_with(message: str) -> Callable[[], None]:
    def runtest() -> None:
        pytest.fail(message, pytrace=False)

    return runtest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        template = template_of(item)
        if template is None:
            continue
        found = problems(template)
        if found:
            where = f"{template.feature.rel_filename}:{template.line_number} {template.name!r}"
            item.runtest = _fail_with(f"broken scenario {where}: " + "; ".join(found))  # type: ignore[method-assign]
            continue
        if PENDING_TAG in template.tags:
            reason = " ".join((template.description or "").split()) or "pending: no reason given"
            item.add_marker(pytest.mark.skip(reason=f"pending: {reason}"))


def pytest_bdd_before_step_call(step_func: Callable[..., object], step: object) -> None:
    if inspect.iscoroutinefunction(step_func) or inspect.isasyncgenfunction(step_func):
        raise TypeError(
            f"step {getattr(step, 'name', step)!r} is implemented by async def {step_func.__qualname__}; "
            "pytest-bdd never awaits it, so it would pass without running. Make it a plain def."
        )
