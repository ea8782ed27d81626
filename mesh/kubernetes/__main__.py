"""`python -m mesh.kubernetes`: render (default), check, dev-secrets, streams."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from mesh.kubernetes.common import STREAM_REPLICAS
from mesh.kubernetes.files import differences, write, write_dev_secrets
from mesh.topology import load_topology

# --- streams (an init container in the cluster) -------------------------------------------


async def ensure_cluster_streams(replicas: int, *, timeout: float = 120.0) -> list[str]:
    """Create or update every JetStream stream of the topology with `replicas`, retrying while
    the NATS cluster forms (no meta leader yet) until `timeout`."""
    from services.kit.nats import connect_nats
    from services.kit.settings import Settings
    from services.kit.streams import ensure_streams

    settings = Settings()
    deadline = time.monotonic() + timeout
    client = await connect_nats(settings.nats_url, "ukm-streams")
    try:
        while True:
            try:
                return await ensure_streams(client.jetstream(), load_topology(), replicas=replicas)
            except Exception as exc:  # JetStream not ready yet: cluster still electing
                if time.monotonic() > deadline:
                    raise
                print(f"streams: {type(exc).__name__}: {exc}; retrying", file=sys.stderr)
                await asyncio.sleep(2.0)
    finally:
        await client.close()


# --- command line --------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """`python -m mesh.kubernetes [render|check|dev-secrets|streams]`."""
    parser = argparse.ArgumentParser(
        prog="python -m mesh.kubernetes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("render", help="write k8s/ from the topology (the default)")
    commands.add_parser("check", help="exit 1 if k8s/ differs from a fresh render")
    commands.add_parser("dev-secrets", help="write the dev overlay's git-ignored Secret files")
    streams = commands.add_parser("streams", help="create the JetStream streams (in-cluster)")
    streams.add_argument("--replicas", type=int, default=STREAM_REPLICAS)
    streams.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = differences()
        for problem in problems:
            print(problem)
        if problems:
            print("run `python -m mesh.kubernetes` to re-render k8s/", file=sys.stderr)
        return 1 if problems else 0
    if args.command == "dev-secrets":
        print(f"dev secrets in {write_dev_secrets()}")
        return 0
    if args.command == "streams":
        names = asyncio.run(ensure_cluster_streams(args.replicas, timeout=args.timeout))
        print(f"streams ready (R{args.replicas}): {', '.join(names)}")
        return 0
    changed = write()
    print("\n".join(f"wrote k8s/{path}" for path in changed) or "k8s/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
