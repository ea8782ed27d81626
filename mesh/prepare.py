"""Before services start: their schemas migrated and the JetStream streams in place.

Used by `ukm up`, by `ukm migrate` and by each Kubernetes Deployment's init container
(`ukm migrate <service> --stream-replicas 3`). Both steps are idempotent: Alembic migrates under
an advisory lock (replicas starting together go one at a time), and creating a stream again is a
no-op while a changed setting is applied as an update. A NATS cluster still electing its
JetStream leader answers with errors for a few seconds: those are retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from mesh.topology import Service, Topology

log = logging.getLogger(__name__)


def prepare(
    topology: Topology,
    *,
    database_url: str,
    nats_url: str,
    services: Iterable[Service] | None = None,
    stream_replicas: int = 1,
    give_up_after: float = 120.0,
) -> list[str]:
    """Migrate `services` (default: all) and ensure every stream; returns the stream names."""
    from services.kit.db import migrate

    for service in services if services is not None else topology.services.values():
        if service.schema:
            migrate(database_url, service.migrations_dir, service.schema)
    return asyncio.run(
        ensure_streams_patiently(nats_url, topology, stream_replicas, give_up_after=give_up_after)
    )


async def ensure_streams_patiently(
    url: str, topology: Topology, replicas: int, *, give_up_after: float = 120.0
) -> list[str]:
    """Create or update the topology's streams with `replicas`, retrying while JetStream is not
    ready (a cluster forming, a broker restarting) for up to `give_up_after` seconds."""
    from services.kit.nats import connect_nats
    from services.kit.streams import ensure_streams

    deadline = time.monotonic() + give_up_after
    client = await connect_nats(url, "ukm-prepare")
    try:
        while True:
            try:
                return await ensure_streams(client.jetstream(), topology, replicas=replicas)
            except Exception as exc:  # JetStream not ready yet
                if time.monotonic() > deadline:
                    raise
                log.warning("streams not ready (%s: %s); retrying", type(exc).__name__, exc)
                await asyncio.sleep(2.0)
    finally:
        await client.close()
