"""The suite's pytest plugin: picks the target, starts the embedded sandbox, and
hands steps and contract tests the target, its deployment and the run's ledger (the API
clients' fixtures live with the clients: steps/clients/fixtures.py).

Options::

    --target NAME|PATH      target profile (default: $SUITE_TARGET, else "sandbox")
    --sandbox-fault NAME    switch on a sandbox fault (repeatable; embedded target only)
    --real-time-waits       on a target without a test clock, wait in real time
                            instead of skipping time-limited scenarios
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from suite import http as policy
from suite.deployment import SANDBOX_VARIANTS, Deployment, deployment_for, profile_for_variant, variant_for
from suite.deviations import KnownDeviations
from suite.keys import DEPLOYMENT_KEY, TARGET_KEY, TARGET_PATH_KEY, ledger_of
from suite.requirements import DEFAULT_CATALOG, TAG, catalog
from suite.target import DEFAULT_TARGET, TARGET_ENV, Target, TargetError, chosen, load

# The run's request budget, a plugin of its own.
pytest_plugins = ["suite.budget"]


# Tags of the features, and what each selects (registered for --strict-markers).
MARKERS = {
    "sso": "Nomos portal single sign-on flow",
    "supplier": "supplier-initiated device linking flow (NOX)",
    "manufacturer": "manufacturer-initiated supplier linking flow (NOX)",
    "contract": "Schemathesis contract tests of the vendored schemas",
    "security": "security expectations: replay, expiry, tampering, redirects, forgery, leaks",
    "browser": "drives a real browser",
    "api": "drives the vendor APIs only",
    "clock": "moves the target's test clock (skipped on targets without one)",
    "slow": "takes noticeably longer than the rest",
    "pending": "cannot be verified yet; the scenario says why",
    "smoke": "the shortest path through a flow: run first against a fresh deployment",
    "hp": "heat pumps",
    "pv": "solar inverters",
    "sweep": "the sweep: every endpoint and page against the standards that bind it (tests/sweep)",
    "advisory": "a sweep check the docs leave open: a profile may accept a vendor's choice as a known deviation",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite", "target selection")
    group.addoption("--target", default=None, metavar="NAME|PATH",
                    help=f"target profile in targets/ or a .toml path (default: ${TARGET_ENV} or {DEFAULT_TARGET})")
    group.addoption("--sandbox-fault", action="append", default=[], metavar="NAME",
                    help="switch on a sandbox fault (repeatable); `python -m sandbox --list-faults` lists them")
    group.addoption("--sandbox-rate-limit", type=int, default=0, metavar="N",
                    help="the embedded sandbox answers every N-th API request with 429 and Retry-After")
    group.addoption("--sandbox-variant", choices=SANDBOX_VARIANTS, default="default",
                    help="the embedded sandbox's reading of the docs where they leave room; 'other' takes the "
                         "second reading, with its profile targets/sandbox-other.toml")
    group.addoption("--real-time-waits", action="store_true",
                    help="on a target without a test clock, wait in real time instead of skipping")


def configure(config: pytest.Config) -> Target:
    """Register the markers, read the target profile (stored: suite.keys.TARGET_KEY) and
    its known deviations; called first by suite/entry.py."""
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    requirements = catalog()
    if not requirements:
        raise pytest.UsageError(f"no requirements in {DEFAULT_CATALOG}: the checkout is incomplete; "
                                "restore docs/spec/requirements.md from git")
    for tag, requirement in requirements.items():
        config.addinivalue_line("markers", f"{tag}: {requirement.text[:80]}")

    worker = getattr(config, "workerinput", None)
    name = worker[TARGET_PATH_KEY] if worker and TARGET_PATH_KEY in worker else chosen(config.getoption("--target"))
    name = profile_for_variant(name, config.getoption("--sandbox-variant"))
    try:
        target = load(name, sandbox_faults=tuple(config.getoption("--sandbox-fault")))
        variant_for(target, config.getoption("--sandbox-variant"))  # a remote target has no variant
        if target.embedded and target.sandbox_faults:
            from sandbox.faults import Faults  # not at import: it loads the whole sandbox, which a remote run never needs

            Faults(target.sandbox_faults)  # unknown names fail now, in one line
    except (TargetError, ValueError) as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[TARGET_KEY] = target
    if target.deviations:
        config.pluginmanager.register(KnownDeviations(config, target.deviations, target.source.name), "energy-suite-deviations")
    return target


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker reads the profile the controller chose, by its path
    (a worker's working directory and environment need not resolve the name alike)."""
    node.workerinput[TARGET_PATH_KEY] = str(node.config.stash[TARGET_KEY].source)


def pytest_bdd_apply_tag(tag: str, function: object) -> object | None:
    """Requirement tags must name a requirement of the catalog (a typo fails the run)."""
    if TAG.match(tag) and tag not in catalog():
        raise pytest.UsageError(f"feature tag @{tag} names no requirement in requirements.md; fix the tag")
    return None  # then pytest-bdd's default applies the marker


# ------------------------------------------------------------------------- fixtures


@dataclass(frozen=True)
class Run:
    """Identifies this run; prefixes all test data it creates on a shared target."""

    id: str
    started: float

    def unique(self, label: str) -> str:
        return f"{label}-{self.id}-{secrets.token_hex(3)}"


@pytest.fixture(scope="session")
def run() -> Run:
    return Run(id=time.strftime("%Y%m%d%H%M%S") + "-" + secrets.token_hex(2), started=time.time())


@pytest.fixture(scope="session")
def deployment(pytestconfig: pytest.Config) -> Iterator[Deployment]:
    """What this worker runs against: the embedded sandbox (started here, once per
    worker) or a remote deployment (suite/deployment.py is the seam)."""
    chosen = deployment_for(pytestconfig.stash[TARGET_KEY], pytestconfig.getoption("--sandbox-rate-limit"),
                            pytestconfig.getoption("--sandbox-variant"))
    pytestconfig.stash[DEPLOYMENT_KEY] = chosen
    try:
        yield chosen
    finally:
        chosen.stop()


@pytest.fixture(scope="session")
def target(deployment: Deployment) -> Target:
    """The target of this run, every URL and secret bound."""
    return deployment.start()


@pytest.fixture(scope="session")
def ledger(pytestconfig: pytest.Config) -> policy.RequestLedger:
    """The run's request budget and pace, shared by every worker (suite/budget.py)."""
    return ledger_of(pytestconfig)
