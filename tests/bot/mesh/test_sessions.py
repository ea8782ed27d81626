"""Tokens for people from the real auth service, with the bot's certificate: cached in Redis,
renewed before they expire, and replaced once when the services refuse a cached one."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.asyncio import Redis

from bot.mesh import IDENTITY, Mesh, Rpc, Sessions, TelegramUser
from bot.mesh.errors import NotAllowed, Refused
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.support.stack import Stack


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def parts(stack: Stack, redis_url: str, pki_dir: Path) -> AsyncIterator[tuple[Rpc, Redis]]:
    settings = BotSettings(redis_url=redis_url, mesh_address=stack.mesh_address, pki_dir=pki_dir)
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test")
    try:
        yield Rpc(channels, timeout=3.0), redis
    finally:
        await channels.close()
        await redis.aclose()


def someone() -> TelegramUser:
    return TelegramUser(id=700_000_000 + uuid.uuid4().int % 10**8, first_name="Aziz")


async def test_tokens_are_cached_and_renewed_before_they_expire(
    parts: tuple[Rpc, Redis],
) -> None:
    rpc, redis = parts
    clock = Clock(time.time())
    sessions = Sessions(rpc, redis, prefix=f"t{uuid.uuid4().hex[:6]}", margin=60, clock=clock)
    who = someone()
    first = await sessions.token(who)
    assert (first.roles, first.status) == (("applicant",), "pending")
    assert (await sessions.token(who)).access_token == first.access_token
    # Within the margin of its expiry: a new one.
    clock.now = first.expires_at - 30
    renewed = await sessions.token(who)
    assert renewed.user_id == first.user_id
    assert renewed.expires_at >= first.expires_at


async def test_a_refused_cached_token_is_replaced_once(parts: tuple[Rpc, Redis]) -> None:
    rpc, redis = parts
    prefix = f"t{uuid.uuid4().hex[:6]}"
    sessions = Sessions(rpc, redis, prefix=prefix)
    who = someone()
    token = await sessions.token(who)
    # A token the services no longer accept sits in the cache (rotated key, tampering…).
    forged = {
        "user_id": token.user_id,
        "access_token": token.access_token[:-4] + "AAAA",
        "expires_at": token.expires_at,
        "roles": list(token.roles),
        "role": token.role,
        "status": token.status,
    }
    await redis.set(f"{prefix}:session:{who.id}", json.dumps(forged), ex=600)
    services = Mesh(rpc, sessions).acting_for(who)
    me = await services.users.me()
    assert me.id == token.user_id
    assert (await sessions.token(who)).access_token != forged["access_token"]


async def test_what_people_may_not_do_is_refused(parts: tuple[Rpc, Redis]) -> None:
    rpc, redis = parts
    services = Mesh(rpc, Sessions(rpc, redis, prefix=f"t{uuid.uuid4().hex[:6]}")).acting_for(
        someone()
    )
    me = await services.users.me()
    with pytest.raises(NotAllowed):
        # Pending people file nothing.
        await services.directory.addresses(me.id)
    with pytest.raises(Refused):
        await services.users.update_profile(me.id, phone="12345")
