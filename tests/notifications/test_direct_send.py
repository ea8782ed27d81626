"""Direct sends through Envoy: to people or a role, from a template or as text, idempotent by
key, tracked from queued to delivered."""

from __future__ import annotations

import uuid

import aiohttp

from tests.notifications.conftest import Providers
from tests.support.events import wait_until
from tests.support.people import sign_in
from tests.support.recipients import recipient
from tests.support.rest import Rest
from tests.support.stack import Stack


async def test_a_text_reaches_the_person_on_telegram_and_is_tracked(
    notify_stack: Stack, outside: Providers
) -> None:
    manager = await sign_in(notify_stack, "manager")
    resident = await recipient(notify_stack)
    body = {
        "userIds": [resident.user_id],
        "text": "Water is off on Monday <10:00–12:00> & back by noon",
        "idempotencyKey": f"outage-{uuid.uuid4()}",
    }
    async with aiohttp.ClientSession(notify_stack.rest) as http:
        as_manager = Rest(http, manager)
        answer = await as_manager.ok("POST", "/v1/notifications:send", body)
        [delivery] = answer["deliveries"]
        assert delivery["recipientId"] == resident.user_id

        async def delivered() -> bool:
            found = await as_manager.ok("GET", f"/v1/notifications/deliveries/{delivery['id']}")
            return bool(found["delivery"]["state"] == "DELIVERY_STATE_DELIVERED")

        await wait_until(delivered)
        [sent] = outside.bot.sent_to(resident.chat_id)
        assert (
            sent.params["text"] == "Water is off on Monday &lt;10:00–12:00&gt; &amp; back by noon"
        )
        found = (await as_manager.ok("GET", f"/v1/notifications/deliveries/{delivery['id']}"))[
            "delivery"
        ]
        assert found["channel"] == "CHANNEL_TELEGRAM"
        assert [a["outcome"] for a in found["attempts"]] == ["ATTEMPT_OUTCOME_SENT"]

        # The same key again: the same delivery, no second message.
        again = await as_manager.ok("POST", "/v1/notifications:send", body)
        assert [d["id"] for d in again["deliveries"]] == [delivery["id"]]
        assert len(outside.bot.sent_to(resident.chat_id)) == 1
