"""Ending a shift hands the executor's open requests back to their pools (ShiftEnded → the
requests service's consumer → RELEASE_TO_POOL), once, and only theirs."""

from __future__ import annotations

import asyncio

import nats
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from tests.requests.world import MANAGER, World
from tests.support.db import rows
from tests.support.identity import as_

HELD = (
    request_pb2.REQUEST_STATUS_IN_PROGRESS,
    request_pb2.REQUEST_STATUS_PURCHASE,
)


async def test_ending_a_shift_releases_the_executors_open_requests(
    world: World, nats_url: str
) -> None:
    client = await nats.connect(nats_url)
    await ensure_streams(client.jetstream(), load_topology())
    await client.close()
    plumber = await world.executor("plumber", name="Bekzod Usmonov")
    colleague = await world.executor("plumber", name="Jasur Karimov")
    await world.on_shift(plumber)
    await world.on_shift(colleague)
    mine = [(await world.file()).request_number for _ in range(2)]
    theirs = (await world.file()).request_number
    for number in mine:
        await world.requests.ClaimRequest(
            pb.ClaimRequestRequest(request_number=number), metadata=as_(plumber)
        )
    await world.requests.PurchaseMaterials(
        pb.PurchaseMaterialsRequest(
            request_number=mine[1],
            materials=[request_pb2.MaterialItem(name="Смеситель", quantity="1", unit="pcs")],
        ),
        metadata=as_(plumber),
    )
    await world.requests.ClaimRequest(
        pb.ClaimRequestRequest(request_number=theirs), metadata=as_(colleague)
    )

    await world.off_shift(plumber)

    async def statuses() -> dict[str, request_pb2.Request]:
        found = {}
        for number in (*mine, theirs):
            answer = await world.requests.GetRequest(
                pb.GetRequestRequest(request_number=number), metadata=as_(MANAGER)
            )
            found[number] = answer.request
        return found

    for _ in range(200):
        now = await statuses()
        if all(now[n].status == request_pb2.REQUEST_STATUS_NEW for n in mine):
            break
        await asyncio.sleep(0.1)
    for number in mine:
        released = now[number]
        assert released.status == request_pb2.REQUEST_STATUS_NEW
        assert released.executor_id == ""
        assert released.assignment.mode == request_pb2.ASSIGNMENT_MODE_GROUP
    # What was bought stays on record; the colleague's request is untouched.
    assert now[mine[1]].materials.items[0].name == "Смеситель"
    assert now[theirs].status in HELD and now[theirs].executor_id == colleague.user_id

    # Exactly one release each, whatever redeliveries happen.
    await asyncio.sleep(0.5)
    history = await rows(
        world.database_url,
        "SELECT request_number, count(*) FROM requests.request_history "
        "WHERE action = 'release_to_pool' GROUP BY request_number",
    )
    assert sorted(history) == sorted((number, 1) for number in mine)
