"""Events the requests service publishes (through the outbox, subjects `ukm.requests.*`)."""

from __future__ import annotations

import sqlalchemy as sa
from ukm.requests.v1 import events_pb2

from services.requests.mapping import to_proto


def request_created(row: sa.RowMapping) -> events_pb2.RequestCreated:
    """`RequestCreated` carrying the request as stored."""
    return events_pb2.RequestCreated(request=to_proto(row))
