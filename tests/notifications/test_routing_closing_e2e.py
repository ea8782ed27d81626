"""Requests a manager finishes, end to end: completed on the executor's behalf (the other
managers check it, not the one who did it), accepted on the resident's behalf after they sent
it back, and — for a request an inspector reported, in manager acceptance mode — closed by the
manager's confirmation.

Rows proven here: request.closed and request.accepted_on_behalf, with request.assigned,
request.completed (by a manager), request.confirmed and request.returned_by_applicant on the
way. The rest of the request rows are in test_routing_e2e.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.notifications.conftest import Providers
from tests.notifications.inbox import Hears, Inbox
from tests.notifications.scenes import Staff, a_resident, filing, make_staff, on
from tests.support.recipients import recipient
from tests.support.stack import Stack


@pytest.fixture(scope="module")
async def staff(notify_stack: Stack) -> Staff:
    return await make_staff(notify_stack)


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


async def test_a_manager_completes_accepts_on_behalf_and_closes(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    manager = staff.uz
    others = (staff.ru, staff.en)
    inbox = Inbox(notify_stack, outside, manager.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "en")
    cleaner = await recipient(
        notify_stack, "executor", language="ru", specializations=("cleaning",)
    )
    inspector = await recipient(notify_stack, "inspector", language="uz")
    inbox.add(cleaner, inspector)

    # Completed by a manager on the executor's behalf: the other managers check it, not the
    # one who did it.
    number = (await on(http, resident).ok("POST", "/v1/requests", filing("cleaning", address)))[
        "request"
    ]["requestNumber"]
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": cleaner.user_id}
    )
    await inbox.step(
        number,
        Hears(cleaner, "request.assigned.executor", ("Категория: Уборка",), ("open",)),
        Hears(resident, "request.assigned.applicant", ("Category: Cleaning",)),
    )
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:complete", {"report": "Stairwell washed (by phone)"}
    )
    await inbox.step(
        number,
        *[
            Hears(m, "request.completed.managers", ("Stairwell washed",), actions=("open",))
            for m in others
        ],
        Hears(resident, "request.completed.applicant"),
    )
    await on(http, manager).ok("POST", f"/v1/requests/{number}:confirm", {})
    await inbox.step(
        number, Hears(resident, "request.confirmed.applicant", actions=("accept", "return"))
    )
    await on(http, resident).ok(
        "POST", f"/v1/requests/{number}:return", {"reason": "The 5th floor was skipped"}
    )
    await inbox.step(
        number,
        Hears(cleaner, "request.returned_by_applicant.executor", ("5th floor",)),
        *[
            Hears(m, "request.returned_by_applicant.managers", ("5th floor",), actions=("open",))
            for m in staff.all
        ],
    )
    # Accepted on the resident's behalf (they did not answer the phone): they hear it, with the
    # manager's comment; no rating, so the executor hears nothing.
    comment = "Checked the 5th floor myself, it is clean"
    await on(http, manager).ok("POST", f"/v1/requests/{number}:accept", {"comment": comment})
    await inbox.step(
        number, Hears(resident, "request.accepted_on_behalf.applicant", (f"Comment: {comment}",))
    )

    # Reported by an inspector, closed by the manager's confirmation (manager acceptance mode):
    # the inspector hears it is done and closed.
    building = {k: address[k] for k in ("yardId", "buildingId")}
    reported = filing(
        "cleaning",
        {"level": "ADDRESS_LEVEL_BUILDING", **building},
        acceptanceMode="ACCEPTANCE_MODE_MANAGER",
        source="SOURCE_INSPECTOR",
    )
    walk = (await on(http, inspector).ok("POST", "/v1/requests", reported))["request"][
        "requestNumber"
    ]
    await on(http, manager).ok(
        "POST", f"/v1/requests/{walk}:assign", {"executorId": cleaner.user_id}
    )
    await inbox.step(
        walk,
        Hears(cleaner, "request.assigned.executor", ("Уборка",), ("open",)),
        Hears(inspector, "request.assigned.applicant", ("Tozalash",)),
    )
    await on(http, cleaner).ok("POST", "/v1/shifts:start", {})
    await on(http, cleaner).ok(
        "POST", f"/v1/requests/{walk}:complete", {"report": "Entrance swept"}
    )
    await inbox.step(
        walk,
        *[
            Hears(m, "request.completed.managers", ("Entrance swept",), actions=("open",))
            for m in staff.all
        ],
        Hears(inspector, "request.completed.applicant"),
    )
    closed = (await on(http, manager).ok("POST", f"/v1/requests/{walk}:confirm", {}))["request"]
    assert closed["status"] == "REQUEST_STATUS_ACCEPTED"
    await inbox.step(walk, Hears(inspector, "request.closed.applicant", ("Toifa: Tozalash",)))
    await on(http, cleaner).ok("POST", "/v1/shifts:end", {})
    await inbox.settle()
