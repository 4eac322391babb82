"""Placeholder: replaced by the party's implementation."""

from __future__ import annotations

from starlette.applications import Starlette

from sandbox.faults import Fault
from sandbox.world import World

FAULTS: list[Fault] = []


def build_app(world: World) -> Starlette:
    return Starlette(routes=[])
