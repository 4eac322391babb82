"""The harness's wiring: imports go one way (``steps/`` may import ``suite/``, never the
reverse), no module of suite/, steps/ or sandbox/ is part of an import cycle, no import
hides inside a function without saying why, and one ``pytest_configure`` (suite/entry.py)
sets every part up in a written order. Read from the source (grimp): seconds."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("suite", "steps", "sandbox")
ENTRY = "suite/entry.py"


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # Imports for the type checker only (``if TYPE_CHECKING:``) never run: suite/keys.py names its types so.
    return grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)


def cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == module:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle(graph: grimp.ImportGraph) -> None:
    found = cycles(graph)
    assert not found, "import cycles (break each by moving what both sides need into a leaf module): " + "; ".join(
        " <-> ".join(c) for c in found)


def test_no_suite_module_imports_steps(graph: grimp.ImportGraph) -> None:
    wrong = sorted(f"{a} imports {b}" for a in graph.modules if a.split(".")[0] == "suite"
                   for b in graph.find_modules_directly_imported_by(a) if b.split(".")[0] == "steps")
    assert not wrong, "steps/ may import suite/, never the reverse: " + "; ".join(wrong)


def python_files() -> list[Path]:
    return [*sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py")), ROOT / "conftest.py"]


def test_every_import_inside_a_function_says_why() -> None:
    silent = []
    for path in python_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    line, above = lines[inner.lineno - 1], lines[inner.lineno - 2].strip()
                    if "#" not in line and not above.startswith("#"):
                        silent.append(f"{path.relative_to(ROOT)}:{inner.lineno}")
    assert not silent, ("imports inside functions without a one-line reason (put the import at the top, "
                        "or say why not in a comment): " + ", ".join(sorted(set(silent))))


def test_one_pytest_configure_sets_every_part_up() -> None:
    defined = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name == "pytest_configure":
                defined.append(str(path.relative_to(ROOT)))
    assert defined == [ENTRY], (f"pytest_configure is defined in {', '.join(defined) or 'no module'}; "
                                f"the harness has one, in {ENTRY}: give a part a configure() and call it there")
    entry = (ROOT / ENTRY).read_text(encoding="utf-8")
    called = re.findall(r"\b(\w+)\.configure\(config", entry)
    parts = [p.stem if p.stem != "__init__" else p.parent.name for p in (ROOT / "suite").rglob("*.py")
             if re.search(r"^def configure\(config", p.read_text(encoding="utf-8"), re.M)]
    assert sorted(called) == sorted(parts), f"suite/entry.py calls {sorted(called)}; parts with a configure(): {sorted(parts)}"


def test_the_entry_is_registered_after_the_parts_it_imports() -> None:
    """pytest rewrites a plugin's asserts as it imports it: a part imported first by the
    entry could not be rewritten (PytestAssertRewriteWarning)."""
    listed = ast.literal_eval(re.search(r"pytest_plugins = (\[.*?\])", (ROOT / "conftest.py").read_text(), re.S).group(1))
    assert "suite.entry" in listed, "conftest.py must register suite.entry, the harness's one pytest_configure"
    before = listed[:listed.index("suite.entry")]
    imported = re.findall(r"^from suite import (.+)$", (ROOT / ENTRY).read_text(), re.M)[0].split(", ")
    missing = [name for name in imported if f"suite.{name}" not in before and name != "budget"]  # budget: suite.plugin's
    assert not missing, f"conftest.py registers suite.entry before {', '.join(missing)}: list the entry after them"


def test_pyproject_names_the_dev_tools() -> None:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]["dev"]
    assert any(x.startswith("grimp==") for x in extras), \
        "pyproject.toml's dev extras must pin grimp (this module reads the import graph with it)"
