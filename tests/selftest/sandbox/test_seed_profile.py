"""The sandbox's seeded identities (sandbox/seed.py) agree with its target profiles
(targets/sandbox.toml, and targets/sandbox-other.toml for its other reading), which is
what the suite reads them from.

Both name the same people, accounts, devices and secrets: the seed because the sandbox
serves them, the profile because the suite must be able to run against a target it
did not seed. This test is what keeps the two from drifting apart.
"""

from __future__ import annotations

import pytest

from sandbox.parties.nomos_api import (
    MAGIC_LINK_LIFETIME_SECONDS,
    OTHER_MAGIC_LINK_LIFETIME_SECONDS,
    OTHER_PORTAL_SESSION_LIFETIME_SECONDS,
    PORTAL_SESSION_LIFETIME_SECONDS,
)
from sandbox.seed import ALL_BRANDS, SECRET_ENV, Seed, brand_split, terms_brands
from suite.target import URL_NAMES, Target, Urls, load, secret_env_names

BRAND_PASSWORD_ENV = "BRAND_ACCOUNT_PASSWORD"  # one password for every brand account (seed.py)


# profile -> the sandbox's reading (World.variant) it describes
PROFILES = {"sandbox": "default", "sandbox-other": "other"}
LIFETIMES = {"default": (MAGIC_LINK_LIFETIME_SECONDS, PORTAL_SESSION_LIFETIME_SECONDS),
             "other": (OTHER_MAGIC_LINK_LIFETIME_SECONDS, OTHER_PORTAL_SESSION_LIFETIME_SECONDS)}


@pytest.fixture(scope="module", params=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> Target:
    urls = Urls(*(f"http://{name}.invalid" for name in URL_NAMES))
    return load(request.param, env={}, bound_urls=urls)


def variant(profile: Target) -> str:
    return PROFILES[profile.name]


@pytest.fixture(scope="module")
def seed() -> Seed:
    return Seed(secrets={name: "x" for name in SECRET_ENV})


def env_name(secret: object) -> str:
    return str(getattr(secret, "source", "")).removeprefix("$")


def test_the_secrets_are_the_same_environment_variables(profile: Target) -> None:
    assert secret_env_names(profile) == set(SECRET_ENV), (
        f"{profile.source.name} and sandbox.seed.SECRET_ENV name different secret variables")


def test_partner_users_agree(profile: Target, seed: Seed) -> None:
    profiled = {(u.id, u.email) for u in profile.users.values()}
    seeded = {(u.id, u.email) for u in seed.partner_users}
    assert profiled == seeded, f"partner users: profile {sorted(profiled)} but seed {sorted(seeded)}"
    for role, user in profile.users.items():
        seeded_user = seed.partner_user(user.email)
        assert seeded_user is not None
        assert (seeded_user.name, seeded_user.nomos_customer_id, seeded_user.password_env) == (
            user.name, user.nomos_customer_id, env_name(user.password)), f"partner user {role} differs"
        customer = seed.customer(user.nomos_customer_id)
        assert customer is not None, f"Nomos has no customer {user.nomos_customer_id} for {role}"
        assert customer.name == user.name, f"customer {customer.id} is named {customer.name!r}, the profile says {user.name!r}"
        assert customer.has_subscription == (role == "subscribed"), f"{role}: has_subscription is {customer.has_subscription}"
        if user.invoice_id is not None:
            assert user.invoice_id in customer.invoices, f"{role}'s invoice {user.invoice_id} is not {customer.id}'s"


def test_brand_accounts_agree(profile: Target, seed: Seed) -> None:
    profiled = set()
    split, with_terms = brand_split(variant(profile)), terms_brands(variant(profile))
    for asset, brands in profile.brands.items():
        assert brands.brand in split[asset], f"{asset}: {brands.brand} is not a {asset} brand"
        assert brands.terms_brand in split[asset] and brands.terms_brand in with_terms, (
            f"{asset}: {brands.terms_brand} must be a {asset} brand whose sign-in asks for its terms")
        assert brands.other_type_brand in ALL_BRANDS and brands.other_type_brand not in split[asset], (
            f"{asset}: {brands.other_type_brand} must be a brand of the other asset type")
        devices = {a.device_id for a in brands.accounts}
        assert len(devices) == len(brands.accounts), f"{asset}: the brand accounts must own different devices"
        owned = [(brands.brand, a) for a in brands.accounts] + [(brands.terms_brand, brands.terms_account)]
        for brand, account in owned:
            assert env_name(account.password) == BRAND_PASSWORD_ENV
            profiled.add((brand, account.username, account.device_id))
    seeded = {(a.brand, a.username, a.device_id) for a in seed.brand_accounts}
    assert profiled == seeded, (
        f"brand accounts: only in the profile {sorted(profiled - seeded)}, only in the seed {sorted(seeded - profiled)}")


def test_nox_parties_agree(profile: Target, seed: Seed) -> None:
    nox = profile.nox
    assert (nox.supplier_name, nox.supplier_slug, env_name(nox.supplier_api_key)) == (
        seed.supplier.name, seed.supplier.slug, seed.supplier.key_env)
    assert (nox.manufacturer_name, env_name(nox.manufacturer_api_key)) == (seed.manufacturer.name, seed.manufacturer.key_env)
    assert nox.manufacturer_brand == seed.manufacturer.slug.title(), "NOX names the manufacturer's brand from its slug"
    assert nox.supplier_redirect_url == f"{profile.urls.partner_app}{seed.supplier.allowed_redirect_paths[0]}"
    assert nox.manufacturer_redirect_url == f"{profile.urls.manufacturer_app}{seed.manufacturer.allowed_redirect_paths[0]}"


def test_nomos_client_and_lifetimes_agree(profile: Target, seed: Seed) -> None:
    assert profile.nomos.client_id == seed.nomos_client_id
    assert env_name(profile.nomos.client_secret) == "NOMOS_CLIENT_SECRET"
    assert (profile.magic_link_lifetime, profile.portal_session_lifetime) == LIFETIMES[variant(profile)]


def test_the_brand_split_agrees(profile: Target) -> None:
    split = brand_split(variant(profile))
    for asset, brands in profile.brands.items():
        assert set(brands.offered) == set(split[asset]), (
            f"{asset}: only in the profile {sorted(set(brands.offered) - set(split[asset]))}, "
            f"only in the seed {sorted(set(split[asset]) - set(brands.offered))}")
