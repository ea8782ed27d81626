"""The life of a request end to end through Envoy, with people signed in for real: the happy
path (file → pool → claim on shift → purchase → resume → complete → confirm → accept with a
rating) and the return and cancel paths, over REST and gRPC, with the events in JetStream."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import grpc
import nats
import pytest
from ukm.events.v1 import envelope_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.topology import load_topology
from services.kit.streams import ensure_streams
from tests.support.people import SignedIn, sign_in
from tests.support.rest import Rest, a_home
from tests.support.stack import Stack, mesh_behind_envoy


@pytest.fixture
async def stack(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    client = await nats.connect(nats_url)
    await ensure_streams(client.jetstream(), load_topology())
    await client.close()
    async with mesh_behind_envoy(database_url, nats_url, pki_dir, tmp_path) as running:
        yield running


@pytest.fixture
async def people(stack: Stack) -> dict[str, SignedIn]:
    return {
        "manager": await sign_in(stack, "manager"),
        "plumber": await sign_in(stack, "executor", specializations=("plumber",)),
        "resident": await sign_in(stack, "applicant"),
    }


def new_request(address: dict[str, str]) -> dict[str, Any]:
    return {
        "category": "CATEGORY_PLUMBING",
        "description": "Течёт труба под раковиной, вода капает к соседям",
        "urgency": "URGENCY_HIGH",
        "address": address,
    }


async def request_events(nats_url: str, number: str, expected: int) -> Counter[str]:
    """Event types published for request `number` (waits until `expected` have arrived)."""
    client = await nats.connect(nats_url)
    try:
        js = client.jetstream()
        seen: Counter[str] = Counter()
        for _ in range(100):
            subscription = await js.pull_subscribe("ukm.requests.>", stream="REQUESTS")
            try:
                messages = await subscription.fetch(500, timeout=1)
            except nats.errors.TimeoutError:
                messages = []
            seen = Counter(
                message.subject.removeprefix("ukm.requests.")
                for message in messages
                if envelope_pb2.Envelope.FromString(message.data).subject == number
            )
            await subscription.unsubscribe()
            if sum(seen.values()) >= expected:
                return seen
            await asyncio.sleep(0.1)
        return seen
    finally:
        await client.close()


async def test_the_happy_path_over_rest_and_grpc(
    stack: Stack, people: dict[str, SignedIn], nats_url: str
) -> None:
    manager, plumber, resident = people["manager"], people["plumber"], people["resident"]
    address = await a_home(stack, manager, resident)
    async with aiohttp.ClientSession(stack.rest) as http:
        as_resident, as_manager, as_plumber = (
            Rest(http, resident),
            Rest(http, manager),
            Rest(http, plumber),
        )
        filed = (await as_resident.ok("POST", "/v1/requests", new_request(address)))["request"]
        number = filed["requestNumber"]
        # Addressed to the plumbers' pool at once.
        assert filed["assignment"]["mode"] == "ASSIGNMENT_MODE_GROUP"
        assert filed["assignment"]["specialization"] == "SPECIALIZATION_PLUMBER"

        # Off duty, the plumber cannot claim; on duty, they can.
        status, refused = await as_plumber.call("POST", f"/v1/requests/{number}:claim", {})
        assert (status, refused["details"][0]["reason"]) == (400, "EXECUTOR_NOT_ON_SHIFT")
        await as_plumber.ok("POST", "/v1/shifts:start", {})
        claimed = (await as_plumber.ok("POST", f"/v1/requests/{number}:claim", {}))["request"]
        assert claimed["status"] == "REQUEST_STATUS_IN_PROGRESS"
        assert claimed["executorId"] == plumber.user_id

    # The executor goes on over gRPC (through the edge, with their token).
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        stub = rpc.RequestServiceStub(channel)
        md = plumber.metadata
        bought = await stub.PurchaseMaterials(
            pb.PurchaseMaterialsRequest(
                request_number=number,
                materials=[request_pb2.MaterialItem(name="Сифон", quantity="1", unit="pcs")],
            ),
            metadata=md,
        )
        assert bought.request.status == request_pb2.REQUEST_STATUS_PURCHASE
        resumed = await stub.ResumeRequest(
            pb.ResumeRequestRequest(request_number=number), metadata=md
        )
        done = await stub.CompleteRequest(
            pb.CompleteRequestRequest(request_number=number, report="Заменил сифон, течи нет"),
            metadata=md,
        )
        assert resumed.request.version + 1 == done.request.version

    async with aiohttp.ClientSession(stack.rest) as http:
        as_resident, as_manager = Rest(http, resident), Rest(http, manager)
        confirmed = (
            await as_manager.ok("POST", f"/v1/requests/{number}:confirm", {"notes": "Проверил"})
        )["request"]
        assert confirmed["status"] == "REQUEST_STATUS_CONFIRMED"
        accepted = (
            await as_resident.ok(
                "POST", f"/v1/requests/{number}:accept", {"rating": 5, "review": "Спасибо!"}
            )
        )["request"]
        assert accepted["status"] == "REQUEST_STATUS_ACCEPTED"
        assert accepted["rating"]["stars"] == 5
        history = (await as_resident.ok("GET", f"/v1/requests/{number}/history"))["entries"]
        # Frozen from now on.
        status, _ = await as_manager.call(
            "POST", f"/v1/requests/{number}:cancel", {"reason": "oops"}
        )
        assert status != 200

    assert [int(e["version"]) for e in history] == list(range(1, len(history) + 1))
    assert history[-1]["toStatus"] == "REQUEST_STATUS_ACCEPTED"
    assert int(accepted["version"]) == len(history)
    events = await request_events(nats_url, number, expected=9)
    assert events["request_created"] == 1
    assert events["request_assigned"] >= 2  # the pool, then the plumber
    assert events["request_status_changed"] >= 6
    assert events["request_rated"] == 1


async def test_return_and_cancel_paths(stack: Stack, people: dict[str, SignedIn]) -> None:
    manager, plumber, resident = people["manager"], people["plumber"], people["resident"]
    address = await a_home(stack, manager, resident)
    async with aiohttp.ClientSession(stack.rest) as http:
        as_resident, as_manager, as_plumber = (
            Rest(http, resident),
            Rest(http, manager),
            Rest(http, plumber),
        )
        await as_plumber.ok("POST", "/v1/shifts:start", {})

        # The owner may cancel while NEW; a reason is required.
        first = (await as_resident.ok("POST", "/v1/requests", new_request(address)))["request"][
            "requestNumber"
        ]
        status, _ = await as_resident.call("POST", f"/v1/requests/{first}:cancel", {})
        assert status == 400
        cancelled = (
            await as_resident.ok("POST", f"/v1/requests/{first}:cancel", {"reason": "Сам починил"})
        )["request"]
        assert cancelled["status"] == "REQUEST_STATUS_CANCELLED"

        # Assigned by a manager, completed, confirmed, returned by the resident, back to work.
        second = (await as_resident.ok("POST", "/v1/requests", new_request(address)))["request"][
            "requestNumber"
        ]
        await as_manager.ok(
            "POST", f"/v1/requests/{second}:assign", {"executorId": plumber.user_id}
        )
        await as_plumber.ok("POST", f"/v1/requests/{second}:complete", {"report": "Готово"})
        await as_manager.ok("POST", f"/v1/requests/{second}:confirm", {})
        returned = (
            await as_resident.ok(
                "POST", f"/v1/requests/{second}:return", {"reason": "Всё ещё капает"}
            )
        )["request"]
        assert returned["status"] == "REQUEST_STATUS_RETURNED"
        again = (
            await as_manager.ok(
                "POST", f"/v1/requests/{second}:return", {"reason": "Проверить сифон ещё раз"}
            )
        )["request"]
        assert again["status"] == "REQUEST_STATUS_IN_PROGRESS"
        assert again["executorId"] == plumber.user_id
        # Once in progress, only a manager cancels.
        status, refused = await as_resident.call(
            "POST", f"/v1/requests/{second}:cancel", {"reason": "Передумал"}
        )
        assert (status, refused["details"][0]["reason"]) == (400, "TRANSITION_NOT_ALLOWED")
        cancelled = (
            await as_manager.ok("POST", f"/v1/requests/{second}:cancel", {"reason": "Дубликат"})
        )["request"]
        assert cancelled["status"] == "REQUEST_STATUS_CANCELLED"


async def test_two_managers_assigning_at_once_one_wins(
    stack: Stack, people: dict[str, SignedIn]
) -> None:
    manager, plumber, resident = people["manager"], people["plumber"], people["resident"]
    other = await sign_in(stack, "manager")
    electrician = await sign_in(stack, "executor", specializations=("electrician", "plumber"))
    address = await a_home(stack, manager, resident)
    async with aiohttp.ClientSession(stack.rest) as http:
        filed = (await Rest(http, resident).ok("POST", "/v1/requests", new_request(address)))[
            "request"
        ]
        number, version = filed["requestNumber"], filed["version"]
        outcomes = await asyncio.gather(
            Rest(http, manager).call(
                "POST",
                f"/v1/requests/{number}:assign",
                {"executorId": plumber.user_id, "expectedVersion": version},
            ),
            Rest(http, other).call(
                "POST",
                f"/v1/requests/{number}:assign",
                {"executorId": electrician.user_id, "expectedVersion": version},
            ),
        )
    statuses = sorted(status for status, _ in outcomes)
    assert statuses[0] == 200 and statuses[1] != 200
    loser = next(answer for status, answer in outcomes if status != 200)
    assert loser["details"][0]["reason"] == "STALE_VERSION"
