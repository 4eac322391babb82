"""``python -m suite.shard merge …`` and ``python -m suite.living_doc …`` under a Python
without the suite's dependencies (a plain ``python`` beside the set-up's ``.venv``):
one line naming the interpreter that works, instead of a traceback."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Import names of the dependencies the commands need (pyproject.toml pins them).
NEEDED = ("pytest", "pytest_bdd", "playwright", "httpx", "dotenv", "yaml")


def missing(names: Sequence[str] = NEEDED) -> list[str]:
    return [name for name in names if importlib.util.find_spec(name) is None]


def advice(absent: Sequence[str], executable: str = sys.executable) -> str:
    venv = ROOT / ".venv" / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    where = f"run it with {venv}" if venv.exists() else "run scripts/setup, then use .venv/bin/python"
    return (f"error: {executable} lacks the suite's dependencies ({', '.join(absent)}); {where} "
            "(or `python -m pip install .` into this one)")


def refuse_without_dependencies(names: Sequence[str] = NEEDED) -> None:
    absent = missing(names)
    if absent:
        print(advice(absent), file=sys.stderr)
        raise SystemExit(2)
