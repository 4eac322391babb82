"""The stash keys the harness's parts share, and their accessors (as Schemathesis keeps
``pytest/_keys.py``).

A leaf: it imports no other suite module at run time (the types below are for the type
checker only), so a part reads what another part stored without importing that part.
Who stores what is in suite/entry.py, in the order it happens.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from suite.budget import RunBudget
    from suite.clock import TimeKeeper
    from suite.contract import ContractSettings
    from suite.deployment import Deployment
    from suite.http import RequestLedger
    from suite.shard import Shard
    from suite.target import Target

TARGET_KEY = pytest.StashKey["Target"]()  # the profile as read (suite/plugin.py)
TARGET_PATH_KEY = "energy_suite_target"  # workerinput: the profile's path, as the controller chose it
DEPLOYMENT_KEY = pytest.StashKey["Deployment"]()  # what this worker runs against (suite/plugin.py)
SHARD_KEY = pytest.StashKey["Shard"]()  # --shard i/n (suite/shard.py)
LEDGER_KEY = pytest.StashKey["RequestLedger"]()  # the run's request budget (suite/budget.py)
KEEPER_KEY = pytest.StashKey["TimeKeeper"]()  # the clock lock and real waits (suite/clock.py)
SETTINGS_KEY = pytest.StashKey["ContractSettings"]()  # contract fuzzing's budget and seed (suite/contract.py)
BUDGET_KEY = pytest.StashKey["RunBudget"]()  # the run's folder, shared by its workers, and its estimate (suite/budget.py)
PLAN_FACTS_KEY = pytest.StashKey[dict[str, Any]]()  # --fit-budget's plan, on the controller too (suite/plan.py)


def target_of(config: pytest.Config) -> Target:
    return config.stash[TARGET_KEY]


def target_or_none(config: pytest.Config) -> Target | None:
    """The target, or None before it was read (or when reading it failed)."""
    return config.stash.get(TARGET_KEY, None)


def deployment_of(config: pytest.Config) -> Deployment:
    return config.stash[DEPLOYMENT_KEY]


def shard_of(config: pytest.Config) -> Shard | None:
    return config.stash.get(SHARD_KEY, None)


def ledger_of(config: pytest.Config) -> RequestLedger:
    return config.stash[LEDGER_KEY]


def keeper_of(config: pytest.Config) -> TimeKeeper:
    return config.stash[KEEPER_KEY]


def settings(config: pytest.Config) -> ContractSettings:
    return config.stash[SETTINGS_KEY]


def budget_of(config: pytest.Config) -> RunBudget:
    return config.stash[BUDGET_KEY]


def plan_facts_of(config: pytest.Config) -> dict[str, Any] | None:
    """The plan this run followed, as the run record keeps it (None: no --fit-budget)."""
    return config.stash.get(PLAN_FACTS_KEY, None)
