"""The people the notifications figures write to: real people of the users service, each with a
Telegram chat, made as the bot makes them (the first message creates a pending applicant with
the Telegram id, `PeopleStore.ensure_telegram`) and then approved with their roles by the
operator bootstrap (`ensure_person`), straight in the database as tests/perf/people.py does.

Creating people publishes `UserRegistered`, which the notifications service reads (and
ignores); `settled` waits until it has read them all, so that no figure pays for it.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from nats.aio.client import Client as NatsClient
from nats.js.errors import NotFoundError
from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.crypto import Keyring
from services.notifications.events import durable_name
from services.users import models as users_models
from services.users.bootstrap import ensure_person
from services.users.people import NewPerson
from services.users.people_store import PeopleStore
from services.users.privacy import Sealer
from tests.perf.load import BenchError

# Mostly Russian, as the company's people are; some Uzbek and English readers.
LANGUAGES = ("ru", "ru", "uz", "ru", "en")
USERS_STREAM = "USERS"


@dataclass(frozen=True)
class Recipient:
    """Someone the bench notifies, and their private chat (a private chat's id is the user's)."""

    user_id: str
    chat_id: int
    language: str


class Chats:
    """Telegram user ids for the bench's people, never handed out twice in a run."""

    def __init__(self, first: int = 880_000_001) -> None:
        self._ids: Iterator[int] = itertools.count(first)

    def __next__(self) -> int:
        return next(self._ids)


async def make_recipients(
    engine: AsyncEngine,
    keyring: Keyring,
    chats: Chats,
    count: int,
    *,
    role: str,
    label: str,
    specializations: tuple[str, ...] = (),
    parallel: int = 4,
) -> list[Recipient]:
    """`count` approved people holding `role`, each reachable in a Telegram chat of their own."""
    store = PeopleStore(engine, Sealer(keyring))
    slots = asyncio.Semaphore(parallel)
    now = datetime.now(UTC)

    async def one(n: int) -> Recipient:
        chat = next(chats)
        language = LANGUAGES[n % len(LANGUAGES)]
        name = f"Bench {label.title()} {n + 1}"
        async with slots:
            first = NewPerson(name, language, "telegram", telegram_user_id=chat)
            person, _ = await store.ensure_telegram(first, actor="bench", now=now)
            await ensure_person(
                engine,
                keyring,
                user_id=person.id,
                full_name=name,
                email=None,
                roles=[role],
                specializations=specializations,
                language=language,
                now=now,
            )
        return Recipient(person.id, chat, language)

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def settled(engine: AsyncEngine, nc: NatsClient, *, within: float = 60.0) -> float:
    """Wait until the users service has published every event and the notifications service
    has read them all; returns the seconds waited."""
    outbox = users_models.outbox
    unpublished = sa.select(sa.func.count()).where(outbox.c.published_at.is_(None))
    js = nc.jetstream()
    durable = durable_name(USERS_STREAM)
    started = time.monotonic()
    while True:
        async with engine.connect() as connection:
            waiting = int((await connection.execute(unpublished)).scalar_one())
        if waiting == 0:
            last = (await js.stream_info(USERS_STREAM)).state.last_seq
            try:
                info = await js.consumer_info(USERS_STREAM, durable)
            except NotFoundError:
                info = None
            if info is not None and info.ack_floor.stream_seq >= last:
                return time.monotonic() - started
        if time.monotonic() - started > within:
            raise BenchError(
                f"the notifications service has not read the users' events after {within:.0f}s"
            )
        await asyncio.sleep(0.05)


def new_id() -> str:
    """A fresh id (people who are not in the directory: an applicant, the one before)."""
    return str(uuid.uuid4())
