"""The test identities the sandbox seeds (interfaces.md §4).

Names and ids here must agree with ``targets/sandbox.toml`` (the suite reads them from
there); tests/selftest/sandbox/test_seed_profile.py fails when they drift apart. Secrets
do not live in either. Each secret is read from the environment variable the profile names, so a
run can inject canary values, and is otherwise drawn at random per sandbox start.
"""

from __future__ import annotations

import os
import secrets as _secrets
from dataclasses import dataclass, field

# Environment variables holding the sandbox's secrets (also named in targets/sandbox.toml).
SECRET_ENV = (
    "NOMOS_CLIENT_SECRET",
    "NOX_SUPPLIER_API_KEY",
    "NOX_MANUFACTURER_API_KEY",
    "PARTNER_ALICE_PASSWORD",
    "PARTNER_BOB_PASSWORD",
    "BRAND_ACCOUNT_PASSWORD",
)

HP_BRANDS = (
    "alpha-innotec", "atlantic", "bosch", "buderus", "bulex", "ctc", "daikin", "dewarmte",
    "fujitsu", "hitachi", "ivt", "lg", "midea", "mitsubishi", "nibe", "panasonic",
    "samsung", "saunier-duval", "thermia", "thermor", "toshiba", "vaillant", "viessmann",
)
PV_BRANDS = (
    "alpha-ess", "apsystems", "deye", "enphase", "felicity-solar", "fox-ess", "fronius",
    "goodwe", "growatt", "hoymiles", "huawei", "hyxipower", "ilumen", "ja-solar", "jaspi",
    "jinkosolar", "kostal", "longi", "saj", "sanyo", "sigenergy", "sma", "sofar",
    "solaredge", "solarman", "solarwatt", "solax", "solis", "sungrow", "sunpower",
    "talesun", "trinasolar", "victron",
)
# Assumption: NOX publishes one brand enum for both asset types and says a brand "must
# be valid for the given asset_type" without the mapping. The sandbox splits the enum
# by what each manufacturer is known for; every slug sits in exactly one asset type.
BRANDS_BY_ASSET = {"hp": HP_BRANDS, "pv": PV_BRANDS}
ALL_BRANDS = tuple(sorted(HP_BRANDS + PV_BRANDS))
# Brands whose sign-in page asks the user to accept the manufacturer's terms.
TERMS_BRANDS = frozenset({"vaillant", "huawei"})
# The other reading (World.variant "other"): makers of both kinds of device sit with the
# solar inverters instead, and the usual brands ask for their terms too ("Depending on
# the brand, the user also accepts the manufacturer's terms"). targets/sandbox-other.toml
# lists the same split.
BOTH_KINDS = ("lg", "panasonic", "samsung")
OTHER_BRANDS_BY_ASSET = {
    "hp": tuple(b for b in HP_BRANDS if b not in BOTH_KINDS),
    "pv": tuple(sorted(PV_BRANDS + BOTH_KINDS)),
}
OTHER_TERMS_BRANDS = TERMS_BRANDS | {"daikin", "sma"}


def brand_split(variant: str) -> dict[str, tuple[str, ...]]:
    """Which brands NOX offers for each asset type, in the sandbox's reading ``variant``."""
    return OTHER_BRANDS_BY_ASSET if variant == "other" else BRANDS_BY_ASSET


def terms_brands(variant: str) -> frozenset[str]:
    """The brands whose sign-in page asks for their terms, in the reading ``variant``."""
    return OTHER_TERMS_BRANDS if variant == "other" else TERMS_BRANDS
LANGUAGES = ("nl", "en", "fr", "es")
# Display names where the slug's title case would be wrong.
_DISPLAY = {
    "alpha-ess": "AlphaESS", "apsystems": "APsystems", "ctc": "CTC", "dewarmte": "DeWarmte",
    "fox-ess": "FoxESS", "goodwe": "GoodWe", "ivt": "IVT", "ja-solar": "JA Solar",
    "jinkosolar": "JinkoSolar", "lg": "LG", "saj": "SAJ", "sma": "SMA", "solaredge": "SolarEdge",
    "sunpower": "SunPower", "trinasolar": "Trina Solar",
}


def display_name(slug: str) -> str:
    """A brand's name as people write it (``saunier-duval`` -> ``Saunier Duval``)."""
    return _DISPLAY.get(slug) or " ".join(part.capitalize() for part in slug.split("-"))


@dataclass(frozen=True)
class PartnerUser:
    id: str  # the partner's internal user id: NOX's supplier_user_id
    email: str
    password_env: str
    name: str
    nomos_customer_id: str


@dataclass(frozen=True)
class NomosCustomer:
    id: str
    name: str
    has_subscription: bool
    invoices: tuple[str, ...] = ()


@dataclass(frozen=True)
class BrandAccount:
    brand: str
    username: str
    device_id: str


@dataclass(frozen=True)
class ApiClient:
    """A NOX API key holder: a supplier or a manufacturer."""

    key_env: str
    name: str
    slug: str
    allowed_redirect_paths: tuple[str, ...]  # on the holder's own origin


@dataclass
class Seed:
    secrets: dict[str, str]
    nomos_client_id: str = "partner-suite"
    partner_users: tuple[PartnerUser, ...] = (
        PartnerUser("usr_alice", "alice@partner.test", "PARTNER_ALICE_PASSWORD", "Alice Janssen", "cus_alice"),
        PartnerUser("usr_bob", "bob@partner.test", "PARTNER_BOB_PASSWORD", "Bob Peeters", "cus_bob"),
    )
    customers: tuple[NomosCustomer, ...] = (
        NomosCustomer("cus_alice", "Alice Janssen", True, ("inv_abc", "inv_def")),
        NomosCustomer("cus_bob", "Bob Peeters", False),
    )
    supplier: ApiClient = ApiClient("NOX_SUPPLIER_API_KEY", "Helios Energie", "helios", ("/callback",))
    manufacturer: ApiClient = ApiClient(
        "NOX_MANUFACTURER_API_KEY", "Daikin Europe", "daikin", ("/linked",)
    )
    # Other suppliers listed by NOX's supplier selector (no OAuth page in the sandbox).
    other_suppliers: tuple[tuple[str, str], ...] = (("voltera", "Voltera"), ("zonstroom", "Zonstroom"))
    brand_accounts: tuple[BrandAccount, ...] = field(
        default_factory=lambda: (
            BrandAccount("daikin", "daikin-owner-1", "daikin-hp-0001"),
            BrandAccount("daikin", "daikin-owner-2", "daikin-hp-0002"),
            BrandAccount("vaillant", "vaillant-owner-1", "vaillant-hp-0001"),
            BrandAccount("sma", "sma-owner-1", "sma-pv-0001"),
            BrandAccount("sma", "sma-owner-2", "sma-pv-0002"),
            BrandAccount("huawei", "huawei-owner-1", "huawei-pv-0001"),
        )
    )

    @classmethod
    def from_environment(cls) -> Seed:
        values = {name: os.environ.get(name) or _secrets.token_urlsafe(18) for name in SECRET_ENV}
        return cls(secrets=values)

    def secret(self, env_name: str) -> str:
        return self.secrets[env_name]

    def customer(self, customer_id: str) -> NomosCustomer | None:
        return next((c for c in self.customers if c.id == customer_id), None)

    def partner_user(self, email: str) -> PartnerUser | None:
        return next((u for u in self.partner_users if u.email.lower() == email.lower()), None)

    def brand_account(self, username: str) -> BrandAccount | None:
        return next((a for a in self.brand_accounts if a.username == username), None)
