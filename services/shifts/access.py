"""Row-level rules of the shifts service: whose shifts a caller may end or read. Pure.

The kit's RBAC interceptor already checked the method against `permissions.yaml` (executors and
managers); these rules add what the matrix cannot know: an executor acts on and reads only their
own shifts, managers (and admins) anyone's.
"""

from __future__ import annotations

from services.kit.context import Caller
from services.kit.errors import PermissionDenied, Unauthenticated

_MANAGING = frozenset({"manager", "admin"})


def person_id(caller: Caller) -> str:
    """The signed-in person behind a call (every shift method acts for a person)."""
    if caller.user_id is None:
        raise Unauthenticated("sign in first: shifts are about people, and you are not signed in")
    return caller.user_id


def is_manager(caller: Caller) -> bool:
    """Whether an approved manager or admin is calling (they act on anyone's shifts)."""
    return caller.status == "approved" and not caller.roles.isdisjoint(_MANAGING)


def history_scope(caller: Caller, requested_executor: str) -> str | None:
    """Whose history a listing covers: the requested executor ("" = everyone) for managers,
    always the caller themselves for everyone else."""
    if is_manager(caller):
        return requested_executor or None
    me = person_id(caller)
    if requested_executor and requested_executor != me:
        raise PermissionDenied("NOT_YOUR_SHIFTS", "you may list only your own shifts")
    return me
