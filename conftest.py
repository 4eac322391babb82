"""Root conftest: the harness's plugins (``suite/``), then the step definitions of each
flow (``steps/``). Features live in features/, target profiles in targets/, the
embedded sandbox in sandbox/."""

pytest_plugins = [
    # the harness's parts (their setup order is written out in suite/entry.py)
    "suite.shard",
    "suite.plugin",
    "suite.clock",
    "suite.guards",
    "suite.browser",
    "suite.evidence",
    "suite.browser_watch",
    "suite.reporting",
    "suite.living_doc",
    "suite.rerun",
    "suite.matrix",
    "suite.contract",
    "suite.entry",  # the one pytest_configure: after the parts, so pytest imports each part first
    # the API clients' fixtures, then the step definitions
    "steps.clients.fixtures",
    "steps.common",
    "steps.sso",
    "steps.manufacturer",
    "steps.supplier",
    "steps.security",
]
