"""Remote mode, proven: the sandbox served by ``python -m sandbox --write-profile`` is an
ordinary remote target (``embedded = false``, its URLs, no secret in the profile), and
the whole main job with ``-n 2`` against that one deployment, shared by both workers and
its one test clock, is green. ``scripts/remote_repeat.py N`` repeats the last test N times.

The deployment served here takes the sandbox's other reading (``--variant other``), so
the one main job proves two claims: a shared remote target, and every legitimate reading
(tests/selftest/test_variant.py proves that reading really differs). The default reading
runs embedded in the fault matrix's fault-free pass and in the benchmark."""

from __future__ import annotations

import argparse
import os
import shlex
import stat
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox import remote
from sandbox.faults import Faults
from sandbox.seed import Seed
from sandbox.server import PARTIES
from sandbox.world import Clock, Urls, World
from suite.target import ROOT, load
from tests.selftest.remote_sandbox import Served, green, served, summary

COMMITTED = sorted((ROOT / "targets").glob("sandbox-remote*.toml"))


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served(tmp_path_factory.mktemp("remote"), "--variant", "other") as running:
        yield running


@pytest.mark.parametrize("profile", COMMITTED, ids=[p.stem for p in COMMITTED])
def test_committed_remote_profiles_are_what_the_sandbox_writes(profile: Path) -> None:
    """targets/sandbox-remote*.toml name the addresses and lifetimes of the command in their
    header (``python -m sandbox --port N ...``); regenerate them with that command."""
    text = profile.read_text(encoding="utf-8")
    command = text.splitlines()[1].removeprefix("#").strip()
    parser = argparse.ArgumentParser()
    remote.add_arguments(parser)
    args = parser.parse_args(shlex.split(command)[3:])
    assert args.port and args.write_profile == profile.relative_to(ROOT), f"{profile.name}: header says {command!r}"
    urls = Urls(**{name: f"http://{host}:{args.port}" for name, (_, host) in PARTIES.items()})
    world = World(clock=Clock(), faults=Faults(()), seed=Seed.from_environment(), urls=urls,
                  lifetime_scale=args.lifetimes_scale)
    assert text == remote.profile_text(world, command, args.name, args.hide_clock, args.max_real_wait), (
        f"{profile.name} drifted from what the sandbox writes: run `{command}` (Ctrl-C once it says 'Start at')")


def test_the_written_profile_is_a_remote_one_without_secrets(shared: Served) -> None:
    text = shared.profile.read_text(encoding="utf-8")
    for name, value in shared.secrets.items():
        assert value not in text, f"the profile holds the secret of {name}"
    target = load(str(shared.profile), env=shared.secrets)
    assert not target.embedded and target.has_clock
    assert target.nomos.client_secret.reveal() == shared.secrets["NOMOS_CLIENT_SECRET"]
    other = tomllib.loads((ROOT / "targets" / "sandbox-other.toml").read_text(encoding="utf-8"))["target"]
    assert (target.magic_link_lifetime, target.link_session_lifetime) == (  # the reading it serves
        other["magic_link_lifetime_seconds"], other["link_session_lifetime_seconds"])


def test_the_secrets_file_is_the_owners_alone(shared: Served) -> None:
    env_file = shared.profile.with_name("sandbox.env")
    if os.name == "posix":
        assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    assert set(shared.secrets) == set(Seed.from_environment().secrets)


def test_the_main_job_with_two_workers_is_green_against_one_shared_sandbox_on_the_other_reading(
        shared: Served, tmp_path: Path) -> None:
    done = shared.run_suite(["-n", "2", "-q"], tmp_path / "reports")
    print(f"remote -n 2: {summary(done)}")
    assert green(done), done.stdout[-6000:] + done.stderr[-2000:]
