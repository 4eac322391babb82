"""Serving the sandbox as an ordinary remote target: ``python -m sandbox --write-profile PATH``.

The suite then runs against it as against staging (``--target PATH``): one instance shared
by every worker, nothing started or switched by the suite. The profile written is the
embedded one's (``targets/sandbox.toml``, or ``sandbox-other.toml`` for that reading) with
``embedded = false``, the URLs this sandbox serves, the lifetimes it serves (shortened by
``--lifetimes-scale``) and, unless ``--hide-clock``, the test clock. Secrets never go into
the profile: it names environment variables, which the sandbox reads too (else it draws
values); ``--env-file PATH`` writes them as ``export NAME=value`` lines (shell-quoted), readable only by
the owner, for the shell or the suite's ``.env`` to pick up.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from pathlib import Path

from sandbox.parties.nomos_api import magic_link_lifetime, portal_session_lifetime
from sandbox.parties.nox.state import AUTH_SESSION_LIFETIME, SESSION_LIFETIME
from sandbox.server import Sandbox
from sandbox.world import World

TARGETS = Path(__file__).resolve().parent.parent / "targets"
URL_NAMES = ("partner_app", "nomos_api", "nomos_portal", "nox", "manufacturer_app")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("serving as a remote target")
    group.add_argument("--port", type=int, default=0, metavar="N",
                       help="serve every party on port N of its own 127.0.0.x address (default: free ports)")
    group.add_argument("--lifetimes-scale", type=float, default=1.0, metavar="F",
                       help="multiply every lifetime (links, sessions, tokens, NOX's windows) by F, e.g. 0.1")
    group.add_argument("--write-profile", type=Path, metavar="PATH",
                       help="write a target profile (embedded = false) naming what this sandbox serves")
    group.add_argument("--name", default="sandbox-remote", help="the profile's target name (default: %(default)s)")
    group.add_argument("--hide-clock", action="store_true",
                       help="leave the test clock out of the profile: a target without a clock")
    group.add_argument("--max-real-wait", type=int, metavar="SECONDS",
                       help="the profile's [limits] max_real_wait_seconds")
    group.add_argument("--env-file", type=Path, metavar="PATH",
                       help="write the secrets as `export NAME=value` lines to PATH (mode 0600)")


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        parser.error(f"--port {args.port} is not a port; give 1 to 65535, or 0 for free ports")
    if not 0 < args.lifetimes_scale <= 1:
        parser.error(f"--lifetimes-scale {args.lifetimes_scale} must be above 0 and at most 1")
    if args.max_real_wait is not None and args.max_real_wait <= 0:
        parser.error("--max-real-wait must be a positive number of seconds")
    if (args.hide_clock or args.max_real_wait is not None) and args.write_profile is None:
        parser.error("--hide-clock and --max-real-wait shape the profile: add --write-profile PATH")


def lifetimes(world: World) -> dict[str, int]:
    """The lifetimes a sandbox serves, by the profile's keys."""
    return {
        "magic_link_lifetime_seconds": magic_link_lifetime(world),
        "portal_session_lifetime_seconds": portal_session_lifetime(world),
        "link_session_lifetime_seconds": world.lifetime(SESSION_LIFETIME),
        "sign_in_window_seconds": world.lifetime(AUTH_SESSION_LIFETIME),
    }


def _set(text: str, key: str, value: str) -> str:
    """Replace the first ``key = ...`` line (the template must have it)."""
    pattern = re.compile(rf"^{re.escape(key)} = .*$", re.MULTILINE)
    if not pattern.search(text):
        raise ValueError(f"the profile template has no `{key}` line")
    return pattern.sub(lambda _: f"{key} = {value}", text, count=1)


def profile_text(world: World, command: str, name: str, hide_clock: bool, max_real_wait: int | None) -> str:
    """The embedded profile of this sandbox's reading, turned into a remote one; ``command``
    is how the sandbox was started (the profile's first line says it)."""
    template = TARGETS / ("sandbox-other.toml" if world.other else "sandbox.toml")
    text = template.read_text(encoding="utf-8")
    text = text[text.index("[target]"):]  # the template's own header speaks of the embedded sandbox
    text = _set(text, "name", f'"{name}"')
    text = _set(text, "description", '"The sandbox served by `python -m sandbox`, shared by every worker"')
    text = _set(text, "embedded", "false")
    for key, seconds in lifetimes(world).items():
        text = _set(text, key, str(seconds))
    urls = world.urls
    lines = ["[urls]", *(f'{n} = "{getattr(urls, n)}"' for n in URL_NAMES)]
    lines.append("# no test clock: time-limited scenarios wait in real time or are skipped" if hide_clock
                 else f'clock = "{urls.clock}"')
    text = text.replace("\n[limits]\n", "\n" + "\n".join(lines) + "\n\n[limits]\n", 1)
    if max_real_wait is not None:
        text = text.replace("\n[limits]\n", f"\n[limits]\nmax_real_wait_seconds = {max_real_wait}\n", 1)
    header = (f"# A target profile written by sandbox/remote.py for the sandbox served by\n#   {command}\n"
              "# Secrets are the environment's (--env-file PATH writes them), never here.\n\n")
    return header + text


def write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, replacing what was there."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    tmp.replace(path)


def publish(running: Sandbox, args: argparse.Namespace) -> list[str]:
    """Write what ``--write-profile`` and ``--env-file`` ask for; the lines to print."""
    said = []
    if args.write_profile is not None:
        command = shlex.join(["python", "-m", "sandbox", *sys.argv[1:]])
        text = profile_text(running.world, command, args.name, args.hide_clock, args.max_real_wait)
        tmp = args.write_profile.with_name(f".{args.write_profile.name}.tmp")
        args.write_profile.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.write_profile)  # whole or not at all: a reader may be polling for it
        said.append(f"Profile written: {args.write_profile} (run the suite with --target {args.write_profile})")
    if args.env_file is not None:
        values = running.secrets
        write_private(args.env_file, "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(values.items())))
        said.append(f"Secrets written: {args.env_file} (mode 0600; `. {args.env_file}` before running the suite)")
    return said
