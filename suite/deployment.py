"""The one seam between the suite and what it runs against.

A :class:`Deployment` turns a checked target profile into a live :class:`Target` and
tears it down again. There are two:

* :class:`EmbeddedSandbox` starts the sandbox in this process (one per xdist worker),
  binds the profile to the addresses and secrets it drew, and can switch its faults;
* :class:`RemoteDeployment` is somebody else's deployment (staging, or the sandbox
  served by ``python -m sandbox``): nothing to start, nothing to switch.

Everything else in the harness sees only the :class:`Target` a deployment hands out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from suite.target import DEFAULT_TARGET, URL_NAMES, Target, TargetError, Urls, bind_embedded

# The embedded sandbox's readings of the docs (sandbox/README.md, "Two readings") and the
# profile each is written for: the other reading has its own lifetimes and brand split.
VARIANT_PROFILES = {"default": DEFAULT_TARGET, "other": f"{DEFAULT_TARGET}-other"}
SANDBOX_VARIANTS = tuple(VARIANT_PROFILES)


def profile_for_variant(name: str, variant: str) -> str:
    """The profile to load: the variant's own when the run did not choose another."""
    return VARIANT_PROFILES[variant] if name == DEFAULT_TARGET else name


def variant_for(profile: Target, asked: str = "default") -> str:
    """The reading to start the sandbox in: the one asked for, else the one the profile is
    written for (``--target sandbox-other`` alone is enough)."""
    if asked != "default" and not profile.embedded:
        raise TargetError(f"--sandbox-variant only applies to the embedded sandbox, not to target {profile.name!r}")
    written = next((v for v, name in VARIANT_PROFILES.items() if name == profile.source.stem), "default")
    return asked if asked != "default" else written


class Deployment(Protocol):
    """What the harness needs from a target's deployment."""

    def start(self) -> Target:
        """Make the target reachable and return it with every URL and secret bound."""
        ...

    def stop(self) -> None: ...

    def switch_faults(self, names: Iterable[str]) -> None:
        """Switch exactly these sandbox faults on (the fault matrix); remote: refuse."""
        ...


class RemoteDeployment:
    """A deployment the suite did not start: the profile already says everything."""

    def __init__(self, profile: Target) -> None:
        self.profile = profile

    def start(self) -> Target:
        return self.profile

    def stop(self) -> None:
        return None

    def switch_faults(self, names: Iterable[str]) -> None:
        if list(names):
            raise RuntimeError(f"target {self.profile.name!r} is not the embedded sandbox: its faults cannot be switched")


class EmbeddedSandbox:
    """The sandbox, started in this process on free loopback addresses."""

    def __init__(self, profile: Target, rate_limit_every: int = 0, variant: str = "default") -> None:
        self.profile = profile
        self.rate_limit_every = rate_limit_every
        self.variant = variant
        self._running: object | None = None

    def start(self) -> Target:
        # not at import: only the embedded target loads the sandbox (starlette, uvicorn, every party)
        import sandbox
        from sandbox.seed import Seed  # (the same reason)

        seed = Seed.from_environment()
        running = sandbox.start(self.profile.sandbox_faults, seed=seed, rate_limit_every=self.rate_limit_every,
                                variant=self.variant)
        self._running = running
        urls = running.urls
        bound = Urls(**{name: getattr(urls, name) for name in URL_NAMES}, clock=urls.clock)
        return bind_embedded(self.profile, bound, seed.secrets)

    def stop(self) -> None:
        if self._running is not None:
            self._running.stop()  # type: ignore[attr-defined]
            self._running = None

    def switch_faults(self, names: Iterable[str]) -> None:
        if self._running is None:
            raise RuntimeError("the embedded sandbox is not running")
        self._running.world.faults.replace(list(names))  # type: ignore[attr-defined]


def deployment_for(profile: Target, rate_limit_every: int = 0, variant: str = "default") -> Deployment:
    """The deployment a checked profile describes."""
    if profile.embedded:
        return EmbeddedSandbox(profile, rate_limit_every=rate_limit_every, variant=variant_for(profile, variant))
    return RemoteDeployment(profile)
