"""Every use of another library's private internals, in one place.

Each function below names what it relies on. They were checked against the pinned
versions in :data:`PINNED` (pyproject.toml); tests/selftest/test_compat.py proves each
one still holds and, when a pin moves and one no longer does, fails naming the library,
its pinned version and the function here to mend. Nothing else in the suite imports
``_pytest``, or a private name of pytest-bdd, pytest-playwright or Schemathesis.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from _pytest._code.code import ExceptionChainRepr, ReprEntry  # pytest: a failure's printed traceback
from _pytest.junitxml import LogXML, xml_key  # pytest: where the JUnit writer keeps itself
from _pytest.mark.expression import Scanner, TokenType  # pytest: the -m expression's words
from pytest_bdd.parser import ScenarioTemplate
from pytest_bdd.reporting import ReportContext, test_report_context_registry  # pytest-bdd: a report's scenario
from pytest_bdd.scenario import scenario_wrapper_template_registry  # pytest-bdd: a test function's scenario
from schemathesis.config._auth import OpenAPIAuthConfig  # Schemathesis: a schema's own security schemes

PINNED = {"pytest": "9.1.1", "pytest-bdd": "9.0.1", "pytest-playwright": "0.10.0", "schemathesis": "4.32.5"}


# ------------------------------------------------------------------------ pytest


def junit_xml_of(config: pytest.Config) -> LogXML | None:
    """pytest's JUnit writer of this run (``_pytest.junitxml.xml_key``), None without --junitxml."""
    return config.stash.get(xml_key, None)


def rename_item(item: pytest.Item, label: str) -> None:
    """Add ``[label]`` to a test's name and node id (pytest keeps the id in ``Item._nodeid``)."""
    item.name = f"{item.name}[{label}]"
    item._nodeid = f"{item._nodeid}[{label}]"


def fixtures_asked(item: pytest.Item) -> Iterable[str]:
    """The fixtures a test asked for while it ran (``item._request._fixture_defs``): pytest-bdd's
    steps ask for theirs (``page`` among them) as they run, so the item's ``fixturenames`` miss them."""
    return getattr(getattr(item, "_request", None), "_fixture_defs", {})


def mark_names(expression: str) -> list[str]:
    """The marker names a ``-m`` expression asks for, keyword arguments' names and values left
    out (``_pytest.mark.expression.Scanner``); raises on an expression pytest cannot read."""
    tokens = list(Scanner(expression).lex(expression))
    names = []
    for i, token in enumerate(tokens):
        after = tokens[i + 1].type if i + 1 < len(tokens) else None
        before = tokens[i - 1].type if i else None
        if token.type is TokenType.IDENT and TokenType.EQUAL not in (after, before):
            names.append(token.value)
    return names


def is_traceback_repr(longrepr: object) -> bool:
    """Whether a report's ``longrepr`` is a traceback pytest printed (``ExceptionChainRepr``)."""
    return isinstance(longrepr, ExceptionChainRepr)


def short_traceback(excinfo: pytest.ExceptionInfo[BaseException], head: list[str]) -> ExceptionChainRepr | None:
    """pytest's short traceback of ``excinfo``, headed by ``head`` as lines of their own
    (``ReprEntry`` of style ``value``); None when pytest prints it otherwise."""
    short = excinfo.getrepr(style="short", chain=False, tbfilter=False, funcargs=False)
    if not isinstance(short, ExceptionChainRepr):
        return None
    short.reprtraceback.reprentries.insert(0, ReprEntry(lines=head, reprfuncargs=None, reprlocals=None,
                                                        reprfileloc=None, style="value"))
    return short


# -------------------------------------------------------------------- pytest-bdd


def cucumber_writer_of(config: pytest.Config) -> Any | None:
    """pytest-bdd's Cucumber JSON writer (``config._bddcucumberjson``), None without --cucumberjson."""
    return getattr(config, "_bddcucumberjson", None)


def scenario_template_of(function: Callable[..., Any]) -> ScenarioTemplate | None:
    """The scenario a pytest-bdd test function runs (``scenario_wrapper_template_registry``)."""
    return scenario_wrapper_template_registry.get(function)


def report_context(report: Any) -> ReportContext | None:
    """The scenario pytest-bdd attached to a report (``test_report_context_registry``);
    None for a report without one (Schemathesis' subtest reports are not even hashable)."""
    try:
        return test_report_context_registry.get(report)
    except TypeError:
        return None


def set_report_context(report: pytest.TestReport, scenario: dict[str, Any], name: str) -> None:
    """Attach a scenario to a report (one that came from an xdist worker)."""
    test_report_context_registry[report] = ReportContext(scenario=scenario, name=name)


def drop_report_context(report: pytest.TestReport) -> None:
    """Detach the scenario from a report (an attempt that was run again)."""
    test_report_context_registry.pop(report, None)


# ------------------------------------------------------------- pytest-playwright


def playwright_test_folder(item: pytest.Item) -> Path | None:
    """Where pytest-playwright keeps this attempt's artifacts (its ``output_path`` fixture: the
    slugified node id, ``-retryN`` for a rerun, shortened by ``_truncate_file_name``); None
    without pytest-playwright."""
    try:
        # pytest-playwright's plugin module imports Playwright: only a failing scenario needs it here
        from pytest_playwright.pytest_playwright import _truncate_file_name
        from slugify import slugify  # (the same reason: pytest-playwright's dependency)
    except ImportError:
        return None
    folder = slugify(item.nodeid)
    retry = getattr(item, "execution_count", 1) - 1
    folder += f"-retry{retry}" if retry > 0 else ""
    return Path(item.config.getoption("--output")).absolute() / _truncate_file_name(folder)


# ------------------------------------------------------------------ Schemathesis


def openapi_auth(schemes: dict[str, dict[str, str]]) -> OpenAPIAuthConfig:
    """Values for a schema's own security schemes, by name (``schemathesis.config._auth``)."""
    return OpenAPIAuthConfig(schemes=schemes)


_WITH_TRANSPORT: dict[tuple[type, int], type] = {}


def use_transport(schema: Any, transport: Any) -> None:
    """Send every request of ``schema`` (and of its clones, one per test) through
    ``transport``. Schemathesis picks a schema's transport by a property of the schema's
    class (``BaseSchema.transport``) and clones keep the class, so the schema's class is
    swapped for a subclass naming ours."""
    base = type(schema)
    key = (base, id(transport))
    if key not in _WITH_TRANSPORT:
        _WITH_TRANSPORT[key] = type(f"Policed{base.__name__}", (base,), {"transport": property(lambda self: transport)})
    schema.__class__ = _WITH_TRANSPORT[key]
