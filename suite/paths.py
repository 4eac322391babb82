"""Where things are: the checkout's folders and the reports folder, defined once.

A leaf: it imports nothing of the suite, so any module may import it at load time (the
plugins among them, before pytest has registered them).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS_DIR = ROOT / "targets"
SCHEMAS_DIR = ROOT / "schemas"
FEATURES_DIR = ROOT / "features"
DOCS_DIR = ROOT / "docs"
# Every report of a run goes here; another folder: SUITE_REPORTS_DIR=path.
REPORTS_DIR = Path(os.environ.get("SUITE_REPORTS_DIR", ROOT / "reports"))
