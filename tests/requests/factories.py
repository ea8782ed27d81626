"""Valid inputs for the requests service, changed per test as needed."""

from __future__ import annotations

import uuid
from typing import Any

from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

YARD = "6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f"
BUILDING = "7a2d3b8f-4cae-4d66-9f32-1b2c3d4e5f60"
APARTMENT = "8b3e4c90-5dbf-4e77-a043-2c3d4e5f6071"
APPLICANT = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"


def create_request(**changes: Any) -> pb.CreateRequestRequest:
    """A valid CreateRequestRequest for an apartment, with `changes` applied."""
    message = pb.CreateRequestRequest(
        category=request_pb2.CATEGORY_PLUMBING,
        description="Течёт труба под раковиной на кухне",
        urgency=request_pb2.URGENCY_HIGH,
        address=pb.AddressInput(
            level=request_pb2.ADDRESS_LEVEL_APARTMENT,
            yard_id=YARD,
            building_id=BUILDING,
            apartment_id=APARTMENT,
        ),
        source=request_pb2.SOURCE_BOT,
        applicant_id=APPLICANT,
    )
    for name, value in changes.items():
        if isinstance(value, list):
            message.ClearField(name)
            getattr(message, name).extend(value)
        elif hasattr(value, "DESCRIPTOR"):
            getattr(message, name).CopyFrom(value)
        else:
            setattr(message, name, value)
    return message


def new_uuid() -> str:
    return str(uuid.uuid4())


def as_stored(answered: request_pb2.Request) -> request_pb2.Request:
    """A request from an answer as events carry it: without the SLA states of the moment
    (answers compute them when asked; events are the stored request)."""
    stored = request_pb2.Request()
    stored.CopyFrom(answered)
    for moment in ("response_state", "resolution_state", "paused"):
        stored.sla.ClearField(moment)
    return stored
