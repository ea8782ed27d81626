"""Whose deliveries and preferences a caller may see or change (pure rules).

The kit's permission matrix already let the call in; these rules add what it cannot know: a
person reads their own deliveries and preferences, approved managers and admins anyone's.
"""

from __future__ import annotations

from services.kit.context import Caller
from services.kit.errors import PermissionDenied, Unauthenticated

_STAFF = frozenset({"manager", "admin"})


def person_id(caller: Caller) -> str:
    """The signed-in person behind a call about "me"."""
    if caller.user_id is None:
        raise Unauthenticated("sign in first: this call is about you, and you are not signed in")
    return caller.user_id


def is_staff(caller: Caller) -> bool:
    """An approved manager or admin."""
    return caller.status == "approved" and bool(caller.roles & _STAFF)


def actor_of(caller: Caller) -> str:
    """Who to record as having done something: the person, else the calling service."""
    return caller.user_id or caller.workload or "anonymous"


def own_or_staff(caller: Caller, user_id: str, *, what: str) -> str:
    """The person a read is about: `user_id` ("" → the caller) if the caller may see it."""
    if not user_id:
        return person_id(caller)
    if user_id == caller.user_id or is_staff(caller):
        return user_id
    raise PermissionDenied("NOT_YOURS", f"you may only see your own {what}")
