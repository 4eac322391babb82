"""Root conftest: the harness's plugins (``suite/``), then the step definitions of each
flow (``steps/``). Features live in features/, target profiles in targets/, the
embedded sandbox in sandbox/."""

pytest_plugins = [
    # the harness (suite.shard first: it shares the profile's limits out before suite.budget reads them)
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
    # the step definitions
    "steps.common",
    "steps.sso",
    "steps.manufacturer",
    "steps.supplier",
    "steps.security",
    "steps.sweep",
]
