"""The one domain error tree. Raise these anywhere; one interceptor maps them to gRPC statuses
with `google.rpc` details (and Envoy turns those into the same JSON for REST clients).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import grpc


@dataclass(frozen=True)
class FieldViolation:
    """One thing wrong with one input field (`field` is a dotted path, e.g. `address.yard_id`)."""

    field: str
    description: str


class UkmError(Exception):
    """Base of every error a caller is meant to see. The message is shown to the caller."""

    code: grpc.StatusCode = grpc.StatusCode.UNKNOWN

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidArgument(UkmError):
    """The input is wrong; `violations` say which fields and how to fix them."""

    code = grpc.StatusCode.INVALID_ARGUMENT

    def __init__(self, message: str, violations: Sequence[FieldViolation] = ()) -> None:
        super().__init__(message)
        self.violations = tuple(violations)

    @classmethod
    def field(cls, field: str, description: str) -> InvalidArgument:
        """A single-field violation, the common case."""
        return cls(f"{field}: {description}", [FieldViolation(field, description)])

    @classmethod
    def of(cls, violations: Sequence[FieldViolation]) -> InvalidArgument:
        """Several violations at once, the message naming each."""
        return cls("; ".join(f"{v.field}: {v.description}" for v in violations), violations)


class NotFound(UkmError):
    """The named resource does not exist (or the caller may not know it exists)."""

    code = grpc.StatusCode.NOT_FOUND

    def __init__(self, resource_type: str, name: str) -> None:
        super().__init__(f"{resource_type} {name} not found")
        self.resource_type = resource_type
        self.name = name


class AlreadyExists(UkmError):
    """Creating something that is already there."""

    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(UkmError):
    """The system is not in a state that allows this; `reason` is a stable UPPER_SNAKE code."""

    code = grpc.StatusCode.FAILED_PRECONDITION

    def __init__(self, reason: str, message: str, metadata: Mapping[str, str] | None = None):
        super().__init__(message)
        self.reason = reason
        self.metadata = dict(metadata or {})


class PermissionDenied(FailedPrecondition):
    """The caller is known but may not do this."""

    code = grpc.StatusCode.PERMISSION_DENIED


class Unauthenticated(UkmError):
    """The caller did not prove who they are; `reason` says what was wrong (TOKEN_EXPIRED…)."""

    code = grpc.StatusCode.UNAUTHENTICATED

    def __init__(self, message: str, reason: str = "UNAUTHENTICATED") -> None:
        super().__init__(message)
        self.reason = reason


class ResourceExhausted(UkmError):
    """A limit was hit; retry after `retry_after_seconds` if given."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED

    def __init__(self, message: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(UkmError):
    """A dependency is down; the call may be retried."""

    code = grpc.StatusCode.UNAVAILABLE

    def __init__(self, message: str, retry_after_seconds: float | None = 1.0) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds
