"""The harness's one ``pytest_configure``: every part's setup, in the order it needs
(as pytest-bdd's ``plugin.py`` calls each of its parts).

The parts stay plugins of their own (conftest.py lists them) for their other hooks and
fixtures; none has a ``pytest_configure``. Runs last of all ``pytest_configure`` hooks:
after pytest (JUnit), pytest-bdd (Cucumber), pytest-playwright and pytest-xdist set up
what the parts wrap. conftest.py registers this plugin after the parts, so pytest has
imported (and rewritten) each part before this module imports it.
"""

from __future__ import annotations

import pytest

import suite.living_doc as living_doc
from suite import browser, budget, clock, contract, matrix, plugin, reporting, rerun, selection, shard


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    target = plugin.configure(config)  # markers, the target profile, its known deviations
    share = shard.share(target, shard.configure(config))  # this shard's part of the budget and pace
    budget.configure(config, share)  # the run's ledger, on the share
    clock.configure(config, target)  # the clock lock and real waits
    contract.configure(config, share)  # cases per operation within the share, the seed
    browser.configure(config)  # refuse a browser option this machine cannot serve
    reporting.configure(config)  # mend the Cucumber writer
    rerun.configure(config)  # keep rerun attempts out of JUnit
    matrix.configure(config)  # --fault-matrix: record what each fault turned red
    living_doc.configure(config)  # the living document's collector
    selection.configure(config)  # a -m naming no known tag, flow or requirement: refused in one line
