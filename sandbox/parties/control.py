"""The sandbox's control origin: the shared test clock (interfaces.md §3) and a health check."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from sandbox.faults import Fault
from sandbox.web import read_json
from sandbox.world import World

FAULTS: list[Fault] = []

MAX_ADVANCE = 10 * 365 * 24 * 3600


def build_app(world: World) -> Starlette:
    async def clock(request: Request) -> JSONResponse:
        if request.method == "POST":
            body, problem = await read_json(request)
            if problem:
                return JSONResponse({"error": problem}, status_code=400)
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= MAX_ADVANCE:
                return JSONResponse(
                    {"error": f"advance_seconds must be an integer from 0 to {MAX_ADVANCE}"},
                    status_code=400,
                )
            world.clock.advance(seconds)
        return JSONResponse({"now": world.clock.now()})

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "faults": sorted(world.faults.active)})

    return Starlette(
        routes=[
            Route("/clock", clock, methods=["GET", "POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )
