"""The state every sandbox party shares: one test clock, the switched-on faults,
the seeded identities and the URLs of the other parties.

All parties run in one asyncio event loop, and no handler awaits between reading
and writing shared state, so the world needs no locks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sandbox.faults import Faults
from sandbox.seed import Seed


class Clock:
    """Unix time plus an offset that only moves forward (interfaces.md §3)."""

    def __init__(self) -> None:
        self._offset = 0

    def now(self) -> int:
        return int(time.time()) + self._offset

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the test clock only moves forward")
        self._offset += seconds
        return self.now()


@dataclass(frozen=True)
class Urls:
    """Origins of the parties, without a trailing slash."""

    control: str
    partner_app: str
    nomos_api: str
    nomos_portal: str
    nox: str
    brands: str
    manufacturer_app: str

    @property
    def clock(self) -> str:
        return f"{self.control}/clock"


# Where the vendor pages and interfaces.md leave room, the parties take one reading by
# default and another in the "other" variant (sandbox/README.md, "Two readings"). The
# faults are honoured on the default reading; the other one proves the suite accepts both.
VARIANTS = ("default", "other")


@dataclass
class World:
    clock: Clock
    faults: Faults
    seed: Seed
    urls: Urls
    # Free-form per-party state; each party keeps its own key (e.g. "nomos", "nox").
    state: dict[str, object] = field(default_factory=dict)
    variant: str = "default"
    # Every lifetime of the parties times this (``python -m sandbox --lifetimes-scale``):
    # a deployment whose time limits can be waited for in real time, without its clock.
    lifetime_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown sandbox variant {self.variant!r}; choose one of {', '.join(VARIANTS)}")

    @property
    def other(self) -> bool:
        """True when the parties take the other reading wherever the docs leave room."""
        return self.variant == "other"

    def lifetime(self, seconds: int) -> int:
        """A lifetime of the parties (a token's, a link's, a session's), as this sandbox serves it."""
        return max(1, round(seconds * self.lifetime_scale))

    def faulty(self, name: str) -> bool:
        """True when the named fault is switched on. Names are checked against the catalog."""
        return self.faults.on(name)
