"""A clone is enough: the spec and the vendor pages live in docs/, the suite reads them
from there, and every requirement of the catalog is named by a test.

Where a developer's machine has the upstream copy beside the checkout (``../shared``),
drift between the two is reported file by file, so the update gets copied in.
"""

from __future__ import annotations

import filecmp
import re
from pathlib import Path

import pytest

from suite.requirements import DOCS, catalog

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared"
FOLDERS = ("spec", "vendor-docs")


def drift(upstream: Path, ours: Path) -> list[str]:
    """Files that differ between ``upstream/<folder>`` and ``ours/<folder>``, one line each."""
    found = []
    for folder in FOLDERS:
        theirs = {p.relative_to(upstream) for p in (upstream / folder).rglob("*") if p.is_file()}
        mine = {p.relative_to(ours) for p in (ours / folder).rglob("*") if p.is_file()}
        found += [f"{p}: only in {upstream}" for p in sorted(theirs - mine)]
        found += [f"{p}: only in docs/" for p in sorted(mine - theirs)]
        found += [f"{p}: content differs" for p in sorted(theirs & mine)
                  if not filecmp.cmp(upstream / p, ours / p, shallow=False)]
    return found


def test_the_docs_are_in_the_checkout() -> None:
    for folder in FOLDERS:
        assert any((DOCS / folder).iterdir()), f"docs/{folder} is empty"
    assert catalog(), "docs/spec/requirements.md has no requirement rows"


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"no upstream copy at {UPSTREAM} to compare docs/ with")
def test_docs_match_the_upstream_copy() -> None:
    differing = drift(UPSTREAM, DOCS)
    assert not differing, (
        f"docs/ drifted from {UPSTREAM} (copy the upstream file into docs/, or send the project's edit upstream):\n  "
        + "\n  ".join(differing))


def test_drift_is_reported_file_by_file(tmp_path: Path) -> None:
    for folder in FOLDERS:
        (tmp_path / "up" / folder).mkdir(parents=True)
        (tmp_path / "ours" / folder).mkdir(parents=True)
    (tmp_path / "up" / "spec" / "a.md").write_text("new")
    (tmp_path / "ours" / "spec" / "a.md").write_text("old")
    (tmp_path / "up" / "vendor-docs" / "b.txt").write_text("b")
    (tmp_path / "ours" / "vendor-docs" / "c.txt").write_text("c")
    assert drift(tmp_path / "up", tmp_path / "ours") == [
        "spec/a.md: content differs", f"vendor-docs/b.txt: only in {tmp_path / 'up'}", "vendor-docs/c.txt: only in docs/"]


def test_every_requirement_is_named_by_a_test() -> None:
    """What ../shared/tools/req_coverage.py checks, inside the project: a feature tag
    (``@REQ-SSO-07``) or a test naming the ID."""
    texts = [p.read_text(encoding="utf-8") for pattern in ("features/**/*.feature", "tests/**/*.py")
             for p in ROOT.glob(pattern) if "selftest" not in p.parts]
    named = set(re.findall(r"REQ-(?:SSO|SUP|MAN|CON)-\d\d", "\n".join(texts)))
    missing = [tag for tag in catalog() if tag not in named]
    assert not missing, f"requirements no feature or test names: {', '.join(missing)}"
