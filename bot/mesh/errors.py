"""The bot's one error tree for what the mesh answered, read from gRPC statuses once.

Handlers never see `grpc.aio.AioRpcError`: they see one of these and the error middleware
turns each into words for the person (bot/middlewares/errors.py):

- `ServiceBusy` — UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED: "try again"; the
  conversation and everything typed so far stay as they are;
- `Refused` — INVALID_ARGUMENT, FAILED_PRECONDITION, ALREADY_EXISTS, OUT_OF_RANGE: the service
  said no for a reason (`reason`, from `google.rpc.ErrorInfo`, or the field violations);
- `NotAllowed` — PERMISSION_DENIED (`Blocked` when the account is blocked);
- `Missing` — NOT_FOUND (also what a request one may not see looks like);
- `SignedOut` — UNAUTHENTICATED even with a fresh token;
- `MeshFailure` — anything else (a bug somewhere): an apology, and the details in the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import grpc
from google.rpc import error_details_pb2

from services.kit.status import details_of

__all__ = [
    "Blocked",
    "MeshError",
    "MeshFailure",
    "Missing",
    "NotAllowed",
    "Refused",
    "ServiceBusy",
    "SignedOut",
    "Violation",
    "from_rpc",
]


@dataclass(frozen=True)
class Violation:
    """One field the service found wrong (`field` as the contract names it)."""

    field: str
    description: str


class MeshError(Exception):
    """Base of everything a mesh call can end with besides an answer."""

    def __init__(self, code: str, message: str = "", reason: str = "") -> None:
        super().__init__(f"{code}: {reason or message}")
        self.code = code
        # The service's own words (English); shown only where no translation exists.
        self.message = message
        # A stable UPPER_SNAKE code from `google.rpc.ErrorInfo` ("" when none was given).
        self.reason = reason


class ServiceBusy(MeshError):
    """The services could not answer now; the same step may simply be tried again."""

    def __init__(
        self, code: str, message: str = "", reason: str = "", retry_after: float | None = None
    ) -> None:
        super().__init__(code, message, reason)
        self.retry_after = retry_after


class Refused(MeshError):
    """The service understood and said no (bad input or a state that does not allow it)."""

    def __init__(
        self, code: str, message: str = "", reason: str = "", violations: tuple[Violation, ...] = ()
    ) -> None:
        super().__init__(code, message, reason)
        self.violations = violations


class NotAllowed(MeshError):
    """The person may not do this."""


class Blocked(NotAllowed):
    """The person's account is blocked: a polite refusal and nothing else."""


class Missing(MeshError):
    """Not found, or not visible to this person (the services do not tell the two apart)."""


class SignedOut(MeshError):
    """The auth service does not accept the person's token even when it is brand new."""


class MeshFailure(MeshError):
    """An answer the bot cannot do anything sensible with (INTERNAL, UNKNOWN…)."""


_BUSY = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.CANCELLED,
    }
)
_REFUSED = frozenset(
    {
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.FAILED_PRECONDITION,
        grpc.StatusCode.ALREADY_EXISTS,
        grpc.StatusCode.OUT_OF_RANGE,
        grpc.StatusCode.ABORTED,
    }
)


def from_rpc(error: grpc.aio.AioRpcError) -> MeshError:
    """The bot error for a failed call, with the reason and violations of its details."""
    code: grpc.StatusCode = error.code()
    message = str(error.details() or "")
    reason = ""
    violations: list[Violation] = []
    retry_after: float | None = None
    for detail in details_of(error):
        if isinstance(detail, error_details_pb2.ErrorInfo):
            reason = str(detail.reason)
        elif isinstance(detail, error_details_pb2.BadRequest):
            violations.extend(
                Violation(str(v.field), str(v.description)) for v in detail.field_violations
            )
        elif isinstance(detail, error_details_pb2.RetryInfo):
            retry_after = detail.retry_delay.ToTimedelta().total_seconds()
    name = code.name
    if code in _BUSY:
        return ServiceBusy(name, message, reason, retry_after)
    if code in _REFUSED:
        return Refused(name, message, reason, tuple(violations))
    if code == grpc.StatusCode.PERMISSION_DENIED:
        cls = Blocked if reason in {"ACCOUNT_BLOCKED", "USER_BLOCKED"} else NotAllowed
        return cls(name, message, reason)
    if code == grpc.StatusCode.NOT_FOUND:
        return Missing(name, message, reason)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return SignedOut(name, message, reason)
    return MeshFailure(name, message, reason)
