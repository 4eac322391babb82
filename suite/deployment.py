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

from suite.target import URL_NAMES, Target, Urls, bind_embedded


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
        import sandbox
        from sandbox.seed import Seed

        seed = Seed.from_environment()
        running = sandbox.start(self.profile.sandbox_faults, seed=seed, rate_limit_every=self.rate_limit_every)
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


def deployment_for(profile: Target, rate_limit_every: int = 0) -> Deployment:
    """The deployment a checked profile describes."""
    if profile.embedded:
        return EmbeddedSandbox(profile, rate_limit_every=rate_limit_every)
    return RemoteDeployment(profile)
