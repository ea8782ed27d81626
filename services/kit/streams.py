"""JetStream streams: one per domain (subjects `ukm.<domain>.>`) plus the dead-letter stream.

Created from the topology at start-up by whoever starts first (services, `make up`, tests);
creating again is a no-op and a changed setting is applied as an update.
"""

from __future__ import annotations

import logging

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig, StreamInfo
from nats.js.errors import BadRequestError, NotFoundError

from mesh.topology import Topology

__all__ = [
    "DLQ_MAX_AGE",
    "DLQ_STREAM",
    "DLQ_SUBJECTS",
    "DUPLICATE_WINDOW",
    "EVENT_MAX_AGE",
    "dlq_subject",
    "ensure_stream",
    "ensure_streams",
]

log = logging.getLogger(__name__)

DLQ_STREAM = "UKM_DLQ"
DLQ_SUBJECTS = "ukm.dlq.>"
# The broker drops a second message with the same Nats-Msg-Id inside this window: it must
# cover the longest gap between a relay publishing and a successor republishing the same row.
DUPLICATE_WINDOW = 120.0
# Events stay long enough for a consumer that was down over a long weekend to catch up, and for
# a new consumer to be seeded from recent history.
EVENT_MAX_AGE = 7 * 24 * 3600.0
# Dead letters wait for a human; keep them well past any holiday.
DLQ_MAX_AGE = 30 * 24 * 3600.0


def dlq_subject(consumer: str) -> str:
    """Where the dead letters of one durable consumer go: `ukm.dlq.<consumer>`."""
    return f"ukm.dlq.{consumer}"


async def ensure_stream(
    js: JetStreamContext,
    *,
    name: str,
    subjects: list[str],
    max_age: float = EVENT_MAX_AGE,
    replicas: int = 1,
    duplicate_window: float = DUPLICATE_WINDOW,
) -> StreamInfo:
    """Create the stream, or update it to this configuration when it exists."""
    config = StreamConfig(
        name=name,
        subjects=subjects,
        retention=RetentionPolicy.LIMITS,  # consumers come and go; events are history
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        max_age=max_age,
        num_replicas=replicas,
        duplicate_window=duplicate_window,
    )
    try:
        return await js.update_stream(config)
    except NotFoundError:
        pass
    try:
        info = await js.add_stream(config)
    except BadRequestError:
        # Another process created it between our update and add: apply ours on top.
        return await js.update_stream(config)
    log.info("created stream %s (%s)", name, ", ".join(subjects))
    return info


async def ensure_streams(
    js: JetStreamContext,
    topology: Topology,
    *,
    replicas: int = 1,
    max_age: float = EVENT_MAX_AGE,
    dlq_max_age: float = DLQ_MAX_AGE,
) -> list[str]:
    """Every domain stream of the topology plus `UKM_DLQ`; returns their names. Idempotent."""
    names: list[str] = []
    for service in topology.services.values():
        if service.stream:
            await ensure_stream(
                js,
                name=service.stream,
                subjects=[service.subjects],
                max_age=max_age,
                replicas=replicas,
            )
            names.append(service.stream)
    await ensure_stream(
        js, name=DLQ_STREAM, subjects=[DLQ_SUBJECTS], max_age=dlq_max_age, replicas=replicas
    )
    names.append(DLQ_STREAM)
    return names
