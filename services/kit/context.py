"""Who is calling and on behalf of which request: the per-call context.

The caller interceptor fills it in before a handler runs; handlers and domain code read it with
`current_call()`. The caller is the calling workload (from its mTLS certificate, or Envoy's
`x-forwarded-client-cert`) and the person whose access token came with the call; RBAC
(kit.rbac) and the services' own row-level rules read the same object.
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
    # The person behind the call, from a verified access token (kit.tokens).
    user_id: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    active_role: str = ""
    # Account status: "pending" or "approved" (blocked people get no tokens).
    status: str = ""
    session_id: str = ""
    # How the person proved who they are ("pwd", "otp", "telegram", "oidc").
    amr: tuple[str, ...] = ()

    @property
    def is_staff(self) -> bool:
        """Whether the person manages things (manager or admin)."""
        return bool(self.roles & _STAFF)

    @property
    def is_user(self) -> bool:
        """Whether a person (not only a workload) is behind the call."""
        return self.user_id is not None


_STAFF = frozenset({"manager", "admin"})
ANONYMOUS = Caller()


@dataclass(frozen=True)
class CallContext:
    """Per-call facts: the caller, ids for logs and the absolute deadline (monotonic clock)."""

    caller: Caller = ANONYMOUS
    request_id: str = ""
    method: str = ""
    deadline: float | None = None
    # The address the call came from: the outside client's, as the gateway saw it.
    client_ip: str = ""

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
