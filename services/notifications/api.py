"""The `ukm.notifications.v1.NotificationService` servicer: protos in, domain calls, protos out.

Who may call which method is the kit's permission matrix; the resource rules (my own deliveries
and preferences, staff anyone's) are in the mixed-in halves: direct sends and tracking
(`delivery_api`), templates (`template_api`) and preferences (`preference_api`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from ukm.notifications.v1 import notifications_service_pb2_grpc as rpc

from services.notifications.delivery_api import DeliveryRpcs
from services.notifications.delivery_store import DeliveryStore
from services.notifications.people import People
from services.notifications.preference_api import PreferenceRpcs
from services.notifications.preference_store import PreferenceStore
from services.notifications.template_api import TemplateRpcs
from services.notifications.template_store import TemplateStore


class NotificationApi(DeliveryRpcs, TemplateRpcs, PreferenceRpcs, rpc.NotificationServiceServicer):
    """Direct sends, delivery tracking, templates and preferences."""

    def __init__(
        self,
        *,
        deliveries: DeliveryStore,
        sessions: async_sessionmaker[AsyncSession],
        templates: TemplateStore,
        preferences: PreferenceStore,
        people: People,
        clock: Callable[[], datetime],
    ) -> None:
        self.deliveries = deliveries
        self.sessions = sessions
        self.templates = templates
        self.preferences = preferences
        self.people = people
        self.clock = clock
