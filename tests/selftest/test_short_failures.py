"""Short failures (issue 22): a failed scenario shows its sentence, the failing step and
where to look (picture, trace) first, and the project's frames only; pytest-bdd's
fixture internals only with ``--tb=long``. One scenario, one sandbox fault, two runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ["-k", "test_a_magic_link_works_only_once and signed", "--sandbox-fault", "portal-link-reusable"]


def run(tmp_path: Path, *extra: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("SUITE_TARGET",)}
    env["SUITE_REPORTS_DIR"] = str(tmp_path / "reports")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:randomly", "-q", *SCENARIO, "--living-doc", "none",
                           "--tracing", "retain-on-failure", *extra], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 1 and "1 failed" in done.stdout, done.stdout[-3000:] + done.stderr[-2000:]
    return done.stdout


def failure_section(out: str) -> list[str]:
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("_") and "test_a_magic_link_works_only_once" in line)
    end = next(i for i, line in enumerate(lines) if i > start and (line.startswith("requests to the target")
                                                                    or line.startswith("=")))
    return lines[start + 1:end]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, Path]]:
    short, long = tmp_path_factory.mktemp("short"), tmp_path_factory.mktemp("long")
    return {"auto": (run(short), short), "long": (run(long, "--tb=long"), long)}


def test_the_sentence_the_step_and_where_to_look_come_first(outputs: dict[str, tuple[str, Path]]) -> None:
    out, _ = outputs["auto"]
    section = failure_section(out)
    assert section[0].startswith("expected the portal to refuse the link"), section[:3]
    assert section[1] == "  step:    Then the portal refuses the link (features/portal_sso.feature:156)", section[1]
    picture = next(line for line in section if line.startswith("  picture: ")).split(": ", 1)[1].strip()
    trace = next(line for line in section if line.startswith("  trace: ")).split(": ", 1)[1].split(" (")[0].strip()
    assert (ROOT / picture).is_file() and picture.endswith(".jpg"), picture
    assert (ROOT / trace).is_file() and trace.endswith("trace.zip"), trace


def test_only_the_projects_frames_follow(outputs: dict[str, tuple[str, Path]]) -> None:
    out, _ = outputs["auto"]
    section = failure_section(out)
    assert len(section) <= 20, "\n".join(section)
    assert not [line for line in section if re.search(r"_pytest|pytest_bdd|site-packages|pluggy", line)], "\n".join(section)
    assert any(line.startswith("steps/pages/") for line in section) and section[-1].startswith("E   AssertionError: expected")


def test_tb_long_shows_everything(outputs: dict[str, tuple[str, Path]]) -> None:
    out, _ = outputs["long"]
    section = failure_section(out)
    assert any("call_fixture_func" in line for line in section) and len(section) > 30, "\n".join(section[:20])
    assert not any(line.startswith("  step:    ") for line in section)
