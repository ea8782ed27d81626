"""Filing through the mesh with the real caller: residents file only for the addresses the
directory resolves for them (re-resolved server-side), and see only their own requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.support.db import execute
from tests.support.people import SignedIn, sign_in
from tests.support.stack import Stack, mesh_behind_envoy

TASHKENT = {"latitudeE6": 41311081, "longitudeE6": 69240562}


@pytest.fixture
async def stack(
    database_url: str, nats_url: str, pki_dir: Path, tmp_path: Path
) -> AsyncIterator[Stack]:
    async with mesh_behind_envoy(database_url, nats_url, pki_dir, tmp_path) as running:
        yield running


async def call(
    http: aiohttp.ClientSession, who: SignedIn, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with http.request(method, path, json=body, headers=who.headers) as response:
        return response.status, await response.json()


async def ok(
    http: aiohttp.ClientSession, who: SignedIn, method: str, path: str, body: Any = None
) -> Any:
    status, answer = await call(http, who, method, path, body)
    assert status == 200, answer
    return answer


def filing(apartment: dict[str, str], *, level: str = "ADDRESS_LEVEL_APARTMENT") -> dict[str, Any]:
    address = {"level": level, "yardId": apartment["yard"], "buildingId": apartment["building"]}
    if level == "ADDRESS_LEVEL_APARTMENT":
        address["apartmentId"] = apartment["id"]
    return {
        "category": "CATEGORY_PLUMBING",
        "description": "Течёт кран на кухне, нужна замена смесителя",
        "address": address,
    }


async def test_residents_file_for_their_own_apartment_only(stack: Stack) -> None:
    manager = await sign_in(stack, "manager")
    alice, bob = await sign_in(stack, "applicant"), await sign_in(stack, "applicant")
    inspector = await sign_in(stack, "inspector")
    async with aiohttp.ClientSession(stack.rest) as http:
        yard = (
            await ok(
                http, manager, "POST", "/v1/yards", {"name": "Olmazor City", "location": TASHKENT}
            )
        )["yard"]
        building = (
            await ok(
                http,
                manager,
                "POST",
                "/v1/buildings",
                {
                    "yardId": yard["id"],
                    "address": "ул. Чиланзар, 12",
                    "location": TASHKENT,
                    "entrances": 2,
                    "floors": 9,
                },
            )
        )["building"]
        flats = (
            await ok(
                http,
                manager,
                "POST",
                "/v1/apartments:createRange",
                {"buildingId": building["id"], "first": 1, "last": 4},
            )
        )["apartments"]
        mine, theirs = (
            {"id": flat["id"], "building": building["id"], "yard": yard["id"]} for flat in flats[:2]
        )

        # Nothing is Alice's until a manager approves her binding.
        status, refused = await call(http, alice, "POST", "/v1/requests", filing(mine))
        assert status == 403
        assert refused["details"][0]["reason"] == "ADDRESS_NOT_ALLOWED"
        binding = (await ok(http, alice, "POST", "/v1/bindings", {"apartmentId": mine["id"]}))[
            "binding"
        ]
        await ok(http, manager, "POST", f"/v1/bindings/{binding['id']}:decide", {"approve": True})

        filed = (await ok(http, alice, "POST", "/v1/requests", filing(mine)))["request"]
        assert filed["applicantId"] == alice.user_id
        status, refused = await call(http, alice, "POST", "/v1/requests", filing(theirs))
        assert (status, refused["details"][0]["reason"]) == (403, "ADDRESS_NOT_ALLOWED")
        # Nor may she file in someone else's name.
        on_behalf = {**filing(mine), "applicantId": bob.user_id}
        status, refused = await call(http, alice, "POST", "/v1/requests", on_behalf)
        assert (status, refused["details"][0]["reason"]) == (403, "ON_BEHALF_NOT_ALLOWED")

        # Bob sees none of it: not in his list, and the number does not exist for him.
        number = filed["requestNumber"]
        assert (await ok(http, bob, "GET", "/v1/requests"))["requests"] == []
        status, _ = await call(http, bob, "GET", f"/v1/requests/{number}")
        assert status == 404
        assert (await ok(http, alice, "GET", f"/v1/requests/{number}"))["request"] == filed
        listed = (await ok(http, manager, "GET", "/v1/requests"))["requests"]
        assert [r["requestNumber"] for r in listed] == [number]

        # Inspectors file building-level requests for any building, without residency.
        building_level = filing(mine, level="ADDRESS_LEVEL_BUILDING")
        by_inspector = (await ok(http, inspector, "POST", "/v1/requests", building_level))[
            "request"
        ]
        assert by_inspector["applicantId"] == inspector.user_id
        status, _ = await call(http, inspector, "POST", "/v1/requests", filing(mine))
        assert status == 403


async def test_neighbours_see_a_request_of_their_flat_only_while_it_awaits_acceptance(
    stack: Stack,
) -> None:
    manager = await sign_in(stack, "manager")
    owner, neighbour = await sign_in(stack, "applicant"), await sign_in(stack, "applicant")
    async with aiohttp.ClientSession(stack.rest) as http:
        yard = (
            await ok(
                http, manager, "POST", "/v1/yards", {"name": "Chilonzor 7", "location": TASHKENT}
            )
        )["yard"]
        building = (
            await ok(
                http,
                manager,
                "POST",
                "/v1/buildings",
                {
                    "yardId": yard["id"],
                    "address": "Bunyodkor 5",
                    "location": TASHKENT,
                    "entrances": 1,
                    "floors": 5,
                },
            )
        )["building"]
        flat = (
            await ok(
                http,
                manager,
                "POST",
                "/v1/apartments",
                {"buildingId": building["id"], "number": "7"},
            )
        )["apartment"]
        for resident in (owner, neighbour):
            binding = (
                await ok(http, resident, "POST", "/v1/bindings", {"apartmentId": flat["id"]})
            )["binding"]
            await ok(
                http, manager, "POST", f"/v1/bindings/{binding['id']}:decide", {"approve": True}
            )
        home = {"id": flat["id"], "building": building["id"], "yard": yard["id"]}
        number = (await ok(http, owner, "POST", "/v1/requests", filing(home)))["request"][
            "requestNumber"
        ]

        async def neighbour_sees() -> tuple[bool, bool]:
            listed = (await ok(http, neighbour, "GET", "/v1/requests"))["requests"]
            status, _ = await call(http, neighbour, "GET", f"/v1/requests/{number}")
            return [r["requestNumber"] for r in listed] == [number], status == 200

        assert await neighbour_sees() == (False, False)
        # The lifecycle (issue 4) moves requests to CONFIRMED; here the database does it.
        await execute(
            stack.settings.database_url.get_secret_value(),
            f"UPDATE requests.requests SET status = 'confirmed' WHERE number = '{number}'",
        )
        assert await neighbour_sees() == (True, True)
