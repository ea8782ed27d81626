"""Envelope wrapping, unwrapping, validation and subject naming (pure, no infrastructure)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf import descriptor_pb2, timestamp_pb2
from ukm.requests.v1.events_pb2 import RequestCreated

from services.kit.envelope import (
    Envelope,
    EnvelopeTypeError,
    InvalidEnvelopeError,
    decode_envelope,
    event_subject,
    unwrap,
    wrap,
)
from tests.support.events import request_created


def test_subject_is_domain_and_snake_case_event_name() -> None:
    assert event_subject("requests", RequestCreated()) == "ukm.requests.request_created"
    assert event_subject("requests", RequestCreated) == "ukm.requests.request_created"
    assert (
        event_subject("meta", descriptor_pb2.FileDescriptorProto)
        == "ukm.meta.file_descriptor_proto"
    )


def test_wrap_then_unwrap_round_trips_through_bytes() -> None:
    event = request_created("R-0001")
    when = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    event_id = uuid.uuid4()
    envelope = wrap(
        event,
        source="requests",
        subject="R-0001",
        event_id=event_id,
        time=when,
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )

    received = decode_envelope(envelope.SerializeToString())

    assert received.id == str(event_id)
    assert received.type == "ukm.requests.v1.RequestCreated"
    assert received.source == "requests"
    assert received.subject == "R-0001"
    assert received.time.ToDatetime(tzinfo=UTC) == when
    assert received.traceparent.startswith("00-0af7")
    assert received.data.type_url.endswith("/ukm.requests.v1.RequestCreated")
    assert unwrap(received, RequestCreated) == event


def test_wrap_defaults_to_a_fresh_uuid_and_now() -> None:
    before = datetime.now(UTC)
    first = wrap(request_created("R-1"), source="requests", subject="R-1")
    second = wrap(request_created("R-1"), source="requests", subject="R-1")

    assert uuid.UUID(first.id)
    assert first.id != second.id
    stamped = first.time.ToDatetime(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= stamped <= datetime.now(UTC) + timedelta(seconds=1)


def test_unwrap_as_the_wrong_type_fails_loudly() -> None:
    envelope = wrap(request_created("R-2"), source="requests", subject="R-2")
    with pytest.raises(EnvelopeTypeError, match=r"ukm\.requests\.v1\.RequestCreated"):
        unwrap(envelope, timestamp_pb2.Timestamp)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"\xff\xff\xff", "not an Envelope"),
        (Envelope(id="nope", type="x").SerializeToString(), "not a UUID"),
        (Envelope(id=str(uuid.uuid4())).SerializeToString(), "no type or data"),
    ],
)
def test_decode_rejects_what_a_consumer_cannot_act_on(payload: bytes, reason: str) -> None:
    with pytest.raises(InvalidEnvelopeError, match=reason):
        decode_envelope(payload)


def test_decode_rejects_a_type_that_does_not_match_the_data() -> None:
    envelope = wrap(request_created("R-3"), source="requests", subject="R-3")
    envelope.type = "ukm.requests.v1.SomethingElse"
    with pytest.raises(InvalidEnvelopeError, match="but data is"):
        decode_envelope(envelope.SerializeToString())
