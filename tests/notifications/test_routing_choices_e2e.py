"""What managers and people choose, end to end through Envoy: a template a manager edits is what
the next message says (an edit with a placeholder the template may not use is refused, naming
it and what it may use; a reset brings the shipped text back), and a person's preferences —
their language, the kinds they muted — rule the next messages, except that urgent ones still
come.

The manager here acts and reads the delivery records but is not watched (no Telegram; the
managers' own messages are proven in test_routing_e2e.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from services.notifications.templates import default_catalogue
from tests.notifications.conftest import Providers
from tests.notifications.inbox import Hears, Inbox
from tests.notifications.scenes import HOME, filing, on
from tests.support.people import SignedIn, sign_in
from tests.support.recipients import Recipient, recipient
from tests.support.rest import Rest, a_home
from tests.support.stack import Stack

KEY = "request.commented.applicant"


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


@pytest.fixture
async def manager(notify_stack: Stack) -> SignedIn:
    return await sign_in(notify_stack, "manager")


async def a_request_in_work(
    stack: Stack,
    http: aiohttp.ClientSession,
    inbox: Inbox,
    manager: SignedIn,
    resident: Recipient,
    executor: Recipient,
    category: str,
) -> str:
    """A request of `resident`'s assigned to `executor` (both told, which this asserts)."""
    address = await a_home(stack, manager, resident.person)
    await inbox.step(
        resident.user_id, Hears(resident, "user.binding_approved.subject", also=(HOME,))
    )
    number: str = (await on(http, resident).ok("POST", "/v1/requests", filing(category, address)))[
        "request"
    ]["requestNumber"]
    await Rest(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": executor.user_id}
    )
    await inbox.step(
        number,
        Hears(executor, "request.assigned.executor", actions=("open",)),
        Hears(resident, "request.assigned.applicant"),
    )
    return number


async def test_an_edited_template_is_what_the_next_message_says_until_reset(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    resident = await recipient(notify_stack, language="uz")
    executor = await recipient(
        notify_stack, "executor", language="en", specializations=("heating",)
    )
    inbox = Inbox(notify_stack, outside, manager, resident, executor)
    number = await a_request_in_work(
        notify_stack, http, inbox, manager, resident, executor, "heating"
    )
    as_manager = Rest(http, manager)

    async def comment(text: str) -> None:
        await as_manager.ok("POST", f"/v1/requests/{number}/comments", {"text": text})

    # The residents' Uzbek text of a comment, edited: the next comment to a resident reads it;
    # the executor's template (the same shipped text under another key) is untouched.
    edited = "**Menejerdan xabar, №{number}**\n{comment}\nSavollar bo'lsa, shu yerda yozing."
    try:
        answer = await as_manager.ok(
            "PATCH", f"/v1/notifications/templates/{KEY}", {"language": "uz", "text": edited}
        )
        assert answer["template"]["texts"]["uz"] == edited
        assert answer["template"]["editedLanguages"] == ["uz"]
        await comment("Usta ertaga soat 10 da keladi")
        await inbox.step(
            number,
            Hears(
                resident,
                KEY,
                ("Usta ertaga soat 10 da keladi", "Savollar bo'lsa, shu yerda yozing."),
                first_line=f"Menejerdan xabar, №{number}",
            ),
            Hears(executor, "request.commented.executor", ("Usta ertaga",)),
        )

        # A placeholder the template may not use: refused, naming it and what it may use; the
        # text in force stays.
        status, refused = await as_manager.call(
            "PATCH",
            f"/v1/notifications/templates/{KEY}",
            {"language": "uz", "text": "Ijrochi {executor_name}: {comment}"},
        )
        assert status == 400, refused
        [details] = refused["details"]
        assert details["@type"] == "type.googleapis.com/google.rpc.BadRequest"
        [violation] = details["fieldViolations"]
        assert violation["field"] == "text"
        assert "{executor_name}" in violation["description"]
        assert "may use {category}, {comment}, {number}" in violation["description"]
        kept = await as_manager.ok("GET", f"/v1/notifications/templates/{KEY}")
        assert kept["template"]["texts"]["uz"] == edited
    finally:
        reset = await as_manager.ok(
            "POST", f"/v1/notifications/templates/{KEY}:reset", {"language": "uz"}
        )

    # Reset: the shipped text is in force again, and is what the next message says.
    shipped = default_catalogue().templates[KEY].texts["uz"]
    assert reset["template"]["texts"]["uz"] == shipped
    assert not reset["template"].get("editedLanguages")
    await comment("Usta keldi")
    [text, _] = await inbox.step(
        number,
        Hears(resident, KEY, ("Usta keldi",)),
        Hears(executor, "request.commented.executor", ("Usta keldi",)),
    )
    assert "Menejerdan" not in text
    await inbox.settle()


async def test_a_chosen_language_and_mutes_rule_the_next_messages_but_urgent_ones_come(
    notify_stack: Stack, outside: Providers, http: aiohttp.ClientSession, manager: SignedIn
) -> None:
    resident = await recipient(notify_stack, language="ru")
    executor = await recipient(
        notify_stack, "executor", language="uz", specializations=("ventilation",)
    )
    inbox = Inbox(notify_stack, outside, manager, resident, executor)
    as_resident, as_manager = on(http, resident), Rest(http, manager)

    # The resident (Russian profile) chooses English for their messages.
    chosen = await as_resident.ok(
        "PATCH", "/v1/notifications/preferences", {"language": "en", "updateMask": "language"}
    )
    assert chosen["preferences"]["language"] == "en"
    address = await a_home(notify_stack, manager, resident.person)
    await inbox.step(
        resident.user_id,
        Hears(resident, "user.binding_approved.subject", (HOME,), language="en"),
    )
    number = (await as_resident.ok("POST", "/v1/requests", filing("ventilation", address)))[
        "request"
    ]["requestNumber"]
    await as_manager.ok("POST", f"/v1/requests/{number}:assign", {"executorId": executor.user_id})
    await inbox.step(
        number,
        Hears(executor, "request.assigned.executor", actions=("open",)),
        Hears(resident, "request.assigned.applicant", ("Category: Ventilation",), language="en"),
    )

    # Comments and questions muted (the language choice is kept: only the masked field
    # changes).
    muted = await as_resident.ok(
        "PATCH",
        "/v1/notifications/preferences",
        {
            "mutedKinds": ["request.commented", "request.clarification_asked"],
            "updateMask": "mutedKinds",
        },
    )
    assert muted["preferences"]["language"] == "en"
    assert sorted(muted["preferences"]["mutedKinds"]) == [
        "request.clarification_asked",
        "request.commented",
    ]
    await as_manager.ok(
        "POST", f"/v1/requests/{number}/comments", {"text": "The fan arrives on Friday"}
    )
    await inbox.step(
        number,
        Hears(executor, "request.commented.executor", ("The fan arrives on Friday",)),
        suppressed={resident: ("request.commented.applicant", "request.commented is muted")},
    )
    await as_manager.ok("POST", f"/v1/requests/{number}:clarify", {"question": "Is it noisy?"})
    await inbox.step(
        number,
        suppressed={
            resident: (
                "request.clarification_asked.applicant",
                "request.clarification_asked is muted",
            )
        },
    )
    await as_manager.ok("POST", f"/v1/requests/{number}:resolveClarification", {})

    # Critical now: a question about a critical request is urgent, and comes despite the mute.
    await as_manager.ok(
        "PATCH", f"/v1/requests/{number}", {"urgency": "URGENCY_CRITICAL", "reason": "Smoke"}
    )
    await inbox.step(number, Hears(executor, "request.updated.executor", ("Sabab: Smoke",)))
    await as_manager.ok(
        "POST", f"/v1/requests/{number}:clarify", {"question": "Is there smoke right now?"}
    )
    await inbox.step(
        number,
        Hears(
            resident,
            "request.clarification_asked.applicant",
            ("Is there smoke right now?",),
            ("answer",),
            language="en",
        ),
    )
    urgent = [
        d["urgent"]
        for d in await inbox.deliveries(number)
        if d["kind"] == "request.clarification_asked" and d["state"] == "DELIVERY_STATE_DELIVERED"
    ]
    assert urgent == [True]
    await inbox.settle()
