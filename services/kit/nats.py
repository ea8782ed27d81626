"""The NATS connection every service uses for JetStream (publishing and consuming events)."""

from __future__ import annotations

import logging
from typing import Any

from nats.aio.client import Client as NatsClient

__all__ = ["connect_nats"]

log = logging.getLogger(__name__)


async def connect_nats(
    url: str,
    name: str,
    *,
    reconnect_wait: float = 0.5,
    connect_timeout: float = 2.0,
    ping_interval: float = 10.0,
) -> NatsClient:
    """A client that outlives broker restarts.

    It reconnects forever (also when the broker is not up yet at start) with a short wait
    between attempts; subscriptions are restored by the client and JetStream state lives on the
    server, so callers only see timeouts while the broker is away. Pings every `ping_interval`
    notice a silently vanished broker (a dead pod) within a few intervals rather than minutes.
    """

    async def on_error(exc: Exception) -> None:
        log.warning("nats %s: %s", name, exc or type(exc).__name__)

    async def on_disconnected() -> None:
        if not client.is_closed:  # closing on purpose also reports a disconnect
            log.warning("nats %s: disconnected from %s, reconnecting", name, url)

    async def on_reconnected() -> None:
        log.info("nats %s: reconnected to %s", name, url)

    client = NatsClient()
    # nats-py annotates these durations as int but takes float seconds; sub-second waits are
    # what make a broker restart short for callers.
    timings: dict[str, Any] = {
        "reconnect_time_wait": reconnect_wait,
        "connect_timeout": connect_timeout,
        "ping_interval": ping_interval,
    }
    await client.connect(
        url,
        name=name,
        allow_reconnect=True,
        max_reconnect_attempts=-1,  # -1 = forever, including the first connect
        max_outstanding_pings=3,
        error_cb=on_error,
        disconnected_cb=on_disconnected,
        reconnected_cb=on_reconnected,
        **timings,
    )
    return client
