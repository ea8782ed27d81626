"""The SLA rows end to end: request.sla_warning (managers) and request.sla_breached (managers and
the executor, urgent), and nobody else of the scenario.

The requests service's SLA scheduler sends these at 80 % and 100 % of a clock — half an hour at
the least (a critical request's response clock), hours or days otherwise — so no test can wait
for them. They are published into JetStream here exactly as the scheduler's outbox relay would:
the request as the service carries it (read back through Envoy, its SLA block showing the
clock's state), wrapped by `services.kit.envelope.wrap`, on `event_subject`, with the event id
as `Nats-Msg-Id`. Everything after the publish is the real path: the notifications consumer,
the users and shifts services, the worker, Telegram.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
import grpc
import nats
import pytest
from google.protobuf.message import Message
from ukm.events.v1.envelope_pb2 import Envelope
from ukm.requests.v1 import events_pb2, request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from services.kit.envelope import event_subject, wrap
from tests.notifications.conftest import Providers
from tests.notifications.inbox import Hears, Inbox
from tests.notifications.scenes import HOME, Staff, a_resident, filing, make_staff, on
from tests.support.people import SignedIn
from tests.support.recipients import recipient
from tests.support.stack import Stack

TASHKENT = ZoneInfo("Asia/Tashkent")


@pytest.fixture(scope="module")
async def staff(notify_stack: Stack) -> Staff:
    return await make_staff(notify_stack)


@pytest.fixture
async def http(notify_stack: Stack) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(notify_stack.rest) as session:
        yield session


async def as_carried(stack: Stack, manager: SignedIn, number: str) -> request_pb2.Request:
    """The request as the requests service puts it in its events (SLA block included)."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        answer = await rpc.RequestServiceStub(channel).GetRequest(
            pb.GetRequestRequest(request_number=number), metadata=manager.metadata
        )
    request: request_pb2.Request = answer.request
    return request


async def publish(
    stack: Stack, event: Message, number: str, *, again: Envelope | None = None
) -> Envelope:
    """`event` into the REQUESTS stream as the requests service's relay publishes it; `again`:
    that envelope once more, past JetStream's duplicate window (another message id)."""
    envelope = again or wrap(event, source="requests", subject=number)
    message_id = f"{envelope.id}:again" if again else envelope.id
    client = await nats.connect(stack.settings.nats_url)
    try:
        await client.jetstream().publish(
            event_subject("requests", event),
            envelope.SerializeToString(),
            headers={"Nats-Msg-Id": message_id},
        )
    finally:
        await client.close()
    return envelope


def local(stamp: datetime) -> str:
    """A due time as people in Tashkent read it."""
    return stamp.astimezone(TASHKENT).strftime("%d.%m.%Y %H:%M")


async def test_deadline_warning_and_breach(
    notify_stack: Stack, outside: Providers, staff: Staff, http: aiohttp.ClientSession
) -> None:
    manager = staff.ru
    inbox = Inbox(notify_stack, outside, manager.person, *staff.all)
    resident, address = await a_resident(notify_stack, staff, inbox, "uz")
    lift = await recipient(notify_stack, "executor", language="en", specializations=("elevator",))
    inbox.add(lift)
    number = (
        await on(http, resident).ok(
            "POST", "/v1/requests", filing("elevator", address, urgency="URGENCY_CRITICAL")
        )
    )["request"]["requestNumber"]

    # 80 % of the response clock gone, nobody assigned yet: the managers are warned (all of
    # them: the scheduler is nobody's act).
    request = await as_carried(notify_stack, manager.person, number)
    request.sla.response_state = request_pb2.SLA_STATE_WARNING
    warning = events_pb2.SlaWarning(
        request=request,
        clock=events_pb2.SLA_CLOCK_RESPONSE,
        due_time=request.sla.response_due_time,
    )
    await publish(notify_stack, warning, number)
    due = local(request.sla.response_due_time.ToDatetime(tzinfo=UTC))
    await inbox.step(
        number,
        Hears(
            staff.ru,
            "request.sla_warning.managers",
            (f"время реакции — до {due}", HOME),
            actions=("open",),
        ),
        Hears(
            staff.uz,
            "request.sla_warning.managers",
            ("javob berish muddati", "favqulodda"),
            actions=("open",),
        ),
        Hears(
            staff.en,
            "request.sla_warning.managers",
            (f"response time — by {due}",),
            actions=("open",),
        ),
    )

    # Assigned, then the resolution clock runs out: managers and the executor hear it, as
    # urgent messages.
    await on(http, manager).ok(
        "POST", f"/v1/requests/{number}:assign", {"executorId": lift.user_id}
    )
    await inbox.step(
        number,
        Hears(lift, "request.assigned.executor", ("Urgency: critical",), ("open",)),
        Hears(resident, "request.assigned.applicant", ("Toifa: Lift",)),
    )
    request = await as_carried(notify_stack, manager.person, number)
    request.sla.resolution_state = request_pb2.SLA_STATE_BREACHED
    breach = events_pb2.SlaBreached(
        request=request,
        clock=events_pb2.SLA_CLOCK_RESOLUTION,
        due_time=request.sla.resolution_due_time,
    )
    envelope = await publish(notify_stack, breach, number)
    due = local(request.sla.resolution_due_time.ToDatetime(tzinfo=UTC))
    await inbox.step(
        number,
        Hears(
            staff.ru,
            "request.sla_breached.managers",
            (f"время выполнения — был до {due}",),
            actions=("open",),
        ),
        Hears(staff.uz, "request.sla_breached.managers", ("bajarish muddati",), actions=("open",)),
        Hears(staff.en, "request.sla_breached.managers", ("Urgency: critical",), actions=("open",)),
        Hears(lift, "request.sla_breached.executor", (f"resolution time — was {due}",)),
    )
    urgency = {d["kind"]: d.get("urgent", False) for d in await inbox.deliveries(number)}
    assert urgency["request.sla_breached"] is True
    assert urgency["request.sla_warning"] is False

    # The same event again, past JetStream's duplicate window: nobody hears it twice.
    await publish(notify_stack, breach, number, again=envelope)
    await inbox.settle()
