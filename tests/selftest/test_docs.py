"""A clone is enough: the spec and the vendor pages live in docs/, the suite reads them
from there, and every requirement of the catalog is named by a test.

docs/ is the project's copy: the project reads it and may edit it. Where a developer's
machine has the upstream copy beside the checkout (``../shared``), a change upstream
since the last sync is reported file by file, so it gets copied in. The last sync is
recorded in docs/upstream.sha256 (``sha256sum`` of the upstream files), so the
project's own edits are not mistaken for drift.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from suite.requirements import DOCS, catalog

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM = ROOT.parent / "shared"
FOLDERS = ("spec", "vendor-docs")
SYNCED = DOCS / "upstream.sha256"
SYNC = "(cd ../shared && sha256sum spec/* vendor-docs/*) > docs/upstream.sha256"


def digests(upstream: Path) -> dict[str, str]:
    return {p.relative_to(upstream).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in FOLDERS for p in sorted((upstream / folder).rglob("*")) if p.is_file()}


def recorded(path: Path = SYNCED) -> dict[str, str]:
    """The upstream files as they were when last copied into docs/: {path: sha256}."""
    return {name: digest for digest, _, name in (line.partition("  ") for line in path.read_text().splitlines() if line)}


def drift(upstream: Path, synced: dict[str, str]) -> list[str]:
    """Upstream files new, changed or gone since the last sync, one line each."""
    now = digests(upstream)
    found = []
    for name in sorted(now.keys() | synced.keys()):
        if name not in synced:
            found.append(f"{name}: new upstream")
        elif name not in now:
            found.append(f"{name}: gone upstream")
        elif now[name] != synced[name]:
            found.append(f"{name}: changed upstream")
    return found


def test_the_docs_are_in_the_checkout() -> None:
    for folder in FOLDERS:
        assert any((DOCS / folder).iterdir()), f"docs/{folder} is empty"
    assert catalog(), "docs/spec/requirements.md has no requirement rows"
    missing = [name for name in recorded() if not (DOCS / name).is_file()]
    assert not missing, f"docs/upstream.sha256 names files docs/ lacks: {', '.join(missing)}"


@pytest.mark.skipif(not UPSTREAM.is_dir(), reason=f"no upstream copy at {UPSTREAM} to compare docs/ with")
def test_docs_have_every_upstream_change() -> None:
    behind = drift(UPSTREAM, recorded())
    assert not behind, (
        f"{UPSTREAM} changed since docs/ was last synced:\n  " + "\n  ".join(behind)
        + f"\ncopy each into docs/ (merge it with the project's own edits, if any), then record the sync: {SYNC}")


def test_drift_is_reported_file_by_file(tmp_path: Path) -> None:
    for folder in FOLDERS:
        (tmp_path / folder).mkdir()
    (tmp_path / "spec" / "a.md").write_text("as synced")
    (tmp_path / "vendor-docs" / "b.txt").write_text("b")
    synced = digests(tmp_path)
    assert drift(tmp_path, synced) == []
    (tmp_path / "spec" / "a.md").write_text("changed upstream")
    (tmp_path / "vendor-docs" / "b.txt").unlink()
    (tmp_path / "vendor-docs" / "c.txt").write_text("c")
    assert drift(tmp_path, synced) == ["spec/a.md: changed upstream", "vendor-docs/b.txt: gone upstream",
                                       "vendor-docs/c.txt: new upstream"]


def test_every_requirement_is_named_by_a_test() -> None:
    """What ../shared/tools/req_coverage.py checks, inside the project: a feature tag
    (``@REQ-SSO-07``) or a test naming the ID."""
    texts = [p.read_text(encoding="utf-8") for pattern in ("features/**/*.feature", "tests/**/*.py")
             for p in ROOT.glob(pattern) if "selftest" not in p.parts]
    named = set(re.findall(r"REQ-(?:SSO|SUP|MAN|CON|SEC)-\d\d", "\n".join(texts)))
    missing = [tag for tag in catalog() if tag not in named]
    assert not missing, f"requirements no feature or test names: {', '.join(missing)}"
