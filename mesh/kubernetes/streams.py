"""The JetStream streams of the topology, created by an init container of every service that
has a stream (`python -m mesh.kubernetes streams --replicas 3`), before the service starts.

The services' outbox relays publish into these streams; creating them again is a no-op and a
changed setting is applied as an update (`services.kit.streams`).
"""

from __future__ import annotations

import asyncio
import sys
import time

from mesh.topology import load_topology


async def ensure_cluster_streams(replicas: int, *, give_up_after: float = 120.0) -> list[str]:
    """Create or update every JetStream stream of the topology with `replicas`, retrying while
    the NATS cluster forms (no meta leader yet) for up to `give_up_after` seconds."""
    from services.kit.nats import connect_nats
    from services.kit.settings import Settings
    from services.kit.streams import ensure_streams

    settings = Settings()
    deadline = time.monotonic() + give_up_after
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
