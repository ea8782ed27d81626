"""Domain errors ↔ `google.rpc.Status` with details: the only place statuses are built.

Servers call `to_rpc_status`; clients (other services, the bot, tests) call `details_of` to read
the details back from a `grpc.aio.AioRpcError`.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, error_details_pb2, status_pb2

from services.kit.errors import (
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    UkmError,
    Unauthenticated,
    Unavailable,
)

STATUS_DETAILS_KEY = "grpc-status-details-bin"
_DETAIL_TYPES: tuple[type[Message], ...] = (
    error_details_pb2.BadRequest,
    error_details_pb2.ErrorInfo,
    error_details_pb2.ResourceInfo,
    error_details_pb2.RetryInfo,
    error_details_pb2.DebugInfo,
)


def to_rpc_status(error: UkmError, domain: str) -> status_pb2.Status:
    """The `google.rpc.Status` a caller receives for `error` (`domain` e.g. `requests.ukm`)."""
    status = status_pb2.Status(code=error.code.value[0], message=error.message)
    for detail in _details(error, domain):
        status.details.add().Pack(detail)
    return status


def _details(error: UkmError, domain: str) -> list[Message]:
    if isinstance(error, InvalidArgument):
        violations = [
            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
            for v in error.violations
        ]
        return [error_details_pb2.BadRequest(field_violations=violations)]
    if isinstance(error, NotFound):
        return [
            error_details_pb2.ResourceInfo(
                resource_type=error.resource_type,
                resource_name=error.name,
                description=error.message,
            )
        ]
    if isinstance(error, FailedPrecondition):  # also PermissionDenied
        return [
            error_details_pb2.ErrorInfo(reason=error.reason, domain=domain, metadata=error.metadata)
        ]
    if isinstance(error, Unauthenticated):
        return [error_details_pb2.ErrorInfo(reason=error.reason, domain=domain)]
    if isinstance(error, ResourceExhausted | Unavailable) and error.retry_after_seconds is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after_seconds * 1e9))
        return [error_details_pb2.RetryInfo(retry_delay=delay)]
    return []


def internal_status(request_id: str) -> status_pb2.Status:
    """What callers see for a bug: no internals, just an id to quote when reporting it."""
    return status_pb2.Status(
        code=code_pb2.INTERNAL, message=f"internal error; quote request id {request_id}"
    )


def trailing_metadata(status: status_pb2.Status) -> tuple[tuple[str, bytes], ...]:
    """The trailer that carries the details to the client (and through Envoy to REST)."""
    return ((STATUS_DETAILS_KEY, status.SerializeToString()),)


def status_of(error: grpc.aio.AioRpcError) -> status_pb2.Status | None:
    """The rich status a server attached to a failed call, if any."""
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            return status_pb2.Status.FromString(value)
    return None


def details_of(error: grpc.aio.AioRpcError) -> list[Message]:
    """The decoded `google.rpc` details of a failed call (unknown types are skipped)."""
    status = status_of(error)
    if status is None:
        return []
    return [unpacked for packed in status.details if (unpacked := _unpack(packed)) is not None]


def _unpack(packed: any_pb2.Any) -> Message | None:
    for detail_type in _DETAIL_TYPES:
        if packed.TypeName() == detail_type.DESCRIPTOR.full_name:
            detail = detail_type()
            packed.Unpack(detail)
            return detail
    return None
