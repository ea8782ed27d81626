"""Filing through the bot's façade against the real requests service: the idempotency key the
bot sends makes a retried confirm return the request already filed."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.logic.moments import idempotency_key
from bot.mesh import IDENTITY, AddressRef, Mesh, PersonServices, Refused, Rpc, Sessions
from bot.mesh.sessions import TelegramUser
from bot.settings import BotSettings
from services.kit.channels import MeshChannels
from services.kit.redis import redis_client
from tests.bot.office import Office, Place
from tests.support.stack import Stack


@pytest.fixture
async def resident(
    stack: Stack, redis_url: str, pki_dir: Path, office: Office, place: Place
) -> AsyncIterator[PersonServices]:
    """An approved resident of flat 3, acting through the bot's façade."""
    settings = BotSettings(redis_url=redis_url, mesh_address=stack.mesh_address, pki_dir=pki_dir)
    channels = MeshChannels(settings, IDENTITY)
    redis = redis_client(settings, name="bot-test")
    rpc = Rpc(channels, timeout=3.0)
    who = TelegramUser(id=710_000_000 + uuid.uuid4().int % 10**8, first_name="Malika")
    services = Mesh(rpc, Sessions(rpc, redis, prefix=f"t{uuid.uuid4().hex[:6]}")).acting_for(who)
    try:
        me = await services.users.me()
        await services.users.update_profile(me.id, phone="+998901234500")
        await services.directory.request_binding(place.flats["3"].id)
        await office.approve(who.id)
        # What the person middleware does when GetMe and the token disagree.
        await services.acting.token(fresh=True)
        yield services
    finally:
        await channels.close()
        await redis.aclose()


async def test_the_same_confirm_files_once(resident: PersonServices, place: Place) -> None:
    me = await resident.users.me()
    # A binding reaches the flat, its building and its yard (stairwell, courtyard…).
    found = await resident.directory.addresses(me.id)
    assert [bool(a.apartment_id) for a in found] == [True, False, False]
    address = found[0]
    assert address.apartment_id == place.flats["3"].id
    draft = {"category": "heating", "description": "Батарея холодная с утра", "urgency": "medium"}
    key = idempotency_key("flow-1", draft)
    where = AddressRef(address.yard_id, address.building_id, address.apartment_id)

    async def file(description: str) -> str:
        request = await resident.requests.create(
            category="heating",
            description=description,
            urgency="medium",
            address=where,
            idempotency_key=key,
        )
        return request.request_number

    first = await file(draft["description"])
    assert await file(draft["description"]) == first
    # The same key with other content is refused, never silently merged.
    with pytest.raises(Refused) as refused:
        await file("Батарея холодная, и ещё течёт кран")
    assert refused.value.reason == "IDEMPOTENCY_KEY_REUSED"
    page = await resident.requests.mine()
    assert [r.request_number for r in page.items] == [first]
