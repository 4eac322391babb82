"""Serve the sandbox by hand, or as a remote target for the suite (sandbox/remote.py):
``python -m sandbox [--fault NAME ...] [--list-faults] [--write-profile PATH ...]``."""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from sandbox import remote
from sandbox.faults import UnknownFault, catalog
from sandbox.server import SandboxStartError, start
from sandbox.world import VARIANTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="switch on a named fault (repeatable)")
    parser.add_argument("--rate-limit", type=int, default=0, metavar="N",
                        help="answer every N-th API request with 429 and Retry-After: 1")
    parser.add_argument("--list-faults", action="store_true", help="print the fault catalog and exit")
    parser.add_argument("--variant", choices=VARIANTS, default="default",
                        help="'other': take the second reading of the docs wherever they leave room (README.md)")
    remote.add_arguments(parser)
    args = parser.parse_args(argv)
    remote.check_arguments(parser, args)

    if args.list_faults:
        for fault in sorted(catalog().values(), key=lambda f: (f.requirements, f.name)):
            print(f"{fault.name:40} {', '.join(fault.requirements):22} {fault.symptom}")
        return 0
    try:
        sandbox = start(args.fault, rate_limit_every=args.rate_limit, variant=args.variant, port=args.port,
                        lifetime_scale=args.lifetimes_scale)
    except (UnknownFault, SandboxStartError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    urls, seed = sandbox.urls, sandbox.world.seed
    print("Sandbox parties:")
    for name, url in vars(urls).items():
        print(f"  {name:17} {url}")
    print(f"  {'clock':17} {urls.clock}")
    print("\nTest identities (secrets as set in the environment, else drawn for this run):")
    for user in seed.partner_users:
        customer = seed.customer(user.nomos_customer_id)
        kind = "with subscription" if customer and customer.has_subscription else "without subscription"
        print(f"  partner user  {user.email} / {seed.secret(user.password_env)}  ({kind})")
    for account in seed.brand_accounts:
        print(f"  brand account {account.brand:9} {account.username} / "
              f"{seed.secret('BRAND_ACCOUNT_PASSWORD')}  owns {account.device_id}")
    print(f"  NOX supplier key      {seed.secret(seed.supplier.key_env)}  ({seed.supplier.name})")
    print(f"  NOX manufacturer key  {seed.secret(seed.manufacturer.key_env)}  ({seed.manufacturer.name})")
    print(f"  Nomos client          {seed.nomos_client_id} / {seed.secret('NOMOS_CLIENT_SECRET')}")
    if sandbox.world.faults.active:
        print(f"\nFaults switched on: {', '.join(sorted(sandbox.world.faults.active))}")
    for line in remote.publish(sandbox, args):
        print(line)
    print(f"\nStart at {urls.partner_app}/ . Ctrl-C stops.", flush=True)
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops it as Ctrl-C does
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
