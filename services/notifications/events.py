"""The events the notifications service consumes: every domain stream a routing row reads.

One durable JetStream consumer per stream (kit.consumer: inbox row and handler in one
transaction, so a redelivery adds nothing). The handler routes the event (`routing.route`),
resolves each party to people — a person by id, the holders of a role, the executors on duty
for a pool *at this moment* — labels the address, and records one delivery per person in the
same transaction (`plan`, `DeliveryStore.add`). Sending is the worker's job.

Which streams are read follows from the routing table: adding a row for a new event type (of
any domain) is all it takes for its stream to be consumed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession

from mesh.topology import Topology
from services.kit.envelope import Envelope, unwrap
from services.notifications import plan
from services.notifications.delivery_store import DeliveryStore
from services.notifications.people import People
from services.notifications.routing import EVENT_TYPES, route
from services.notifications.routing_model import (
    OnShiftRecipient,
    RecipientSpec,
    RoleRecipient,
    UserRecipient,
)

SERVICE = "notifications"


def consumed_domains(event_types: Iterable[str] = EVENT_TYPES) -> list[str]:
    """The domains whose events are routed (`ukm.requests.v1.X` → `requests`), sorted."""
    return sorted({name.split(".")[1] for name in event_types})


def consumed_streams(topology: Topology) -> list[tuple[str, str]]:
    """(stream, subjects) of every domain stream the routing table reads."""
    found = []
    for domain in consumed_domains():
        service = topology.service(domain)
        if service.stream:
            found.append((service.stream, service.subjects))
    return found


def durable_name(stream: str) -> str:
    """The durable consumer of `stream`: `notifications-requests` for REQUESTS."""
    return f"{SERVICE}-{stream.lower()}"


class Intake:
    """Turns routed events into recorded deliveries."""

    def __init__(
        self,
        store: DeliveryStore,
        people: People,
        *,
        clock: Callable[[], datetime],
        reset_url: str = "",
    ) -> None:
        self.store = store
        self.people = people
        self.clock = clock
        self.reset_url = reset_url

    async def handle(self, session: AsyncSession, envelope: Envelope) -> None:
        """The consumers' handler: events nobody hears are acknowledged and forgotten."""
        message_type = EVENT_TYPES.get(envelope.type)
        if message_type is None:
            return
        found = route(unwrap(envelope, message_type))
        if found is None:
            return
        resolved = [(a, await self._people_of(a.recipient)) for a in found.addressees]
        extra: dict[str, str] = {}
        token = found.data.get("reset_token")
        if isinstance(token, str) and token and self.reset_url:
            extra["reset_link"] = self.reset_url.replace("{token}", quote(token, safe=""))
        if found.address is not None:
            label = await self.people.label(found.address)
            if label:
                extra["address"] = label
        planned = plan.from_route(
            found,
            resolved,
            event_id=envelope.id,
            event_type=envelope.type,
            extra_data=extra,
        )
        await self.store.add(session, planned, now=self.clock())

    async def _people_of(self, spec: RecipientSpec) -> list[str]:
        if isinstance(spec, UserRecipient):
            return [spec.user_id]
        if isinstance(spec, RoleRecipient):
            return await self.people.holders(spec.role)
        assert isinstance(spec, OnShiftRecipient)
        return await self.people.on_duty(spec.specialization)
