"""The kit's Redis client, against real Redis servers: the session's and ones the tests restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
import redis.exceptions
from prometheus_client import CollectorRegistry
from pydantic import SecretStr
from redis.asyncio import Redis
from redis.asyncio.connection import SSLConnection, UnixDomainSocketConnection

from mesh.infra import EmbeddedRedis
from services.kit.faults import is_transient
from services.kit.ops import OpsServer
from services.kit.redis import redis_answers, redis_client
from services.kit.settings import Settings

# A timed-out reply, or (when the retry reconnects) a timed-out handshake of the new connection.
_TIMED_OUT = (redis.exceptions.TimeoutError, redis.exceptions.ConnectionError)


def _settings(url: str) -> Settings:
    return Settings(redis_url=SecretStr(url))


@pytest.fixture
async def client(redis_url: str) -> AsyncIterator[Redis]:
    """A kit client of the session's Redis."""
    created = redis_client(_settings(redis_url), name="test-redis")
    yield created
    await created.aclose()


async def test_client_speaks_bytes_and_names_its_connections(client: Redis) -> None:
    await client.set(b"test-redis:bytes", b"\xff\x00binary", px=5_000)
    assert await client.get(b"test-redis:bytes") == b"\xff\x00binary"
    # redis-py decodes CLIENT GETNAME's answer itself.
    assert await client.client_getname() == "test-redis"


@pytest.mark.parametrize(
    ("url", "connection_class", "expected"),
    [
        (
            "redis://someone:s3cret@cache.internal:6380/2",
            None,
            {"host": "cache.internal", "port": 6380, "db": 2, "password": "s3cret"},
        ),
        ("rediss://cache.internal:6390/1", SSLConnection, {"host": "cache.internal", "db": 1}),
        ("unix:///run/redis.sock?db=3", UnixDomainSocketConnection, {"path": "/run/redis.sock"}),
    ],
)
async def test_every_url_scheme_configures_its_connection(
    url: str, connection_class: type | None, expected: dict[str, object]
) -> None:
    client = redis_client(_settings(url), name="svc")  # no connection is opened yet
    try:
        pool = client.connection_pool
        if connection_class is not None:
            assert pool.connection_class is connection_class
        kwargs = pool.connection_kwargs
        assert {name: kwargs.get(name) for name in expected} == expected
        assert kwargs["client_name"] == "svc"
        assert kwargs["decode_responses"] is False
        assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == 2.0
        assert kwargs["health_check_interval"] == 15.0
    finally:
        await client.aclose()


def test_the_password_stays_out_of_reprs() -> None:
    client = redis_client(_settings("redis://someone:s3cret@cache.internal:6380/0"))
    assert "s3cret" not in repr(client)


def test_url_options_override_the_defaults() -> None:
    client = redis_client(_settings("redis://cache.internal/0?socket_timeout=7"))
    assert client.connection_pool.connection_kwargs["socket_timeout"] == 7.0


def test_a_name_redis_would_refuse_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="client name"):
        redis_client(_settings("redis://cache.internal/0"), name="two words")


async def test_concurrent_callers_share_a_bounded_pool(redis_url: str) -> None:
    client = redis_client(_settings(redis_url), name="test-pool", max_connections=4)
    try:
        answers = await asyncio.gather(*(client.incr(b"test-redis:pool") for _ in range(200)))
        assert sorted(answers)[-1] - sorted(answers)[0] == 199  # every call ran, once
        listed = await client.client_list()
        assert sum(1 for entry in listed if entry["name"] == "test-pool") <= 4
    finally:
        await client.delete(b"test-redis:pool")
        await client.aclose()


async def test_a_restart_is_a_transient_error_and_the_client_recovers(
    own_redis: EmbeddedRedis,
) -> None:
    client = redis_client(_settings(own_redis.url), name="test-restart")
    try:
        await client.set(b"k", b"before")
        own_redis.stop()
        started = time.monotonic()
        with pytest.raises(redis.exceptions.ConnectionError) as failure:
            await client.get(b"k")
        # Retried with backoff, then surfaced quickly rather than hanging the caller.
        assert time.monotonic() - started < 3
        assert is_transient(failure.value)

        own_redis.start()  # same socket, empty (not durable)
        assert await client.get(b"k") is None
        await client.set(b"k", b"after")
        assert await client.get(b"k") == b"after"
    finally:
        await client.aclose()


async def test_a_stuck_server_is_a_transient_timeout(own_redis: EmbeddedRedis) -> None:
    client = redis_client(_settings(own_redis.url), name="test-stuck", timeout=0.2, retries=1)
    blocker = Redis.from_url(own_redis.url)
    try:
        await client.ping()  # connected before the server stops answering
        # redis-py has no typed wrapper for DEBUG SLEEP (it blocks the whole server).
        stall = asyncio.create_task(
            blocker.execute_command("DEBUG", "SLEEP", "1")  # type: ignore[no-untyped-call]
        )
        await asyncio.sleep(0.05)  # DEBUG SLEEP has reached the server
        started = time.monotonic()
        with pytest.raises(_TIMED_OUT) as failure:
            await client.ping()
        assert time.monotonic() - started < 0.9  # bounded by the timeouts, not by the stall
        assert is_transient(failure.value)
        await stall
        assert await client.ping()  # the server answers again, so does the client
    finally:
        await blocker.aclose()
        await client.aclose()


def test_only_redis_connection_trouble_is_transient() -> None:
    assert is_transient(redis.exceptions.ConnectionError("Connection refused"))
    assert is_transient(redis.exceptions.TimeoutError("Timeout reading from socket"))
    assert not is_transient(redis.exceptions.ResponseError("WRONGTYPE"))
    assert not is_transient(redis.exceptions.NoScriptError("NOSCRIPT"))


async def test_readiness_follows_redis(own_redis: EmbeddedRedis) -> None:
    client = redis_client(_settings(own_redis.url), name="test-ready", retries=0)
    ops = OpsServer(CollectorRegistry(), lambda: True, [("redis", redis_answers(client))])
    await ops.start("127.0.0.1", 0)
    ready_url = f"http://127.0.0.1:{ops.port}/readyz"
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(ready_url) as response:
                assert response.status == 200

            own_redis.stop()
            with pytest.raises(redis.exceptions.ConnectionError):
                await redis_answers(client)()
            async with http.get(ready_url) as response:
                assert response.status == 503
                assert "redis" in (await response.json())["failures"]

            own_redis.start()
            async with http.get(ready_url) as response:
                assert response.status == 200
    finally:
        await ops.stop()
        await client.aclose()


def test_bad_credentials_are_not_transient() -> None:
    # A misconfiguration, like PostgreSQL's class 28: retrying forever would hide it.
    assert not is_transient(redis.exceptions.AuthenticationError("invalid password"))
    assert is_transient(redis.exceptions.ConnectionError("connection reset"))
