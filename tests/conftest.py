"""Real infrastructure for the whole suite.

PostgreSQL, Redis and NATS JetStream are the embedded servers `make up` uses (started once per
session in a temporary folder), or the servers named by UKM_TEST_DATABASE_URL /
UKM_TEST_REDIS_URL / UKM_TEST_NATS_URL. Each test gets its own empty database and a clean
JetStream, so tests never see each other's data.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js.errors import NotFoundError

from mesh.infra import EmbeddedNats, EmbeddedPostgres, EmbeddedRedis, free_port
from tests.support.db import fresh_database


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server (its `postgres` database) for the whole session.

    Its folder is outside pytest's temporary root on purpose: PostgreSQL runs as another user
    when we are root, and a second pytest session resets that root to mode 0700.
    """
    if url := os.environ.get("UKM_TEST_DATABASE_URL"):
        yield url
        return
    folder = Path(tempfile.mkdtemp(prefix="ukm-test-pg-"))
    server = EmbeddedPostgres(folder, durable=False)
    server.start()
    yield server.url
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Redis server for the whole session."""
    if url := os.environ.get("UKM_TEST_REDIS_URL"):
        yield url
        return
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"), durable=False)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def nats_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a NATS JetStream server for the whole session."""
    if url := os.environ.get("UKM_TEST_NATS_URL"):
        yield url
        return
    server = EmbeddedNats(tmp_path_factory.mktemp("nats"), port=free_port())
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
async def database_url(postgres_server_url: str) -> AsyncIterator[str]:
    """A new, empty database for one test (dropped afterwards)."""
    async with fresh_database(postgres_server_url) as url:
        yield url


@pytest.fixture
async def nats_url(nats_server_url: str) -> str:
    """The session's NATS server with every stream deleted before the test."""
    client = await nats.connect(nats_server_url)
    js = client.jetstream()
    try:
        for stream in await js.streams_info():
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(stream.config.name)
    finally:
        await client.close()
    return nats_server_url


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[EmbeddedRedis]:
    """A Redis server of this test's own, for tests that stop and restart it."""
    server = EmbeddedRedis(tmp_path / "redis", durable=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    """A NATS server of this test's own, for tests that stop and restart the broker."""
    server = EmbeddedNats(tmp_path / "nats", port=free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A mesh PKI (CA and a certificate per topology identity) for the session."""
    from mesh.pki import ensure_pki
    from mesh.topology import load_topology

    return ensure_pki(load_topology(), tmp_path_factory.mktemp("pki"))
