"""The operations the vendored schemas declare (schemas/*.openapi.yaml): a leaf, read by
the contract tests (suite/contract.py) and the known deviations (suite/deviations.py)."""

from __future__ import annotations

import yaml

from suite.paths import SCHEMAS_DIR

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: every pytest start reads the schemas
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def vendored_operations() -> list[str]:
    """The operations the vendored schemas declare (each is fuzzed), as ``POST /path``."""
    labels = []
    for path in sorted(SCHEMAS_DIR.glob("*.openapi.yaml")):
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER) or {}
        labels += [f"{method.upper()} {route}" for route, item in document.get("paths", {}).items()
                   for method in item if method in METHODS]
    return labels
