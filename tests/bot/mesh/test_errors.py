"""gRPC statuses (with their google.rpc details, as services/kit/status.py builds them) become
the bot's error tree."""

from __future__ import annotations

import grpc
import pytest

from bot.mesh.errors import (
    Blocked,
    MeshFailure,
    Missing,
    NotAllowed,
    Refused,
    ServiceBusy,
    SignedOut,
    Violation,
    from_rpc,
)
from bot.mesh.sessions import read_claims
from services.kit.errors import (
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    PermissionDenied,
    UkmError,
    Unavailable,
)
from services.kit.status import to_rpc_status, trailing_metadata


def failed(error: UkmError) -> grpc.aio.AioRpcError:
    """A failed call carrying what a service's interceptor would send for `error`."""
    status = to_rpc_status(error, "test.ukm")
    return grpc.aio.AioRpcError(
        error.code,
        grpc.aio.Metadata(),
        grpc.aio.Metadata(*trailing_metadata(status)),
        details=error.message,
    )


def bare(code: grpc.StatusCode) -> grpc.aio.AioRpcError:
    return grpc.aio.AioRpcError(code, grpc.aio.Metadata(), grpc.aio.Metadata(), details="x")


def test_reasons_and_violations_are_read() -> None:
    refused = from_rpc(failed(FailedPrecondition("ADDRESS_NOT_ALLOWED", "not yours")))
    assert isinstance(refused, Refused) and refused.reason == "ADDRESS_NOT_ALLOWED"
    invalid = from_rpc(
        failed(InvalidArgument("bad", [FieldViolation("description", "is too short")]))
    )
    assert isinstance(invalid, Refused)
    assert invalid.violations == (Violation("description", "is too short"),)
    busy = from_rpc(failed(Unavailable("down", retry_after_seconds=2.0)))
    assert isinstance(busy, ServiceBusy) and busy.retry_after == 2.0
    blocked = from_rpc(failed(PermissionDenied("ACCOUNT_BLOCKED", "blocked")))
    assert isinstance(blocked, Blocked)
    assert type(from_rpc(failed(PermissionDenied("NOT_OWNER", "no")))) is NotAllowed


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        (grpc.StatusCode.UNAVAILABLE, ServiceBusy),
        (grpc.StatusCode.DEADLINE_EXCEEDED, ServiceBusy),
        (grpc.StatusCode.RESOURCE_EXHAUSTED, ServiceBusy),
        (grpc.StatusCode.NOT_FOUND, Missing),
        (grpc.StatusCode.UNAUTHENTICATED, SignedOut),
        (grpc.StatusCode.PERMISSION_DENIED, NotAllowed),
        (grpc.StatusCode.INVALID_ARGUMENT, Refused),
        (grpc.StatusCode.INTERNAL, MeshFailure),
        (grpc.StatusCode.UNKNOWN, MeshFailure),
    ],
)
def test_every_code_has_a_kind(code: grpc.StatusCode, kind: type) -> None:
    error = from_rpc(bare(code))
    assert isinstance(error, kind) and error.code == code.name


def test_token_claims_are_read_without_trusting_them() -> None:
    token = "eyJhbGciOiJFZERTQSJ9.eyJyb2xlcyI6WyJhcHBsaWNhbnQiXSwic3RhdHVzIjoicGVuZGluZyJ9.sig"
    assert read_claims(token) == {"roles": ["applicant"], "status": "pending"}
    assert read_claims("garbage") == {}
    assert read_claims("a.!!!.c") == {}
