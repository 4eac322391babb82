"""Root conftest: the suite's plugins. Step definitions live in steps/, features in
features/, target profiles in targets/, the embedded sandbox in sandbox/."""

pytest_plugins = [
    "steps.plugin",
    "steps.guards",
    "steps.browser",
    "steps.evidence",
    "steps.common",
    "steps.browser_watch",
    "steps.sso",
    "steps.manufacturer",
    "steps.supplier",
    "steps.reporting",
    "steps.living_doc",
    "steps.matrix",
    "steps.contract",
]
