"""Root conftest: the harness's plugins (``suite/``), then the step definitions of each
flow (``steps/``). Features live in features/, target profiles in targets/, the
embedded sandbox in sandbox/."""

pytest_plugins = [
    # the harness (suite.shard first: it shares the profile's limits out before suite.budget reads them)
    # suite.plan before suite.shard: pluggy calls trylast hooks registered earlier later, so --fit-budget
    # plans the whole selection and then the shard takes its part of the plan
    "suite.plan",
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
    "suite.selection",  # the header's first line, -m typos, an empty selection
    "suite.failures",  # a failed scenario: its sentence, step, picture and trace first
    # the step definitions
    "steps.common",
    "steps.sso",
    "steps.manufacturer",
    "steps.supplier",
    "steps.security",
]
