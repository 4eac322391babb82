"""What a run is about, said first; a selection that cannot mean anything, refused.

* **The header's first line** names the target (its name, its profile, and where the
  choice came from: ``--target``, ``$SUITE_TARGET`` or ``.env``), the browser and the
  request budget: a ``SUITE_TARGET`` in ``.env`` or in CI never changes what is tested
  unseen.
* **A typo in** ``-m`` (a tag, flow or requirement no test can carry, e.g. ``REQ-SSO-9``)
  is refused before collection in one line naming the closest known ones; pytest's
  ``--strict-markers`` only checks the marks tests carry, not the expression.
* **A selection of nothing** says so in one line (pytest still exits 5).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

import pytest

from suite.browser import ENDPOINT_ENV, playwright_endpoint, shown_endpoint
from suite.budget import shown
from suite.compat import mark_names
from suite.keys import shard_of, target_or_none
from suite.shard import share
from suite.target import chosen_from

MARKER_NAME = re.compile(r"^([\w.-]+)")


def known_marks(config: pytest.Config) -> set[str]:
    """Every registered marker (tags, flows, requirement IDs, pytest's and plugins')."""
    names = set()
    for line in config.getini("markers"):
        found = MARKER_NAME.match(line)
        if found:
            names.add(found.group(1))
    return names


def names_in(expression: str) -> list[str]:
    """The marker names an ``-m`` expression asks for (keyword arguments' names and values left out)."""
    return mark_names(expression)


def typo(expression: str, known: set[str]) -> str | None:
    """One line for the first unknown name in ``expression``, or None."""
    try:
        names = names_in(expression)
    except Exception:  # pytest says itself what is wrong with the expression's syntax
        return None
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        if not close:
            close = difflib.get_close_matches(name.lower(), sorted(k.lower() for k in known), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}? " if close else ""
        return (f"-m {expression!r}: no tag, flow or requirement is called {name!r}; {hint}"
                "`pytest --markers` lists them")
    return None


def configure(config: pytest.Config) -> None:
    """Refuse a ``-m`` naming no known mark (called last by suite/entry.py: every plugin has
    registered its markers by then)."""
    expression = getattr(config.option, "markexpr", "") or ""
    if expression and not hasattr(config, "workerinput"):
        line = typo(expression, known_marks(config))
        if line:
            raise pytest.UsageError(line)


# ------------------------------------------------------------------------ the header


def browser_words(config: pytest.Config) -> str:
    browsers = config.getoption("--browser", None) or ["chromium"]
    name = ", ".join(browsers)
    channel = config.getoption("--browser-channel", None)
    name += f" ({channel})" if channel else ""
    endpoint = playwright_endpoint()
    if endpoint:
        return f"{name} on the Playwright server at {shown_endpoint(endpoint)} (${ENDPOINT_ENV})"
    return f"{name}, {'headed' if config.getoption('--headed', False) else 'headless'}"


def first_line(config: pytest.Config) -> str | None:
    target = target_or_none(config)
    if target is None:
        return None
    limits = share(target, shard_of(config)).limits  # the stored target is the whole profile's
    source = chosen_from(config.getoption("--target"))
    if config.getoption("--sandbox-variant", "default") != "default":
        source += f", --sandbox-variant {config.getoption('--sandbox-variant')}"
    part = " (this shard's share)" if config.getoption("--shard", None) else ""
    pace = f"at {limits.requests_per_second:g}/s" if limits.requests_per_second > 0 else "unpaced"
    return (f"target: {target.name} ({shown(target.source)}, chosen by {source}); browser: {browser_words(config)}; "
            f"request budget: {limits.request_budget} requests {pace}{part}")


@pytest.hookimpl(trylast=True)  # called last, printed first: pytest prints the header's lines in reverse
def pytest_report_header(config: pytest.Config) -> str | None:
    return first_line(config)


# ----------------------------------------------------------------- nothing selected


class Nothing:
    def __init__(self) -> None:
        self.deselected = 0

    def pytest_deselected(self, items: list[Any]) -> None:
        self.deselected += len(items)


NOTHING_KEY = pytest.StashKey[Nothing]()


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    nothing = session.config.stash[NOTHING_KEY] = Nothing()
    session.config.pluginmanager.register(nothing, "energy-suite-nothing-selected")


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if exitstatus != pytest.ExitCode.NO_TESTS_COLLECTED or hasattr(config, "workerinput"):
        return
    option = config.option
    chosen = " and ".join(filter(None, (f"-m {option.markexpr!r}" if getattr(option, "markexpr", "") else "",
                                        f"-k {option.keyword!r}" if getattr(option, "keyword", "") else "")))
    nothing = config.stash.get(NOTHING_KEY, None)
    among = f" of the {nothing.deselected} collected" if nothing and nothing.deselected else ""
    terminalreporter.write_line(
        f"nothing selected: {chosen or 'the arguments'} matched no test{among} (exit code 5); "
        "`pytest --collect-only -q` lists the tests, `pytest --markers` the tags", red=True, bold=True)
