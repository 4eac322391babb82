"""The README's Layout section matches the tree: it names every top-level module and
package of suite/, steps/, sandbox/ and scripts/ and every profile of targets/, and
names no file of those folders that is not there. The README stays a README (about
250 lines: the design lives in the docs/ pages it links, and each of those exists)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
FOLDERS = ("suite", "steps", "sandbox", "scripts", "targets")
MAX_LINES = 260


def layout() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"^## Layout\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert found, "README.md has no '## Layout' section"
    return found.group(1)


def named(text: str, path: Path) -> bool:
    """A package as ``name/``, a file by its name (``clock.py``, ``sandbox.toml``, ``setup``)."""
    if path.is_dir():
        return re.search(rf"(?<![\w.-]){re.escape(path.name)}/", text) is not None
    return re.search(rf"(?<![\w.-]){re.escape(path.name)}(?![\w-])", text) is not None


def entries(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).iterdir()
                  if p.name not in ("__init__.py", "__pycache__", "README.md") and not p.name.startswith("."))


def test_the_layout_names_every_module_and_package() -> None:
    text = layout()
    missing = [str(p.relative_to(ROOT)) for folder in FOLDERS for p in entries(folder) if not named(text, p)]
    assert not missing, f"README.md's Layout does not name: {', '.join(missing)}; add each with a few words on what it holds"


def test_the_layout_names_nothing_that_is_not_there() -> None:
    there = {p.name for folder in (*FOLDERS, "tests", "docs", "features", "schemas") for p in (ROOT / folder).rglob("*")}
    there |= {p.name for p in ROOT.iterdir()}
    mentioned = set(re.findall(r"(?<![\w./-])([\w-]+\.(?:py|toml|md))\b", layout()))
    gone = sorted(name for name in mentioned if name not in there)
    assert not gone, f"README.md's Layout names files the tree does not have: {', '.join(gone)}"


def test_the_readme_stays_short_and_its_design_pages_exist() -> None:
    text = README.read_text(encoding="utf-8")
    lines = len(text.splitlines())
    assert lines <= MAX_LINES, f"README.md has {lines} lines (at most {MAX_LINES}): move a design topic to a docs/ page"
    linked = re.findall(r"\]\((docs/[\w/.-]+\.md)\)", text)
    assert linked, "README.md links no design page in docs/"
    missing = [link for link in linked if not (ROOT / link).is_file()]
    assert not missing, f"README.md links pages that are not there: {', '.join(missing)}"
