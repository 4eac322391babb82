"""The one module that owns the target profile.

A *target* is what the suite runs against: the embedded sandbox (the default) or a
remote deployment such as staging. Its profile (``targets/<name>.toml``) names every
URL, test identity and time limit; secrets appear only as references to environment
variables (read from the environment, then from ``.env``).

Everything that can be wrong with a profile is reported as a :class:`TargetError`
whose message is one line naming the problem and the fix.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dotenv import dotenv_values

from suite.deviations import Deviation
from suite.deviations import read as read_deviations
from suite.paths import ROOT, TARGETS_DIR
from suite.redaction import Secret

DEFAULT_TARGET = "sandbox"
TARGET_ENV = "SUITE_TARGET"
DOTENV = Path(os.environ.get("SUITE_DOTENV") or ROOT / ".env")  # another .env: SUITE_DOTENV=path
URL_NAMES = ("partner_app", "nomos_api", "nomos_portal", "nox", "manufacturer_app")
ASSET_TYPES = ("hp", "pv")
VENDORS = ("nomos", "nox")
FAMILIES = ("SSO", "SUP", "MAN", "CON", "SEC")
REQUIREMENT_ID = re.compile(r"^(SSO|SUP|MAN|CON|SEC)-\d\d$")
# Hosts whose names say they are not production. Anything else is treated as production.
TEST_HOST = re.compile(r"(^|[.-])(staging|stage|stg|test|testing|sandbox|dev|qa|acc|acceptance|preprod)([.-]|$)")


# "A few seconds" before or after a limit, where the depth scenarios look: wide enough for
# the steps between moving the clock and the request to run, narrow enough that a minute
# of grace or haste is caught (written here once: the steps and the living document say it).
EDGE_SECONDS = 10


class TargetError(Exception):
    """A problem with the target or its profile; the message is one actionable line."""


@dataclass(frozen=True)
class Urls:
    partner_app: str
    nomos_api: str
    nomos_portal: str
    nox: str
    manufacturer_app: str
    clock: str | None = None

    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in vars(self).values() if u}


@dataclass(frozen=True)
class Limits:
    request_budget: int
    requests_per_second: float
    request_timeout_seconds: float
    contract_max_examples: int
    # The longest real-time wait a run accepts on a target without a test clock; a
    # scenario that must wait longer is skipped with that reason (suite/clock.py).
    max_real_wait_seconds: int = 3600
    # How long a page object waits for an element a person would see (steps/pages/base.py),
    # unless the profile says (the one place this default is written):
    # a page that renders in the browser needs longer than one served whole from loopback.
    page_wait_seconds: float = 5.0


@dataclass(frozen=True)
class PartnerUser:
    role: str
    id: str
    email: str
    password: Secret
    name: str
    nomos_customer_id: str
    invoice_id: str | None = None


@dataclass(frozen=True)
class BrandAccount:
    username: str
    password: Secret
    device_id: str


@dataclass(frozen=True)
class AssetBrands:
    asset_type: str
    brand: str
    terms_brand: str
    other_type_brand: str
    accounts: tuple[BrandAccount, ...]
    terms_account: BrandAccount
    offered: tuple[str, ...] = ()  # every brand the target offers for this asset type (the brand split)


@dataclass(frozen=True)
class Nomos:
    client_id: str
    client_secret: Secret


@dataclass(frozen=True)
class Nox:
    supplier_name: str
    supplier_slug: str
    supplier_api_key: Secret
    supplier_redirect_url: str
    manufacturer_name: str
    manufacturer_brand: str
    manufacturer_api_key: Secret
    manufacturer_redirect_url: str


@dataclass(frozen=True)
class Owners:
    """Who decides (``[owners]``): per vendor (nomos, nox) and per requirement family
    (SSO, SUP, MAN, CON, SEC), and when a requirement not (fully) proved is looked at
    again (``[reviews]``, requirement ID = date). The living document names them."""

    vendors: Mapping[str, str] = field(default_factory=dict)
    families: Mapping[str, str] = field(default_factory=dict)
    reviews: Mapping[str, datetime.date] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    source: Path
    embedded: bool
    allow_production: bool
    magic_link_lifetime: int
    portal_session_lifetime: int
    limits: Limits
    urls: Urls
    nomos: Nomos
    nox: Nox
    users: Mapping[str, PartnerUser]
    brands: Mapping[str, AssetBrands]
    sandbox_faults: tuple[str, ...] = field(default=())
    # NOX's windows (documented: 10 and 15 minutes); a test deployment may shorten them.
    link_session_lifetime: int = 600
    sign_in_window: int = 900
    deviations: tuple[Deviation, ...] = ()  # known vendor deviations accepted for now (suite/deviations.py)
    # [nightly] proof_window_nights: the living document's verdict counts the requirements proved within these nights
    proof_window_nights: int = 7
    owners: Owners = field(default_factory=Owners)

    @property
    def has_clock(self) -> bool:
        return self.urls.clock is not None

    def user(self, role: str) -> PartnerUser:
        try:
            return self.users[role]
        except KeyError:
            raise TargetError(
                f"target {self.name!r} names no partner user {role!r}; add [partner_users.{role}] to {self.source.name}"
            ) from None

    def secrets(self) -> list[Secret]:
        found = [self.nomos.client_secret, self.nox.supplier_api_key, self.nox.manufacturer_api_key]
        found += [u.password for u in self.users.values()]
        for brands in self.brands.values():
            found += [a.password for a in (*brands.accounts, brands.terms_account)]
        return found


# --------------------------------------------------------------------------- loading


def profile_path(name_or_path: str) -> Path:
    """A name in targets/, or a path to a .toml file: absolute, or relative to the working
    directory, else to the checkout (where ``.env`` lives)."""
    candidate = Path(name_or_path).expanduser()
    if candidate.suffix != ".toml":
        return TARGETS_DIR / f"{name_or_path}.toml"
    if candidate.is_absolute():
        return candidate
    here = Path.cwd() / candidate
    return here if here.exists() or not (ROOT / candidate).exists() else ROOT / candidate


def environment(dotenv: Path = DOTENV) -> dict[str, str]:
    """The process environment over the values of ``.env`` (the environment wins)."""
    values = {k: v for k, v in dotenv_values(dotenv).items() if v is not None}
    values.update(os.environ)
    return values


def chosen(option: str | None, env: Mapping[str, str] | None = None) -> str:
    """The profile a run uses: ``--target``, else ``SUITE_TARGET`` (the environment, then
    ``.env``), else the embedded sandbox."""
    return option or (environment() if env is None else env).get(TARGET_ENV) or DEFAULT_TARGET


def chosen_from(option: str | None, env: Mapping[str, str] | None = None, dotenv: Path = DOTENV) -> str:
    """Where :func:`chosen` found the profile: ``--target``, ``$SUITE_TARGET``, ``.env`` or the default."""
    if option:
        return "--target"
    if (os.environ if env is None else env).get(TARGET_ENV):
        return f"${TARGET_ENV}"
    if dotenv_values(dotenv).get(TARGET_ENV):
        return f"{TARGET_ENV} in {dotenv.name}"
    return "the default"


class _Reader:
    """Reads one profile, naming the file and the key in every complaint."""

    def __init__(self, path: Path, data: dict[str, Any], env: Mapping[str, str], lenient: bool) -> None:
        self.path, self.data, self.env, self.lenient = path, data, env, lenient
        self.missing: list[str] = []

    def where(self, key: str) -> str:
        return f"{self.path.name} [{key.rpartition('.')[0] or key}] {key.rpartition('.')[2]}"

    def get(self, key: str, kind: type | tuple[type, ...] = str, default: Any = ...) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                if default is not ...:
                    return default
                raise TargetError(f"target profile {self.path.name} misses `{key}`; see targets/staging.example.toml")
            node = node[part]
        if not isinstance(node, kind) or (kind is not bool and isinstance(node, bool)):
            raise TargetError(f"target profile {self.path.name}: `{key}` has the wrong type; see targets/staging.example.toml")
        return node

    def secret(self, key: str, node: Any = None) -> Secret:
        node = self.get(key, object) if node is None else node
        name = node.get("env") if isinstance(node, dict) else None
        if not isinstance(name, str) or not name:
            raise TargetError(f"target profile {self.path.name}: `{key}` must be {{ env = \"VARIABLE\" }}, never a literal secret")
        value = self.env.get(name, "")
        if not value:
            if not self.lenient and name not in self.missing:  # the embedded sandbox draws its own
                self.missing.append(name)
            return Secret("", f"${name}")
        return Secret(value, f"${name}")

    def brand_split(self, key: str) -> tuple[str, ...]:
        offered = self.get(f"{key}.offered", list)
        if not offered or not all(isinstance(b, str) and b for b in offered):
            raise TargetError(f"target profile {self.path.name}: `{key}.offered` must list the brand slugs offered")
        return tuple(offered)

    def deviations(self) -> tuple[Deviation, ...]:
        try:
            return read_deviations(self.data.get("deviations"), self.path.name)
        except ValueError as exc:
            raise TargetError(str(exc)) from None

    def owners(self) -> Owners:
        """``[owners.vendors]``, ``[owners.families]`` (names) and ``[reviews]`` (dates); all optional."""
        tables = {"owners.vendors": VENDORS, "owners.families": FAMILIES}
        named: dict[str, dict[str, str]] = {}
        for key, allowed in tables.items():
            named[key] = dict(self.get(key, dict, {}))
            for name, who in named[key].items():
                if name not in allowed or not isinstance(who, str) or not who.strip():
                    raise TargetError(f"target profile {self.path.name}: `{key}.{name}` must be one of "
                                      f"{', '.join(allowed)} naming a person or team; see targets/staging.example.toml")
        reviews = dict(self.get("reviews", dict, {}))
        for tag, when in reviews.items():
            if not REQUIREMENT_ID.match(tag) or type(when) is not datetime.date:
                raise TargetError(f"target profile {self.path.name}: `reviews.{tag}` must be a requirement ID such as "
                                  "SUP-14 = 2027-01-15 (a date, unquoted); see targets/staging.example.toml")
        return Owners(named["owners.vendors"], named["owners.families"], reviews)

    def account(self, key: str, node: Any) -> BrandAccount:
        if not isinstance(node, dict):
            raise TargetError(f"target profile {self.path.name}: `{key}` must be a table with username, password, device_id")
        for part in ("username", "device_id"):
            if not isinstance(node.get(part), str):
                raise TargetError(f"target profile {self.path.name}: `{key}` misses `{part}`")
        return BrandAccount(node["username"], self.secret(f"{key}.password", node.get("password")), node["device_id"])


def load(
    name_or_path: str,
    env: Mapping[str, str] | None = None,
    sandbox_faults: tuple[str, ...] = (),
    bound_urls: Urls | None = None,
) -> Target:
    """Read and check a profile. For an embedded target the URLs (and unset secrets) are
    filled in by :func:`bind_embedded` once the sandbox runs."""
    path = profile_path(name_or_path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        known = ", ".join(sorted(p.stem for p in TARGETS_DIR.glob("*.toml")))
        raise TargetError(f"no target profile {path}; choose one of: {known} (or pass a path to a .toml file)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetError(f"cannot read target profile {path}: {exc}; check the file's permissions and encoding") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetError(f"target profile {path.name} is not valid TOML ({exc}); fix the file") from None

    env = environment() if env is None else env
    embedded = data.get("target", {}).get("embedded", False) is True
    r = _Reader(path, data, env, lenient=embedded)

    if embedded:
        urls = bound_urls or Urls(*(f"http://unbound-{n}.invalid" for n in URL_NAMES))
    else:
        raw = {n: r.get(f"urls.{n}") for n in URL_NAMES}
        raw["clock"] = r.get("urls.clock", str, None)
        for key, value in raw.items():
            if value is not None and urlsplit(value).scheme not in ("http", "https"):
                raise TargetError(f"target profile {path.name}: urls.{key} = {value!r} is not an http(s) URL")
        urls = Urls(**{k: v.rstrip("/") if v else v for k, v in raw.items()})
    if sandbox_faults and not embedded:
        raise TargetError(f"--sandbox-fault only applies to the embedded sandbox, not to target {path.stem!r}")

    def templated(key: str) -> str:
        return r.get(key).format(**{n: getattr(urls, n) for n in URL_NAMES})

    users = {}
    for role in r.get("partner_users", dict):
        key = f"partner_users.{role}"
        users[role] = PartnerUser(
            role=role,
            id=r.get(f"{key}.id"),
            email=r.get(f"{key}.email"),
            password=r.secret(f"{key}.password"),
            name=r.get(f"{key}.name"),
            nomos_customer_id=r.get(f"{key}.nomos_customer_id"),
            invoice_id=r.get(f"{key}.invoice_id", str, None),
        )
    for role in ("subscribed", "unsubscribed"):
        if role not in users:
            raise TargetError(f"target profile {path.name} misses [partner_users.{role}]; see targets/staging.example.toml")

    brands = {}
    for asset in ASSET_TYPES:
        key = f"brands.{asset}"
        accounts = tuple(r.account(f"{key}.accounts[{i}]", a) for i, a in enumerate(r.get(f"{key}.accounts", list)))
        if len(accounts) < 2:
            raise TargetError(f"target profile {path.name}: `{key}.accounts` needs two brand accounts owning different devices")
        brands[asset] = AssetBrands(
            asset_type=asset,
            brand=r.get(f"{key}.brand"),
            terms_brand=r.get(f"{key}.terms_brand"),
            other_type_brand=r.get(f"{key}.other_type_brand"),
            accounts=accounts,
            terms_account=r.account(f"{key}.terms_account", r.get(f"{key}.terms_account", dict)),
            offered=r.brand_split(key),
        )
        named = {"brand": brands[asset].brand, "terms_brand": brands[asset].terms_brand}
        for name, brand in named.items():
            if brand not in brands[asset].offered:
                raise TargetError(f"target profile {path.name}: `{key}.{name}` = {brand!r} is not in `{key}.offered`; add it")
        if brands[asset].other_type_brand in brands[asset].offered:
            raise TargetError(f"target profile {path.name}: `{key}.other_type_brand` must not be in `{key}.offered`")
    both = set(brands["hp"].offered) & set(brands["pv"].offered)
    if both:
        raise TargetError(f"target profile {path.name}: brand(s) {', '.join(sorted(both))} offered for both asset types; "
                          "each brand belongs to one")

    page_wait = float(r.get("limits.page_wait_seconds", (int, float), Limits.page_wait_seconds))
    if page_wait <= 0:  # Playwright reads 0 as "wait for ever"
        raise TargetError(f"target profile {path.name}: `limits.page_wait_seconds` must be above 0; see "
                          "targets/staging.example.toml")
    window = r.get("nightly.proof_window_nights", int, 7)
    if window < 1:
        raise TargetError(f"target profile {path.name}: `nightly.proof_window_nights` must be 1 or more; see "
                          "targets/staging.example.toml")
    target = Target(
        name=r.get("target.name"),
        description=r.get("target.description", str, ""),
        source=path,
        embedded=embedded,
        allow_production=r.get("target.allow_production", bool, False),
        magic_link_lifetime=r.get("target.magic_link_lifetime_seconds", int),
        portal_session_lifetime=r.get("target.portal_session_lifetime_seconds", int),
        limits=Limits(
            request_budget=r.get("limits.request_budget", int),
            requests_per_second=float(r.get("limits.requests_per_second", (int, float))),
            request_timeout_seconds=float(r.get("limits.request_timeout_seconds", (int, float))),
            contract_max_examples=r.get("limits.contract_max_examples", int),
            max_real_wait_seconds=r.get("limits.max_real_wait_seconds", int, Limits.max_real_wait_seconds),
            page_wait_seconds=page_wait,
        ),
        urls=urls,
        nomos=Nomos(r.get("nomos.client_id"), r.secret("nomos.client_secret")),
        nox=Nox(
            supplier_name=r.get("nox.supplier_name"),
            supplier_slug=r.get("nox.supplier_slug"),
            supplier_api_key=r.secret("nox.supplier_api_key"),
            supplier_redirect_url=templated("nox.supplier_redirect_url"),
            manufacturer_name=r.get("nox.manufacturer_name"),
            manufacturer_brand=r.get("nox.manufacturer_brand"),
            manufacturer_api_key=r.secret("nox.manufacturer_api_key"),
            manufacturer_redirect_url=templated("nox.manufacturer_redirect_url"),
        ),
        users=users,
        brands=brands,
        sandbox_faults=sandbox_faults,
        link_session_lifetime=r.get("target.link_session_lifetime_seconds", int, 600),
        sign_in_window=r.get("target.sign_in_window_seconds", int, 900),
        deviations=r.deviations(),
        proof_window_nights=window,
        owners=r.owners(),
    )
    if r.missing:
        raise TargetError(
            f"environment variable(s) {', '.join(r.missing)} not set (secrets of {path.name}); "
            "export them or add `NAME=value` lines to .env"
        )
    if not embedded:
        check_hosts(target)
    return target


def secret_env_names(target: Target) -> set[str]:
    return {s.source.removeprefix("$") for s in target.secrets()}


def bind_embedded(target: Target, urls: Urls, secrets: Mapping[str, str]) -> Target:
    """Re-read an embedded profile with the running sandbox's URLs and secrets."""
    return load(
        str(target.source), env={**environment(), **secrets}, sandbox_faults=target.sandbox_faults, bound_urls=urls
    )


# ------------------------------------------------------------------------ host safety


def is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def looks_like_production(host: str) -> bool:
    return not (is_loopback(host) or TEST_HOST.search(host.lower()))


def check_hosts(target: Target) -> None:
    """Refuse production-looking hosts unless the profile explicitly allows them."""
    if target.allow_production:
        return
    risky = sorted(h for h in target.urls.hosts() if looks_like_production(h))
    if risky:
        raise TargetError(
            f"target {target.name!r} points at production-looking host(s) {', '.join(risky)}; "
            f"use a staging host, or set allow_production = true in {target.source.name} if you really mean it"
        )


def allowed_hosts(target: Target) -> frozenset[str]:
    return frozenset(target.urls.hosts())
