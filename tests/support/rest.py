"""REST through Envoy as one person, and the address setup most end-to-end tests need."""

from __future__ import annotations

import uuid
from typing import Any

import aiohttp

from tests.support.people import SignedIn
from tests.support.stack import Stack

TASHKENT = {"latitudeE6": 41311081, "longitudeE6": 69240562}


class Rest:
    """REST calls as one person, failing loudly on anything but 200."""

    def __init__(self, http: aiohttp.ClientSession, who: SignedIn) -> None:
        self.http = http
        self.who = who

    async def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        async with self.http.request(method, path, json=body, headers=self.who.headers) as r:
            return r.status, await r.json()

    async def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, answer = await self.call(method, path, body)
        assert status == 200, (method, path, answer)
        return answer


async def a_home(stack: Stack, manager: SignedIn, resident: SignedIn) -> dict[str, str]:
    """A flat the resident is bound to (in a yard of its own: yard names are unique)."""
    async with aiohttp.ClientSession(stack.rest) as http:
        as_manager, as_resident = Rest(http, manager), Rest(http, resident)
        name = f"Yunusobod {uuid.uuid4().hex[:6]}"
        yard = (await as_manager.ok("POST", "/v1/yards", {"name": name, "location": TASHKENT}))[
            "yard"
        ]
        building = (
            await as_manager.ok(
                "POST",
                "/v1/buildings",
                {
                    "yardId": yard["id"],
                    "address": "Amir Temur 108",
                    "location": TASHKENT,
                    "entrances": 1,
                    "floors": 9,
                },
            )
        )["building"]
        flat = (
            await as_manager.ok(
                "POST", "/v1/apartments", {"buildingId": building["id"], "number": "21"}
            )
        )["apartment"]
        binding = (await as_resident.ok("POST", "/v1/bindings", {"apartmentId": flat["id"]}))[
            "binding"
        ]
        await as_manager.ok("POST", f"/v1/bindings/{binding['id']}:decide", {"approve": True})
    return {
        "level": "ADDRESS_LEVEL_APARTMENT",
        "yardId": yard["id"],
        "buildingId": building["id"],
        "apartmentId": flat["id"],
    }
