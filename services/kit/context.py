"""Who is calling and on behalf of which request: the per-call context.

The caller interceptor fills it in before a handler runs; handlers and domain code read it with
`current_call()`. This is the seam where authentication plugs in: today the caller is the
calling workload (from its mTLS certificate, or Envoy's `x-forwarded-client-cert`); the identity
issue adds the user from the verified JWT, and RBAC checks read the same object.
"""

from __future__ import annotations

import time
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Caller:
    """The authenticated principal(s) behind a call."""

    # SPIFFE id of the calling workload (`spiffe://ukm.local/svc/bot`), if known.
    workload: str | None = None
    # The person, once the identity service issues tokens (user id and roles from the JWT).
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_user(self) -> bool:
        """Whether a person (not only a workload) is behind the call."""
        return self.user_id is not None


ANONYMOUS = Caller()


@dataclass(frozen=True)
class CallContext:
    """Per-call facts: the caller, ids for logs and the absolute deadline (monotonic clock)."""

    caller: Caller = ANONYMOUS
    request_id: str = ""
    method: str = ""
    deadline: float | None = None

    def time_remaining(self) -> float | None:
        """Seconds left before the caller gives up, or None without a deadline."""
        return None if self.deadline is None else self.deadline - time.monotonic()


# CallContext is frozen, so sharing one default instance is safe.
_current: ContextVar[CallContext] = ContextVar("ukm_call", default=CallContext())  # noqa: B039


def current_call() -> CallContext:
    """The context of the call being handled (an empty one outside calls)."""
    return _current.get()


def current_caller() -> Caller:
    """Shorthand for `current_call().caller`."""
    return _current.get().caller


def enter_call(call: CallContext) -> object:
    """Make `call` current; returns a token for `leave_call`."""
    return _current.set(call)


def leave_call(token: object) -> None:
    """Restore the context that was current before `enter_call`."""
    _current.reset(token)  # type: ignore[arg-type]


def new_request_id() -> str:
    """A fresh request id, used when the caller (or Envoy) sent none."""
    return uuid.uuid4().hex
