"""The Redis client every service uses (caches, rate limits, the bot's conversation state).

One client per process, built from `settings.redis_url`: `redis://` (TCP), `rediss://` (TLS) or
`unix://` (the embedded server of `make up` and the tests). The URL is a secret (it may carry a
password) and is never logged. Query-string options in the URL (`?socket_timeout=5`) override
the defaults below, so an operator can tune a deployment without a code change.
"""

from __future__ import annotations

import re

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from services.kit.ops import ReadinessCheck
from services.kit.settings import Settings

__all__ = ["redis_answers", "redis_client"]

# CLIENT SETNAME refuses spaces and newlines; a bad name would fail every connection.
_CLIENT_NAME = re.compile(r"[!-~]+")


def redis_client(
    settings: Settings,
    *,
    name: str = "ukm",
    timeout: float = 2.0,
    max_connections: int = 32,
    retries: int = 3,
    health_check_interval: float = 15.0,
) -> Redis:
    """A pooled client that rides out a Redis restart.

    - `timeout` bounds connecting, each command's reply, and the wait for a free pooled
      connection: a stuck Redis turns into an error the caller can answer UNAVAILABLE
      (`services.kit.faults` counts Redis connection and timeout errors as transient) instead
      of a hung request.
    - Connection and timeout errors are retried `retries` times with jittered exponential
      backoff (50 ms up to 500 ms), which covers a restart or a failover blip; the error
      surfaces when Redis stays away longer. A retried command may have run once already when
      only its reply was lost, so callers keep their commands safe to repeat (the rate
      limiter then over-counts, which errs on the side of refusing).
    - The pool is bounded and blocking: a burst of concurrent callers queues for a connection
      rather than opening hundreds of sockets.
    - Connections idle for `health_check_interval` seconds are pinged before reuse, so a
      connection silently dropped by a proxy or a restarted pod is replaced before it fails
      a command.
    - Replies stay bytes (`decode_responses=False`): keys and values may be binary, and each
      user decodes what it knows to be text.
    - `name` is the connection's CLIENT SETNAME (the service's name), so `CLIENT LIST` on the
      server shows who holds which connection.
    """
    if not _CLIENT_NAME.fullmatch(name):
        raise ValueError("a Redis client name is printable ASCII without spaces")
    retry = Retry(
        ExponentialWithJitterBackoff(cap=0.5, base=0.05),
        retries,
        supported_errors=(RedisConnectionError, RedisTimeoutError),
    )
    pool = BlockingConnectionPool.from_url(
        settings.redis_url.get_secret_value(),
        max_connections=max_connections,
        timeout=timeout,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=retry,
        health_check_interval=health_check_interval,
        client_name=name,
        decode_responses=False,
    )
    # from_pool: closing the client closes the pool too.
    return Redis.from_pool(pool)


def redis_answers(client: Redis) -> ReadinessCheck:
    """A readiness check for `ServiceApp.readiness`: Redis answers PING."""

    async def check() -> None:
        await client.ping()

    return check
