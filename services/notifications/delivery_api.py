"""Direct sends and delivery tracking: the `SendNotification`, `GetDelivery`, `ListDeliveries`
and `RetryDelivery` half of the NotificationService servicer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeAlias

import grpc
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from ukm.notifications.v1 import notifications_service_pb2 as pb

from services.kit.context import current_caller
from services.kit.errors import NotFound, PermissionDenied
from services.kit.paging import decode_token, encode_token, filters_fingerprint, page_size
from services.notifications import mapping, plan
from services.notifications.access import actor_of, is_staff, person_id
from services.notifications.delivery_rows import DeliveryFilter
from services.notifications.delivery_store import DeliveryStore
from services.notifications.people import ROLE as ROLE_KEYS
from services.notifications.people import People
from services.notifications.template_store import TemplateStore

Context: TypeAlias = grpc.aio.ServicerContext


class DeliveryRpcs:
    """Sending directly, and following what happened to each delivery."""

    deliveries: DeliveryStore
    sessions: async_sessionmaker[AsyncSession]
    templates: TemplateStore
    people: People
    clock: Callable[[], datetime]

    async def SendNotification(
        self, request: pb.SendNotificationRequest, context: Context
    ) -> pb.SendNotificationResponse:
        """To people or a role, from a template or as a text; idempotent by its key."""
        plan.check_direct(
            people=bool(request.user_ids),
            role=bool(request.role),
            template=request.template,
            data=request.data,
            text=request.text,
            catalogue=await self.templates.catalogue(),
        )
        recipients = await self._recipients(request)
        caller = current_caller()
        planned = plan.direct(
            recipients,
            scope=actor_of(caller),
            idempotency_key=request.idempotency_key,
            template=request.template or None,
            data=dict(request.data),
            text=request.text or None,
            subject_line=request.subject_line or None,
            subject=request.subject,
            urgent=request.urgent,
            channels=(
                tuple(mapping.CHANNEL.key(c) for c in request.channels)
                if request.channels
                else None
            ),
        )
        if planned:
            async with self.sessions() as session, session.begin():
                await self.deliveries.add(session, planned, now=self.clock())
        rows = {
            r.values["dedup_key"]: r
            for r in await self.deliveries.by_keys([p.dedup_key for p in planned])
        }
        return pb.SendNotificationResponse(
            deliveries=[
                mapping.delivery(rows[p.dedup_key].values) for p in planned if p.dedup_key in rows
            ]
        )

    async def _recipients(self, request: pb.SendNotificationRequest) -> list[str]:
        if request.user_ids:
            return list(request.user_ids)
        return await self.people.holders(ROLE_KEYS.key(request.role))

    async def GetDelivery(
        self, request: pb.GetDeliveryRequest, context: Context
    ) -> pb.GetDeliveryResponse:
        """One delivery with its attempts: the recipient's own, or anyone's for staff."""
        row = await self.deliveries.get(request.delivery_id)
        caller = current_caller()
        if row.values["recipient_id"] != caller.user_id and not is_staff(caller):
            # The same answer as for a delivery that does not exist: ids reveal nothing.
            raise NotFound("delivery", request.delivery_id)
        return pb.GetDeliveryResponse(delivery=mapping.delivery(row.values, row.attempts))

    async def ListDeliveries(
        self, request: pb.ListDeliveriesRequest, context: Context
    ) -> pb.ListDeliveriesResponse:
        """Newest first; people see only their own."""
        caller = current_caller()
        recipient = request.recipient_id or None
        if not is_staff(caller):
            me = person_id(caller)
            if recipient not in (None, me):
                raise PermissionDenied("NOT_YOURS", "you may only list your own deliveries")
            recipient = me
        filters = DeliveryFilter(
            recipient_id=recipient,
            subject=request.subject or None,
            states=tuple(mapping.STATE.key(s) for s in request.states),
            kind=request.kind or None,
        )
        fingerprint = filters_fingerprint(request)
        position = decode_token(request.page_token, fingerprint)
        limit = page_size(request.page_size)
        after = (datetime.fromisoformat(position[0]), str(position[1])) if position else None
        rows = await self.deliveries.list(filters, limit=limit + 1, after=after)
        response = pb.ListDeliveriesResponse(
            deliveries=[mapping.delivery(r.values) for r in rows[:limit]]
        )
        if len(rows) > limit:
            last = rows[limit - 1].values
            response.next_page_token = encode_token(
                [last["created_at"].isoformat(), last["id"]], fingerprint
            )
        return response

    async def RetryDelivery(
        self, request: pb.RetryDeliveryRequest, context: Context
    ) -> pb.RetryDeliveryResponse:
        """A dead letter queued again from its first channel (admins)."""
        await self.deliveries.retry(
            request.delivery_id, by=actor_of(current_caller()), now=self.clock()
        )
        row = await self.deliveries.get(request.delivery_id)
        return pb.RetryDeliveryResponse(delivery=mapping.delivery(row.values, row.attempts))
