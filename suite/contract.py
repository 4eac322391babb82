"""Contract fuzzing under the suite's rules: budget, seed, pace, 429s, counts.

Options::

    --contract-budget quick|thorough|N
                            generated cases per operation in the fuzzing phase:
                            quick = the profile's [limits] contract_max_examples (default),
                            thorough = at least 200, N = exactly N. On a remote target the
                            contract tests may spend at most half of the profile's
                            request_budget: thorough is capped there, a larger N is refused.
    --contract-seed N       the seed of the generated cases; without it one is drawn. Either
                            way the header and the summary print it, so any run replays.

Every generated request goes through :class:`PolicedTransport`, the Schemathesis
counterpart of ``suite.http``: only hosts of the target profile, within the request
budget, paced at ``[limits] requests_per_second``, with the profile's request timeout;
a 429 is waited out as its ``Retry-After`` asks (at most 3 times, at most 30 s each)
for generated cases and for Schemathesis' own auth probes alike. Tokens that answers
carry are registered as secrets before any check can print them.

The counts (cases and requests per operation) go to ``contract-summary.json`` in the
reports directory and to the terminal summary (suite/contract_tally.py).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from schemathesis.transport.prepare import prepare_url
from schemathesis.transport.requests import REQUESTS_TRANSPORT, ManagedCookiesSession, RequestsTransport

from suite import http as policy
from suite.budget import Costs
from suite.compat import openapi_auth as openapi_auth_config
from suite.compat import rename_item, use_transport
from suite.contract_tally import OperationStats, Tally, case_data, chain
from suite.deviations import known_checks, tolerated
from suite.keys import SETTINGS_KEY, settings
from suite.operations import vendored_operations
from suite.redaction import register
from suite.target import Target, allowed_hosts

THOROUGH_EXAMPLES = 200
# Phases of Schemathesis 4 that run under pytest: the schema's examples, the coverage
# cases derived from every constraint, and Hypothesis' generated fuzzing cases.
PHASES = ("examples", "coverage", "fuzzing")
# Keys of answer bodies that carry a credential (OAuth token answers).
TOKEN_KEYS = ("access_token", "refresh_token", "id_token")
SEED_KEY = "energy_suite_contract_seed"
TALLY_KEY = pytest.StashKey[Tally]()
_PROBE: Any = object()  # Schemathesis sends its auth probes without a `session` argument


# ------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ContractSettings:
    budget: str  # as given: quick, thorough or a number
    max_examples: int
    seed: int
    note: str = ""  # why the budget differs from what was asked, if it does

    def describe(self) -> str:
        note = f", {self.note}" if self.note else ""
        return (f"contract fuzzing: budget {self.budget} = {self.max_examples} generated cases per operation{note}; "
                f"seed {self.seed} (replay: --contract-seed {self.seed})")


def parse_budget(value: str) -> str | int:
    if value in ("quick", "thorough"):
        return value
    if value.isdigit() and int(value) > 0:
        return int(value)
    raise pytest.UsageError(
        f"--contract-budget {value!r} is not a budget; use quick, thorough or a positive number of cases per operation")


def parse_seed(value: str | None) -> int | None:
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    raise pytest.UsageError(f"--contract-seed {value!r} is not a seed; use a non-negative integer, e.g. --contract-seed 1234")


def remote_cap(target: Target, operations: list[str]) -> int | None:
    """Most cases per operation a remote target's request budget allows the contract
    tests: half of it (the rest is the features'), at what their phases were measured to
    send per operation (suite/request_costs.toml); None on the sandbox."""
    if target.embedded:
        return None
    costs = Costs.load()
    fixed = sum(costs.operation(label, 0) for label in operations)
    per_case = sum(costs.line(label)[1] for label in operations) or 1.0
    return max(1, int((target.limits.request_budget // 2 - fixed) / per_case))


def resolve_budget(choice: str | int, target: Target, operations: list[str]) -> tuple[int, str]:
    quick = target.limits.contract_max_examples
    cap = remote_cap(target, operations)
    if choice == "quick":
        return quick, ""
    if choice == "thorough":
        wanted = max(THOROUGH_EXAMPLES, quick)
        if cap is not None and wanted > max(cap, quick):
            allowed = max(cap, quick)
            return allowed, (f"capped from {wanted} by target {target.name!r}: request_budget "
                             f"{target.limits.request_budget} for {len(operations)} operations")
        return wanted, ""
    assert isinstance(choice, int)
    if cap is not None and choice > max(cap, quick):
        raise pytest.UsageError(
            f"--contract-budget {choice} is more than target {target.name!r} allows ({max(cap, quick)} cases per operation "
            f"with request_budget {target.limits.request_budget} for {len(operations)} operations); "
            "lower it, use thorough, or raise [limits] request_budget in the profile")
    return choice, ""


# ------------------------------------------------------------------------ transport


def remember_tokens(content: bytes) -> None:
    """Register the credentials an answer carries, before a check can print the body."""
    if b"token" not in content:
        return
    try:
        body = json.loads(content)
    except ValueError:
        return
    if isinstance(body, dict):
        for key in TOKEN_KEYS:
            if isinstance(body.get(key), str):
                register(body[key])


class PolicedTransport(RequestsTransport):
    """Schemathesis' requests transport under the suite's HTTP policy (suite/http.py, the
    same as the httpx clients'), with one keep-alive session (cookies dropped between
    requests) for every request."""

    def __init__(self, target: Target, ledger: policy.RequestLedger) -> None:
        super().__init__()
        self._serializers = REQUESTS_TRANSPORT._serializers  # shared: custom serializers apply here too
        self._policy = policy.Policy(allowed_hosts(target), ledger)
        self._session = ManagedCookiesSession()
        self._session.headers.clear()  # like a fresh Schemathesis session: no default headers
        self.stats: dict[str, OperationStats] = {}

    def send(self, case: Any, *, session: Any = _PROBE, **kwargs: Any) -> Any:
        stats = self.stats.setdefault(case.operation.label, OperationStats())
        if session is not _PROBE:
            stats.cases += 1
            stats.fingerprint = chain(stats.fingerprint, case_data(case))
        host = urlsplit(prepare_url(case, kwargs.get("base_url"))).hostname or ""
        session = self._session if session in (None, _PROBE) else session
        response = self._policy.send(host, lambda: RequestsTransport.send(self, case, session=session, **kwargs),
                                     stats, source="contract")
        remember_tokens(response.content)
        return response

    def close(self) -> None:
        self._session.close()


def police(schema: Any, transport: PolicedTransport) -> None:
    """Send every request of ``schema`` (and of its clones, one per test) through
    ``transport`` (suite/compat.py says how)."""
    use_transport(schema, transport)


@dataclass
class Contract:
    """What the contract tests' schema fixtures need: the settings and the transport."""

    target: Target
    settings: ContractSettings
    transport: PolicedTransport

    def configure(self, schema: Any, base_url: str, openapi_auth: dict[str, dict[str, str]] | None = None,
                  **auth: Any) -> Any:
        """Point ``schema`` at ``base_url`` with the run's budget, seed, phases, request
        timeout and transport; ``auth`` goes to Schemathesis' own config (``headers``,
        ``basic_auth``) so its negative cases without auth stay without auth.
        ``openapi_auth`` fills the schema's own security schemes by name (``{"Bearer":
        {"bearer": token}}``): then ``ignored_auth`` knows what to leave out."""
        if openapi_auth:
            schema.config.auth.openapi = openapi_auth_config(openapi_auth)
        if "basic_auth" in auth:
            user, password = auth["basic_auth"]
            register(base64.b64encode(f"{user}:{password}".encode()).decode())  # the header's form of the secret
        config = schema.config
        config.update(base_url=base_url, request_timeout=self.target.limits.request_timeout_seconds, **auth)
        # database "none": a run is its seed, not the seed plus examples saved by earlier runs
        config.generation.update(modes=["positive", "negative"], max_examples=self.settings.max_examples,
                                 database="none")
        for phase in PHASES:
            config.phases.get_by_name(name=phase).enabled = True
        config.seed = self.settings.seed
        police(schema, self.transport)
        return schema

    def validate(self, case: Any, excluded: Iterable[Callable[..., Any]] = ()) -> Any:
        """``case.call_and_validate`` with every check Schemathesis knows (its own and the
        registered promises) but ``excluded``; a check the profile lists as a known vendor
        deviation is tolerated and noted instead (suite/deviations.py)."""
        known = known_checks(self.target.deviations)
        return case.call_and_validate(excluded_checks=[*excluded, *known],
                                      additional_checks=[tolerated(check, d) for check, d in known.items()])


def operation(fixture: str, method: str, path: str) -> Operation:
    return Operation(fixture, method.upper(), path)


@dataclass
class Operation:
    """One vendored operation, fuzzed by one test: ``op.parametrize()`` decorates it.
    The test's node id carries the operation (``test_x[POST /path]``)."""

    fixture: str
    method: str
    path: str
    label: str = field(init=False)

    def __post_init__(self) -> None:
        self.label = f"{self.method} {self.path}"

    def parametrize(self) -> Callable[[Callable[..., Any]], Any]:
        lazy = schemathesis.pytest.from_fixture(self.fixture).include(method=self.method, path=self.path)

        def decorate(test: Callable[..., Any]) -> Any:
            wrapped = pytest.mark.contract(lazy.parametrize()(test))
            wrapped.contract_operation = self.label
            return wrapped

        return decorate


@pytest.fixture(scope="session")
def contract(pytestconfig: pytest.Config, target: Target, ledger: policy.RequestLedger) -> Generator[Contract, None, None]:
    transport = PolicedTransport(target, ledger)
    pytestconfig.stash[TALLY_KEY].transport = transport
    try:
        yield Contract(target, settings(pytestconfig), transport)
    finally:
        transport.close()


# ------------------------------------------------------------------------ the plugin


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("energy-suite")
    group.addoption("--contract-budget", default="quick", metavar="quick|thorough|N",
                    help="generated cases per operation in contract fuzzing: quick (the profile's contract_max_examples, "
                         f"default), thorough (at least {THOROUGH_EXAMPLES}, capped on remote targets) or a number")
    group.addoption("--contract-seed", default=None, metavar="N",
                    help="seed of contract fuzzing, to replay a run (default: drawn, and printed)")


def configure(config: pytest.Config, target: Target) -> None:
    """Settle the cases per operation and the seed for ``target`` (this shard's share of
    the profile's budget: suite/entry.py)."""
    choice = parse_budget(config.getoption("--contract-budget"))
    seed = parse_seed(config.getoption("--contract-seed"))
    worker = getattr(config, "workerinput", None)
    if worker is not None and SEED_KEY in worker:
        seed = int(worker[SEED_KEY])  # the controller's seed, drawn or given
    if seed is None:
        seed = secrets.randbelow(2**32)
    max_examples, note = resolve_budget(choice, target, vendored_operations())
    config.stash[SETTINGS_KEY] = ContractSettings(str(choice), max_examples, seed, note)
    tally = config.stash[TALLY_KEY] = Tally(config, config.stash[SETTINGS_KEY], PHASES)
    config.pluginmanager.register(tally, "energy-suite-contract-tally")


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker fuzzes with the controller's seed."""
    node.workerinput[SEED_KEY] = settings(node.config).seed


def pytest_report_header(config: pytest.Config) -> str:
    return settings(config).describe()


@pytest.hookimpl(tryfirst=True)  # before -k and -m look at the names
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        label = getattr(getattr(item, "function", None), "contract_operation", None)
        if label and not item.name.endswith(f"[{label}]"):
            rename_item(item, label)
