"""When providers fail: transient errors retried, Telegram's flood control waited out, a blocked
bot falling back to e-mail, permanent failures ending as dead letters an admin can retry; quiet
hours and the per-person limit holding messages back without losing them."""

from __future__ import annotations

import time as clock
import uuid
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest

from services.kit.timezone import BUSINESS_TZ
from tests.notifications.conftest import Providers
from tests.support.events import wait_until
from tests.support.people import SignedIn, sign_in
from tests.support.recipients import Recipient, recipient
from tests.support.rest import Rest
from tests.support.stack import Stack
from tests.support.telegram_api import Failure

FINAL = {
    "DELIVERY_STATE_SENT",
    "DELIVERY_STATE_DELIVERED",
    "DELIVERY_STATE_FAILED",
    "DELIVERY_STATE_SUPPRESSED",
}


class Desk:
    """A manager (and an admin) sending and following deliveries over REST."""

    def __init__(self, http: aiohttp.ClientSession, manager: SignedIn, admin: SignedIn) -> None:
        self.manager = Rest(http, manager)
        self.admin = Rest(http, admin)

    async def send(self, person: Recipient, text: str, **extra: Any) -> str:
        body = {
            "userIds": [person.user_id],
            "text": text,
            "idempotencyKey": str(uuid.uuid4()),
            **extra,
        }
        [delivery] = (await self.manager.ok("POST", "/v1/notifications:send", body))["deliveries"]
        return str(delivery["id"])

    async def delivery(self, delivery_id: str) -> dict[str, Any]:
        answer = await self.manager.ok("GET", f"/v1/notifications/deliveries/{delivery_id}")
        return dict(answer["delivery"])

    async def settled(self, delivery_id: str, within: float = 15.0) -> dict[str, Any]:
        async def final() -> bool:
            return (await self.delivery(delivery_id))["state"] in FINAL

        await wait_until(final, within=within, interval=0.05)
        return await self.delivery(delivery_id)


@pytest.fixture
async def desk(notify_stack: Stack) -> Any:
    async with aiohttp.ClientSession(notify_stack.rest) as http:
        yield Desk(
            http, await sign_in(notify_stack, "manager"), await sign_in(notify_stack, "admin")
        )


def outcomes(delivery: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (a["channel"].removeprefix("CHANNEL_"), a["outcome"].removeprefix("ATTEMPT_OUTCOME_"))
        for a in delivery["attempts"]
    ]


async def test_server_errors_are_retried_then_delivered(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack)
    outside.bot.fail_next(Failure.server_error(), times=1)
    outside.bot.fail_next(Failure.bad_gateway(), times=1)
    done = await desk.settled(await desk.send(person, "Lift repaired"))
    assert done["state"] == "DELIVERY_STATE_DELIVERED"
    assert outcomes(done) == [
        ("TELEGRAM", "TRANSIENT"),
        ("TELEGRAM", "TRANSIENT"),
        ("TELEGRAM", "SENT"),
    ]
    assert "500" in done["attempts"][0]["error"] and "502" in done["attempts"][1]["error"]
    assert len(outside.bot.sent_to(person.chat_id)) == 1  # type: ignore[arg-type]


async def test_flood_control_is_waited_out(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack)
    outside.bot.fail_next(Failure.too_many_requests(retry_after=1))
    done = await desk.settled(await desk.send(person, "Water is back"))
    assert outcomes(done) == [("TELEGRAM", "TRANSIENT"), ("TELEGRAM", "SENT")]
    first, second = (datetime.fromisoformat(a["time"]) for a in done["attempts"])
    assert second - first >= timedelta(seconds=1)
    assert done["attempts"][0]["retryAfterSeconds"] == 1


async def test_a_blocked_bot_falls_back_to_email_and_is_remembered(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack)
    outside.bot.fail_chat(person.chat_id, Failure.blocked())  # type: ignore[arg-type]
    done = await desk.settled(await desk.send(person, "Your request is done"))
    assert done["state"] == "DELIVERY_STATE_SENT"
    assert outcomes(done) == [("TELEGRAM", "UNREACHABLE"), ("EMAIL", "SENT")]
    [mail] = [m for m in outside.smtp.received if person.email in m.rcpt_tos]
    assert "Your request is done" in mail.message.get_body(("plain",)).get_content()

    async with aiohttp.ClientSession(notify_stack.rest) as http:
        as_person = Rest(http, person.person)
        mine = (await as_person.ok("GET", "/v1/notifications/preferences"))["preferences"]
        assert mine["unreachableChannels"] == ["CHANNEL_TELEGRAM"]
        # The next message does not knock on the closed door again.
        calls = len(outside.bot.calls)
        again = await desk.settled(await desk.send(person, "And another thing"))
        assert outcomes(again) == [("EMAIL", "SENT")]
        assert len(outside.bot.calls) == calls
        # They unblock the bot (the bot tells the service): Telegram again.
        outside.bot.heal_chat(person.chat_id)  # type: ignore[arg-type]
        await as_person.ok(
            "POST", "/v1/notifications/preferences:reachable", {"channel": "CHANNEL_TELEGRAM"}
        )
        back = await desk.settled(await desk.send(person, "Welcome back"))
        assert outcomes(back) == [("TELEGRAM", "SENT")]


async def test_permanent_failures_end_as_a_dead_letter_an_admin_can_retry(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack, phone="+998901112233")
    outside.bot.fail_chat(person.chat_id, Failure.chat_not_found())  # type: ignore[arg-type]
    outside.smtp.refuse_recipient(person.email, "554 5.7.1 Message rejected")
    outside.sms.balance = 0  # Eskiz: "insufficient funds", a 400 that retrying cannot fix
    delivery_id = await desk.send(person, "Meter reading due")
    dead = await desk.settled(delivery_id)
    assert dead["state"] == "DELIVERY_STATE_FAILED"
    assert [c for c, _ in outcomes(dead)] == ["TELEGRAM", "EMAIL", "SMS"]
    assert all(o == "PERMANENT" for _, o in outcomes(dead))

    # Only admins retry dead letters; and only dead letters are retried.
    status, refused = await desk.manager.call(
        "POST", f"/v1/notifications/deliveries/{delivery_id}:retry", {}
    )
    assert status == 403, refused
    outside.reset()
    retried = await desk.admin.ok("POST", f"/v1/notifications/deliveries/{delivery_id}:retry", {})
    assert retried["delivery"]["state"] == "DELIVERY_STATE_QUEUED"
    done = await desk.settled(delivery_id)
    assert done["state"] == "DELIVERY_STATE_DELIVERED"
    assert done["retriedBy"]
    assert len(outside.bot.sent_to(person.chat_id)) == 1  # type: ignore[arg-type]
    status, again = await desk.admin.call(
        "POST", f"/v1/notifications/deliveries/{delivery_id}:retry", {}
    )
    assert status == 400 and again["details"][0]["reason"] == "NOT_A_DEAD_LETTER", again


async def test_quiet_hours_hold_ordinary_messages_but_not_urgent_ones(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack)
    now = datetime.now(BUSINESS_TZ)
    start, end = now - timedelta(hours=1), now + timedelta(hours=1)
    quiet = {"start": start.strftime("%H:%M"), "end": end.strftime("%H:%M")}
    async with aiohttp.ClientSession(notify_stack.rest) as http:
        await Rest(http, person.person).ok(
            "PATCH",
            "/v1/notifications/preferences?update_mask=quiet_hours",
            {"quietHours": quiet},
        )
    held_id = await desk.send(person, "The newsletter")
    urgent = await desk.settled(await desk.send(person, "Gas leak: leave now", urgent=True))
    assert urgent["state"] == "DELIVERY_STATE_DELIVERED"
    held = await desk.delivery(held_id)
    assert held["state"] == "DELIVERY_STATE_QUEUED" and held["attempts"] == []
    due = datetime.fromisoformat(held["nextAttemptTime"]).astimezone(BUSINESS_TZ)
    assert due.strftime("%H:%M") == quiet["end"]
    [sent] = outside.bot.sent_to(person.chat_id)  # type: ignore[arg-type]
    assert "Gas leak" in sent.params["text"]


async def test_the_per_person_limit_delays_the_surplus_and_drops_nothing(
    notify_stack: Stack, outside: Providers, desk: Desk
) -> None:
    person = await recipient(notify_stack)
    started = clock.monotonic()
    ids = [await desk.send(person, f"Update {n}") for n in range(12)]
    done = [await desk.settled(i, within=20) for i in ids]
    assert {d["state"] for d in done} == {"DELIVERY_STATE_DELIVERED"}
    texts = {c.params["text"] for c in outside.bot.sent_to(person.chat_id)}  # type: ignore[arg-type]
    assert texts == {f"Update {n}" for n in range(12)}
    # Ten within the three-second window, the rest once it had moved on.
    assert clock.monotonic() - started >= 2.5
