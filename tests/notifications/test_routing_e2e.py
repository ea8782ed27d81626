"""Every request row of the routing table end to end: real actions through Envoy, the whole mesh
behind it, and what each party finds on (local) Telegram — in their language, with their
buttons — while the actor and everyone else of the scenario hear nothing.

Rows proven here: request.pool_offered, request.claimed, request.materials_requested,
request.materials_ready, request.clarification_asked, request.clarification_answered,
request.commented, request.commented_internal, request.completed, request.confirmed,
request.rated and, at a shift's hand-over, request.unassigned (the pool scenario);
request.assigned, request.unassigned, request.updated, request.returned_by_applicant,
request.returned_to_work, request.cancelled (the dispatch scenario); and user.binding_approved
on the way (every resident's home is approved first). Requests a manager finishes
(request.closed, request.accepted_on_behalf) are in test_routing_closing_e2e.py, the SLA rows in
test_routing_sla_e2e.py, the users and auth rows in test_routing_people_e2e.py, templates and
preferences in test_routing_choices_e2e.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.notifications.conftest import Providers
from tests.notifications.inbox import Hears, Inbox, label
from tests.notifications.scenes import HOME, Staff, a_resident, filing, make_staff, on
from tests.support.recipients import recipient
from tests.support.stack import Stack


@pytest.fixture(scope="module")
async def staff(notify_stack: Stack) -> Staff:
    return await make_staff(notify_stack)


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


async def test_pool_claim_purchase_clarify_comment_complete_confirm_rate(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    manager, other_manager, third_manager = staff.ru, staff.uz, staff.en
    inbox = Inbox(notify_stack, outside, manager.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "uz")
    taker = await recipient(notify_stack, "executor", language="en", specializations=("plumber",))
    colleague = await recipient(
        notify_stack, "executor", language="ru", specializations=("plumber",)
    )
    electrician = await recipient(
        notify_stack, "executor", language="uz", specializations=("electrician",)
    )
    inbox.add(taker, colleague, electrician)
    for executor in (taker, colleague, electrician):
        await on(http, executor).ok("POST", "/v1/shifts:start", {})

    # Filed: straight to the plumbers' pool; the plumbers on shift are offered it.
    filed = (await on(http, resident).ok("POST", "/v1/requests", filing("plumbing", address)))[
        "request"
    ]
    number = filed["requestNumber"]
    offer = {"specialization": "plumber"}
    texts = await inbox.step(
        number,
        Hears(taker, "request.pool_offered.pool", ("Plumbing", HOME), ("take",), offer),
        Hears(colleague, "request.pool_offered.pool", ("Сантехника",), ("take",), offer),
    )
    assert filed["description"] in texts[0]

    # Claimed: the applicant hears it is taken, the other plumber that it is gone.
    await on(http, taker).ok("POST", f"/v1/requests/{number}:claim", {})
    await inbox.step(
        number,
        Hears(colleague, "request.claimed.pool", (label("ru", "category", "plumbing"),)),
        Hears(resident, "request.claimed.applicant", ("Santexnika",)),
    )

    # Materials: the managers buy them; the executor hears when they are there.
    materials = [{"name": "Siphon", "quantity": "1", "unit": "pcs"}]
    await on(http, taker).ok(
        "POST", f"/v1/requests/{number}:purchase", {"materials": materials, "comment": "50 mm"}
    )
    await inbox.step(
        number,
        *[
            Hears(
                m, "request.materials_requested.managers", ("Siphon 1 pcs", HOME), actions=("open",)
            )
            for m in staff.all
        ],
    )
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:finishPurchase", {"comment": "Siphon is at the desk"}
    )
    await inbox.step(
        number,
        Hears(taker, "request.materials_ready.executor", ("Comment: Siphon is at the desk",)),
    )

    # A question for the applicant, with a button to answer; the answer goes to the managers
    # but not to the one who wrote it.
    question = "Qaysi xonada suv oqyapti?"
    await on(http, manager).ok("POST", f"/v1/requests/{number}:clarify", {"question": question})
    await inbox.step(
        number, Hears(resident, "request.clarification_asked.applicant", (question,), ("answer",))
    )
    await on(http, resident).ok(
        "POST", f"/v1/requests/{number}:answer", {"answer": "Oshxonada, lavabo tagida"}
    )
    await inbox.step(
        number,
        *[
            Hears(
                m,
                "request.clarification_answered.managers",
                ("Oshxonada, lavabo tagida",),
                actions=("open",),
            )
            for m in staff.all
        ],
    )
    # Resolving the question tells nobody (the next step would show a stray message).
    await on(http, manager).ok("POST", f"/v1/requests/{number}:resolveClarification", {})

    # A public comment reaches the other parties; its author hears nothing.
    await on(http, taker).ok("POST", f"/v1/requests/{number}/comments", {"text": "Coming at 15:00"})
    await inbox.step(
        number,
        Hears(resident, "request.commented.applicant", ("Coming at 15:00",)),
        *[
            Hears(m, "request.commented.managers", ("Coming at 15:00",), actions=("open",))
            for m in staff.all
        ],
    )
    # An internal comment: staff only — the resident's delivery is suppressed, nothing sent.
    await on(http, other_manager).ok(
        "POST",
        f"/v1/requests/{number}/comments",
        {"text": "Bill the siphon to the building", "internal": True},
    )
    await inbox.step(
        number,
        Hears(taker, "request.commented_internal.executor", ("Bill the siphon",)),
        Hears(
            manager, "request.commented_internal.managers", ("Bill the siphon",), actions=("open",)
        ),
        Hears(
            third_manager,
            "request.commented_internal.managers",
            ("Bill the siphon",),
            actions=("open",),
        ),
        suppressed={resident: ("request.commented_internal.applicant", "staff only")},
    )

    # Done: the managers check it, the applicant hears it awaits that check.
    await on(http, taker).ok(
        "POST", f"/v1/requests/{number}:complete", {"report": "Replaced the siphon"}
    )
    await inbox.step(
        number,
        *[
            Hears(m, "request.completed.managers", ("Replaced the siphon", HOME), actions=("open",))
            for m in staff.all
        ],
        Hears(resident, "request.completed.applicant"),
    )

    # Confirmed: the applicant may accept or return it; the manager's notes stay internal.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:confirm", {"notes": "Checked, no leak"}
    )
    [ready] = await inbox.step(
        number, Hears(resident, "request.confirmed.applicant", actions=("accept", "return"))
    )
    assert "Checked" not in ready

    # Accepted with a rating: the executor hears the stars and the review.
    await on(http, resident).ok(
        "POST", f"/v1/requests/{number}:accept", {"rating": 5, "review": "Rahmat, tez bo'ldi"}
    )
    await inbox.step(
        number,
        Hears(
            taker, "request.rated.executor", ("Review: Rahmat, tez bo'ldi",), data={"rating": "5"}
        ),
    )

    # Another leak, claimed by the colleague, who then hands the shift over: the request goes
    # back to the pool — the colleague hears it is no longer theirs, the plumber still on
    # shift is offered it again.
    again = (await on(http, resident).ok("POST", "/v1/requests", filing("plumbing", address)))[
        "request"
    ]["requestNumber"]
    await inbox.step(
        again,
        Hears(taker, "request.pool_offered.pool", actions=("take",), data=offer),
        Hears(colleague, "request.pool_offered.pool", actions=("take",), data=offer),
    )
    await on(http, colleague).ok("POST", f"/v1/requests/{again}:claim", {})
    await inbox.step(
        again,
        Hears(taker, "request.claimed.pool"),
        Hears(resident, "request.claimed.applicant"),
    )
    await on(http, colleague).ok("POST", "/v1/shifts:end", {})
    await inbox.step(
        again,
        Hears(
            colleague,
            "request.unassigned.removed_executor",
            ("Причина: ",),
        ),
        Hears(taker, "request.pool_offered.pool", actions=("take",), data=offer),
    )
    await inbox.settle()
    for executor in (taker, electrician):
        await on(http, executor).ok("POST", "/v1/shifts:end", {})


async def test_assign_reassign_edit_return_twice_and_cancel(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    manager = staff.en
    inbox = Inbox(notify_stack, outside, manager.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "ru")
    first = await recipient(
        notify_stack, "executor", language="uz", specializations=("electrician",)
    )
    second = await recipient(
        notify_stack, "executor", language="en", specializations=("electrician",)
    )
    inbox.add(first, second)

    # Nobody of the pool is on shift: filing tells nobody (the pool offer finds no one).
    number = (await on(http, resident).ok("POST", "/v1/requests", filing("electricity", address)))[
        "request"
    ]["requestNumber"]

    # Assigned by a manager: the executor gets the card with a button, the applicant hears
    # it is taken into work.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": first.user_id}
    )
    [card, _] = await inbox.step(
        number,
        Hears(first, "request.assigned.executor", ("Toifa: Elektr", HOME), ("open",)),
        Hears(resident, "request.assigned.applicant", ("Категория: Электрика",)),
    )
    assert "Problem with the electricity" in card

    # Reassigned: the removed executor is told, the new one gets the card, and the applicant
    # (who knows the work is under way) hears nothing again.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": second.user_id}
    )
    await inbox.step(
        number,
        Hears(first, "request.unassigned.removed_executor", ("Sabab: ",)),
        Hears(second, "request.assigned.executor", ("Category: Electricity",), ("open",)),
    )

    # A manager raises the urgency: the executor hears what changed and why.
    await on(http, manager).ok(
        "PATCH",
        f"/v1/requests/{number}",
        {"urgency": "URGENCY_CRITICAL", "reason": "Sparks from the socket"},
    )
    await inbox.step(
        number,
        Hears(second, "request.updated.executor", ("urgency", "Reason: Sparks from the socket")),
    )

    # Completed, confirmed, then returned by the applicant: executor and managers hear why.
    await on(http, second).ok("POST", "/v1/shifts:start", {})
    await on(http, second).ok(
        "POST", f"/v1/requests/{number}:complete", {"report": "Socket replaced"}
    )
    await inbox.step(
        number,
        *[
            Hears(m, "request.completed.managers", ("Socket replaced",), actions=("open",))
            for m in staff.all
        ],
        Hears(resident, "request.completed.applicant"),
    )
    await on(http, manager).ok("POST", f"/v1/requests/{number}:confirm", {})
    await inbox.step(
        number, Hears(resident, "request.confirmed.applicant", actions=("accept", "return"))
    )
    await on(http, resident).ok(
        "POST", f"/v1/requests/{number}:return", {"reason": "Розетка снова искрит"}
    )
    await inbox.step(
        number,
        Hears(second, "request.returned_by_applicant.executor", ("Reason: Розетка снова искрит",)),
        *[
            Hears(
                m,
                "request.returned_by_applicant.managers",
                ("Розетка снова искрит",),
                actions=("open",),
            )
            for m in staff.all
        ],
    )

    # Back to work by a manager: executor and applicant hear the reason; the manager does not.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:return", {"reason": "Check the wiring behind it"}
    )
    await inbox.step(
        number,
        Hears(second, "request.returned_to_work.executor", ("Reason: Check the wiring",)),
        Hears(resident, "request.returned_to_work.applicant", ("Причина: Check the wiring",)),
    )

    # Cancelled by a manager: the applicant and the executor working on it hear why.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:cancel", {"reason": "Duplicate of another request"}
    )
    await inbox.step(
        number,
        Hears(resident, "request.cancelled.applicant", ("Причина: Duplicate",)),
        Hears(second, "request.cancelled.executor", ("Reason: Duplicate", HOME)),
    )
    await on(http, second).ok("POST", "/v1/shifts:end", {})

    # The owner cancelling their own new request: they did it, nobody else was involved.
    own = (await on(http, resident).ok("POST", "/v1/requests", filing("electricity", address)))[
        "request"
    ]["requestNumber"]
    await on(http, resident).ok("POST", f"/v1/requests/{own}:cancel", {"reason": "Fixed it myself"})
    inbox.subjects.add(own)
    await inbox.settle()


async def test_a_removed_executor_reads_why_in_their_language(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    manager = staff.ru
    inbox = Inbox(notify_stack, outside, manager.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "ru")
    first, second = [
        await recipient(notify_stack, "executor", language=lang, specializations=("repair",))
        for lang in ("uz", "en")
    ]
    inbox.add(first, second)
    number = (await on(http, resident).ok("POST", "/v1/requests", filing("repair", address)))[
        "request"
    ]["requestNumber"]
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": first.user_id}
    )
    await inbox.step(
        number,
        Hears(first, "request.assigned.executor", actions=("open",)),
        Hears(resident, "request.assigned.applicant"),
    )
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": second.user_id}
    )
    [removed, _] = await inbox.step(
        number,
        Hears(first, "request.unassigned.removed_executor"),
        Hears(second, "request.assigned.executor", actions=("open",)),
    )
    assert "reassigned by a manager" not in removed, removed
    assert "Sabab: menejer arizani boshqa ijrochiga berdi" in removed, removed
