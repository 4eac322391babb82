"""suite/compat.py holds every private internal of pytest, pytest-bdd, pytest-playwright and Schemathesis the
suite uses. Each test proves one still behaves as the module relies on, at the versions
pinned in pyproject.toml; when a pin moves and one breaks, the failure names the
library, the version it was checked against, and the function of suite/compat.py to mend.
Nothing outside suite/compat.py may reach for those internals."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from suite import compat

ROOT = Path(__file__).resolve().parents[2]
PRIVATE = re.compile(r"\b_pytest\b|scenario_wrapper_template_registry|test_report_context_registry|"
                     r"schemathesis\.config\._auth|_bddcucumberjson|\._nodeid|__class__ =")


def broken(library: str, what: str) -> str:
    return (f"{library} {version(library)} (suite/compat.py was checked against {compat.PINNED[library]}): {what}; "
            f"mend suite/compat.py, or pin {library}=={compat.PINNED[library]} again")


def test_the_pins_are_the_versions_checked() -> None:
    pins = dict(re.findall(r'"([\w-]+)==([\w.]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8")))
    for library, checked in compat.PINNED.items():
        assert pins.get(library) == checked, (f"pyproject.toml pins {library}=={pins.get(library)}, suite/compat.py was "
                                              f"checked against {checked}: run tests/selftest/test_compat.py and update PINNED")
        assert version(library) == checked, broken(library, "the installed version is not the pinned one")


def test_no_module_but_compat_reaches_for_private_internals() -> None:
    found = [f"{path.relative_to(ROOT)}:{n}" for folder in ("suite", "steps", "sandbox", "scripts")
             for path in sorted((ROOT / folder).rglob("*.py")) if path.name != "compat.py"
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if PRIVATE.search(line)]
    assert not found, f"another library's private internals outside suite/compat.py: {', '.join(found)}"


def test_pytest_junit_writer_and_node_ids(tmp_path: Path) -> None:
    """``junit_xml_of`` finds the JUnit writer in the stash; ``rename_item`` renames a test."""
    (tmp_path / "conftest.py").write_text(
        "import pytest\nfrom suite import compat\n\n"
        "@pytest.hookimpl(trylast=True)\ndef pytest_configure(config):\n"
        "    xml = compat.junit_xml_of(config)\n    xml.add_global_property('checked', 'yes')\n"
        "    assert callable(xml.pytest_runtest_logreport)\n\n"
        "def pytest_collection_modifyitems(items):\n    for item in items:\n        compat.rename_item(item, 'label')\n")
    (tmp_path / "test_it.py").write_text("def test_one():\n    pass\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--junitxml", "junit.xml", "-rA", "test_it.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, broken("pytest", f"junit_xml_of or rename_item failed:\n{done.stdout[-1500:]}{done.stderr[-800:]}")
    assert "test_it.py::test_one[label]" in done.stdout, broken("pytest", "rename_item no longer renames the node id")
    junit = (tmp_path / "junit.xml").read_text()
    assert 'name="checked" value="yes"' in junit, broken("pytest", "the JUnit writer's global properties are not written")


def test_pytest_bdd_registries() -> None:
    """Report contexts attach to reports by identity; test functions map to templates."""
    import pytest_bdd.cucumber_json

    report = pytest.TestReport("x::y", ("x", 1, "y"), {}, "passed", None, "call")
    assert compat.report_context(report) is None, broken("pytest-bdd", "a bare report has a scenario context")
    compat.set_report_context(report, {"name": "s", "tags": []}, "s")
    context = compat.report_context(report)
    assert context is not None and context.scenario["name"] == "s" and context.name == "s", broken(
        "pytest-bdd", "report_context does not return what set_report_context attached")
    compat.drop_report_context(report)
    assert compat.report_context(report) is None, broken("pytest-bdd", "drop_report_context left the context")
    assert compat.report_context([]) is None  # unhashable, as Schemathesis' subtest reports are

    def function() -> None: ...
    assert compat.scenario_template_of(function) is None, broken("pytest-bdd", "scenario_template_of")
    source = Path(pytest_bdd.cucumber_json.__file__).read_text(encoding="utf-8")
    assert "config._bddcucumberjson = " in source, broken("pytest-bdd", "the Cucumber writer is no longer config._bddcucumberjson")


def test_pytest_bdd_maps_scenario_functions_to_templates(tmp_path: Path) -> None:
    (tmp_path / "a.feature").write_text("Feature: F\n  Scenario: S\n    Given a thing\n")
    (tmp_path / "conftest.py").write_text(
        "from pytest_bdd import given\nfrom suite import compat\n\n@given('a thing')\ndef thing():\n    pass\n\n"
        "def pytest_collection_modifyitems(items):\n"
        "    for item in items:\n        print('TEMPLATE', compat.scenario_template_of(item.function).name)\n")
    (tmp_path / "test_a.py").write_text("from pytest_bdd import scenarios\n\nscenarios('a.feature')\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--collect-only", "test_a.py"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert "TEMPLATE S" in done.stdout, broken("pytest-bdd", f"scenario_template_of: {done.stdout[-800:]}{done.stderr[-800:]}")


def test_schemathesis_auth_and_transport() -> None:
    import schemathesis

    schema = schemathesis.openapi.from_path(ROOT / "schemas" / "nomos.openapi.yaml")
    auth = compat.openapi_auth({"Bearer": {"bearer": "t"}})
    schema.config.auth.openapi = auth
    assert dataclasses.is_dataclass(auth) or hasattr(auth, "schemes"), broken("schemathesis", "openapi_auth")

    class Marker:
        pass

    transport: Any = Marker()
    compat.use_transport(schema, transport)
    assert schema.transport is transport, broken("schemathesis", "use_transport: the schema does not pick our transport")
    clone = schema.include(path_regex=".*")
    assert clone.transport is transport, broken("schemathesis", "use_transport: a clone of the schema loses our transport")



def test_pytest_mark_expression_names() -> None:
    """``mark_names`` reads the words of ``-m`` as pytest's own scanner does."""
    assert compat.mark_names("supplier and not (REQ-SSO-09 or smoke)") == ["supplier", "REQ-SSO-09", "smoke"], broken(
        "pytest", "mark_names no longer finds the marker names of an -m expression")
    assert compat.mark_names("sso(flow=1)") == ["sso"], broken("pytest", "mark_names reads keyword arguments as names")


def test_pytest_short_traceback_with_a_head() -> None:
    """``short_traceback`` prints pytest's short traceback under lines of our own."""
    def fail() -> None:
        raise AssertionError("what the person saw")

    try:
        fail()
    except AssertionError:
        excinfo = pytest.ExceptionInfo.from_current()
    short = compat.short_traceback(excinfo, ["what the person saw", "  step:    Then something"])
    assert short is not None and compat.is_traceback_repr(short), broken("pytest", "short_traceback gives another kind of repr")
    text = str(short)
    assert text.startswith("what the person saw\n  step:    Then something\n"), broken(
        "pytest", f"short_traceback's head is not printed first:\n{text[:400]}")
    assert "in fail" in text and "AssertionError: what the person saw" in text, broken(
        "pytest", f"short_traceback lost the frames or the error:\n{text[:400]}")
    assert not compat.is_traceback_repr("a string"), broken("pytest", "is_traceback_repr")


def test_pytest_playwright_output_folder(tmp_path: Path) -> None:
    """``playwright_test_folder`` is pytest-playwright's ``output_path`` (long names shortened,
    reruns in folders of their own); ``fixtures_asked`` sees a fixture a step asked for late."""
    (tmp_path / "test_it.py").write_text(
        "import pytest\nfrom suite import compat\n\n"
        "@pytest.mark.parametrize('name', ['short', 'x' * 300])\n"
        "def test_it(request, name):\n"
        "    request.node.execution_count = 2\n"
        "    path = request.getfixturevalue('output_path')\n"
        "    assert 'output_path' in compat.fixtures_asked(request.node)\n"
        "    assert str(compat.playwright_test_folder(request.node)) == path\n")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", "test_it.py"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, broken("pytest-playwright", "playwright_test_folder or fixtures_asked no longer match "
                                        f"pytest-playwright's output_path:\n{done.stdout[-1500:]}{done.stderr[-800:]}")
