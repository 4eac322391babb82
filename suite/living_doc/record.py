"""The run record: what one run (or several merged runs) did, machine-readable.

The document is rendered from this record and nothing else (besides the features and
the requirements catalog of the checkout), so runs on several machines can each save
their record (``reports/run-record.json``) and one document can be rendered from all
of them: :func:`merge` (or ``python -m suite.living_doc merge a.json b.json -o out.html``).

Format (``"format": "energy-suite/run-record/1"``)::

    run:   started, finished (epoch seconds), commit, code (commit + a hash of local
           changes), dirty, target {name, description, embedded, hosts}, seed,
           selection, faults, workers, shards; the nightly's: plan (suite/plan.py facts or
           null), run (its label), url, partial, proof_window_nights
    tests: one per node id: outcome (passed | failed | skipped | pending | xfailed |
           xpassed), reason, message, duration, requirements, flow, scenario,
           example {column: value}, ran_steps / failed_steps (feature line numbers),
           failed_step, pictures [{caption, step, path, sha256, thumb, thumb_sha256,
           lang, title, url, text, at_failure, marked, also}], artifacts {trace, video, screenshot},
           flaky, first_failure, deviations

Paths are relative to the directory of the record file; :meth:`RunRecord.load` makes
them absolute, :meth:`RunRecord.save` relative again, so a merged record may live
anywhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from suite.paths import ROOT

FORMAT = "energy-suite/run-record/1"
# The worse outcome wins when one test is reported twice (subtests, merged shards).
SEVERITY = ("failed", "xpassed", "passed", "xfailed", "skipped", "pending")


@dataclass
class TestRecord:
    __test__ = False  # a record, not a pytest test class
    nodeid: str
    outcome: str = "passed"
    reason: str = ""
    message: str = ""
    duration: float = 0.0
    requirements: list[str] = field(default_factory=list)
    flow: str = ""
    scenario: str = ""
    example: dict[str, str] = field(default_factory=dict)
    ran_steps: list[int] = field(default_factory=list)
    failed_steps: list[int] = field(default_factory=list)
    failed_step: str = ""
    pictures: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[str, list[str]] = field(default_factory=dict)
    flaky: str = ""
    first_failure: str = ""
    deviations: list[str] = field(default_factory=list)

    @property
    def function(self) -> str:
        return self.nodeid.split("::")[-1].split("[")[0]

    @property
    def example_id(self) -> str:
        return self.nodeid.rpartition("[")[2].rstrip("]") if self.nodeid.endswith("]") else ""

    @property
    def name(self) -> str:
        """A readable name: the scenario (and example), else the test's id."""
        if self.scenario:
            return self.scenario + (f" ({', '.join(self.example.values()) or self.example_id})" if self.example_id else "")
        return self.nodeid.split("::", 1)[-1]

    @property
    def is_scenario(self) -> bool:
        return bool(self.scenario)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TestRecord:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class RunRecord:
    run: dict[str, Any]
    tests: list[TestRecord]
    base: Path = field(default=ROOT / "reports", compare=False)  # where relative paths start

    def to_dict(self, base: Path | None = None) -> dict[str, Any]:
        relative_to = (base or self.base).resolve()
        tests = []
        for test in self.tests:
            data = asdict(test)
            data["pictures"] = [_paths(p, lambda v: _relative(self.path_of(v), relative_to)) for p in test.pictures]
            data["artifacts"] = {k: [_relative(self.path_of(v), relative_to) for v in vs] for k, vs in test.artifacts.items()}
            tests.append(data)
        return {"format": FORMAT, "run": self.run, "tests": tests}

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_dict(path.parent), indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> RunRecord:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{path}: not a readable run record ({exc}); pass a reports/run-record.json") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path}: not a run record of format {FORMAT!r}; pass a reports/run-record.json")
        base = path.parent.resolve()
        tests = [TestRecord.from_dict(t) for t in data.get("tests", [])]
        for test in tests:  # absolute in memory: records from several folders can be merged
            test.pictures = [_paths(p, lambda v: str(base / v)) for p in test.pictures]
            test.artifacts = {k: [str(base / v) for v in vs] for k, vs in test.artifacts.items()}
        return cls(run=data.get("run", {}), tests=tests, base=base)

    def path_of(self, relative: str) -> Path:
        return Path(relative) if os.path.isabs(relative) else self.base / relative


def _paths(picture: dict[str, Any], convert: Any) -> dict[str, Any]:
    return {k: (convert(v) if k in ("path", "thumb") and v else v) for k, v in picture.items()}


def _relative(path: Path, base: Path) -> str:
    return Path(os.path.relpath(path.resolve(), base)).as_posix()


# ------------------------------------------------------------------ one picture


def picture_problem(record: RunRecord, picture: dict[str, Any], key: str = "path") -> str:
    """Why a picture must not be shown (missing, or not the file taken then), or ''."""
    relative = picture.get(key)
    if not relative:
        return "no file"
    try:
        data = record.path_of(relative).read_bytes()
    except OSError:
        return "the file is missing"
    expected = picture.get("sha256" if key == "path" else "thumb_sha256")
    if hashlib.sha256(data).hexdigest() != expected:
        return "the file changed after the picture was taken (it may belong to another test or example)"
    return ""


# ------------------------------------------------------------------ merging


def worse(a: TestRecord, b: TestRecord) -> TestRecord:
    rank = {o: i for i, o in enumerate(SEVERITY)}
    return a if rank.get(a.outcome, 99) <= rank.get(b.outcome, 99) else b


def merge(records: list[RunRecord], base: Path) -> RunRecord:
    """One record of several runs (e.g. shards of the main job on several machines).

    A test reported by several records keeps its worst outcome. ``base`` is where the
    merged record (and its document) will live; picture paths stay absolute in memory.
    """
    if not records:
        raise ValueError("nothing to merge: pass at least one run record")
    runs = [r.run for r in records]

    def same(key: str) -> Any:
        values = [r.get(key) for r in runs]
        distinct = [v for i, v in enumerate(values) if v not in values[:i]]
        return distinct[0] if len(distinct) == 1 else distinct

    commits = sorted({str(r.get("commit", "unknown")) for r in runs})
    run = {
        "started": min(float(r.get("started", 0)) for r in runs),
        "finished": max(float(r.get("finished", 0)) for r in runs),
        "commit": commits[0] if len(commits) == 1 else "mixed: " + ", ".join(commits),
        "code": same("code") if isinstance(same("code"), str) else "mixed",
        "dirty": any(r.get("dirty") for r in runs),
        "target": same("target") if isinstance(same("target"), dict) else runs[0].get("target", {}),
        "seed": same("seed"),
        "selection": same("selection"),
        "faults": sorted({f for r in runs for f in r.get("faults", [])}),
        "workers": sum(int(r.get("workers") or 1) for r in runs),
        "shards": sum(int(r.get("shards") or 1) for r in runs),
        # the nightly's (suite/living_doc/proof.py): every shard followed the same plan
        "plan": same("plan") if not isinstance(same("plan"), list) else runs[0].get("plan"),
        "run": same("run") if isinstance(same("run"), str) else runs[0].get("run", ""),
        "url": same("url") if isinstance(same("url"), str) else runs[0].get("url", ""),
        "partial": any(r.get("partial") for r in runs),
        "proof_window_nights": max(int(r.get("proof_window_nights") or 7) for r in runs),
    }
    by_id: dict[str, TestRecord] = {}
    for record in records:
        for test in record.tests:
            test = _absolute(test, record)
            by_id[test.nodeid] = worse(by_id[test.nodeid], test) if test.nodeid in by_id else test
    return RunRecord(run=run, tests=list(by_id.values()), base=base.resolve())


def _absolute(test: TestRecord, record: RunRecord) -> TestRecord:
    copy = TestRecord.from_dict(asdict(test))
    copy.pictures = [_paths(p, lambda v: str(record.path_of(v))) for p in test.pictures]
    copy.artifacts = {k: [str(record.path_of(v)) for v in vs] for k, vs in test.artifacts.items()}
    return copy


# ------------------------------------------------------------------ the code under test


def code_version(root: Path = ROOT) -> dict[str, Any]:
    """The commit, whether the checkout has local changes, and a fingerprint of both:
    two runs with the same ``code`` ran the same code (what "flaky" compares)."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
        return done.stdout if done.returncode == 0 else ""

    try:
        sha = git("rev-parse", "--short", "HEAD").strip()
        diff = git("diff", "HEAD") if git("status", "--porcelain", "--untracked-files=no").strip() else ""
    except (OSError, subprocess.SubprocessError):
        sha, diff = "", ""
    sha = sha or os.environ.get("GITHUB_SHA", "")[:7] or "unknown"
    code = sha + (f"+{hashlib.sha1(diff.encode()).hexdigest()[:8]}" if diff else "")
    return {"commit": sha, "dirty": bool(diff), "code": code}


DEVIATION = re.compile(r"^\s*(?P<id>[^:]+?)\s*:\s*(?P<reason>.*?)\s*(?:\(until (?P<until>\d{4}-\d\d-\d\d)\))?\s*$")


def parse_deviation(text: str) -> dict[str, str]:
    """``"<id>: <reason> (until YYYY-MM-DD)"`` as parts; what does not parse is all reason."""
    match = DEVIATION.match(text)
    if not match:
        return {"id": "", "reason": text, "until": ""}
    return {"id": match["id"], "reason": match["reason"], "until": match["until"] or ""}
