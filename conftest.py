"""Root conftest: the harness's plugins (``suite/``), then the step definitions of each
flow (``steps/``). Features live in features/, target profiles in targets/, the
embedded sandbox in sandbox/."""

pytest_plugins = [
    # the harness's parts (their setup order is written out in suite/entry.py)
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
    "suite.entry",  # the one pytest_configure: after the parts, so pytest imports each part first
    # the API clients' fixtures, then the step definitions
    "steps.clients.fixtures",
    "steps.common",
    "steps.sso",
    "steps.manufacturer",
    "steps.supplier",
    "steps.security",
    "steps.sweep",
]
