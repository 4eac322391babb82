"""Every use of another library's private internals, in one place.

Each function below names what it relies on. They were checked against the pinned
versions in :data:`PINNED` (pyproject.toml); tests/selftest/test_compat.py proves each
one still holds and, when a pin moves and one no longer does, fails naming the library,
its pinned version and the function here to mend. Nothing else in the suite imports
``_pytest``, or a private name of pytest-bdd or Schemathesis.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from _pytest.junitxml import LogXML, xml_key  # pytest: where the JUnit writer keeps itself
from pytest_bdd.parser import ScenarioTemplate
from pytest_bdd.reporting import ReportContext, test_report_context_registry  # pytest-bdd: a report's scenario
from pytest_bdd.scenario import scenario_wrapper_template_registry  # pytest-bdd: a test function's scenario
from schemathesis.config._auth import OpenAPIAuthConfig  # Schemathesis: a schema's own security schemes

PINNED = {"pytest": "9.1.1", "pytest-bdd": "9.0.1", "schemathesis": "4.32.5"}


# ------------------------------------------------------------------------ pytest


def junit_xml_of(config: pytest.Config) -> LogXML | None:
    """pytest's JUnit writer of this run (``_pytest.junitxml.xml_key``), None without --junitxml."""
    return config.stash.get(xml_key, None)


def rename_item(item: pytest.Item, label: str) -> None:
    """Add ``[label]`` to a test's name and node id (pytest keeps the id in ``Item._nodeid``)."""
    item.name = f"{item.name}[{label}]"
    item._nodeid = f"{item._nodeid}[{label}]"


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
