"""The operator bootstrap (services/users/bootstrap.py): people made or brought back to a given
state, including their Telegram link — kept when not named, set, or removed with 0."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from mesh.topology import load_topology
from services.kit.crypto import Keyring
from services.kit.db import create_engine, migrate_async
from services.users.bootstrap import ensure_person
from tests.support.db import scalar
from tests.support.services import TEST_DATA_KEYS


async def test_the_telegram_link_is_set_kept_and_removed(database_url: str) -> None:
    await migrate_async(database_url, load_topology().service("users").migrations_dir, "users")
    engine = create_engine(database_url, pool_size=1)
    keyring = Keyring.parse(TEST_DATA_KEYS)
    user_id = str(uuid.uuid4())

    async def ensure(**link: int | None) -> int | None:
        await ensure_person(
            engine,
            keyring,
            user_id=user_id,
            full_name="Nodira Karimova",
            email="nodira@example.uz",
            roles=("applicant",),
            now=datetime.now(UTC),
            **link,  # type: ignore[arg-type]
        )
        linked = await scalar(
            database_url, f"SELECT telegram_user_id FROM users.users WHERE id = '{user_id}'"
        )
        return None if linked is None else int(linked)

    try:
        assert await ensure(telegram_user_id=5_000_005) == 5_000_005
        assert await ensure() == 5_000_005  # not named: left as it is
        assert await ensure(telegram_user_id=0) is None  # removed
    finally:
        await engine.dispose()
