"""Who may write and read which comments on a request they may see (pure).

Internal comments are for the company's people (managers, admins, executors): residents
neither read nor write them. Residents write notes and clarifications; the other kinds (report,
material, purchase) describe the work and are written by staff (or by the workflow itself,
which also writes the status-change comments). A finished request (accepted or cancelled) is
frozen, comments included: a problem that is back needs a new request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from services.kit.context import Caller
from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.requests.domain import MEDIA_MAX
from services.requests.workflow import TERMINAL, Status

TEXT_MAX = 4000
RESIDENT_KINDS = frozenset({"note", "clarification"})
WORKFLOW_KINDS = frozenset({"status_change"})


def reads_internal(caller: Caller) -> bool:
    """Whether `caller` is one of the company's people, who read internal comments."""
    return caller.is_staff or "executor" in caller.roles


@dataclass(frozen=True)
class NewComment:
    """A comment as checked, ready to store."""

    kind: str
    text: str
    internal: bool
    media: tuple[Mapping[Any, Any], ...]


def check_comment(
    caller: Caller,
    request: Mapping[Any, Any],
    *,
    kind: str | None,
    text: str,
    internal: bool,
    media: Sequence[Mapping[Any, Any]],
) -> NewComment:
    """The comment `caller` may add to `request` (already known to be visible to them), or
    the refusal."""
    if caller.user_id is None:
        raise PermissionDenied("SIGN_IN_REQUIRED", "comments are written by a signed-in person")
    if Status(request["status"]) in TERMINAL:
        raise FailedPrecondition(
            "REQUEST_FROZEN",
            f"request {request['number']} is {request['status']} and takes no more comments; "
            "if the problem is back, file a new request",
        )
    chosen = kind or "note"
    if chosen in WORKFLOW_KINDS:
        raise InvalidArgument.field("kind", "status-change comments are written by the workflow")
    staff = reads_internal(caller)
    if internal and not staff:
        raise PermissionDenied(
            "INTERNAL_COMMENT_NOT_ALLOWED", "internal comments are for staff; write a normal one"
        )
    if chosen not in RESIDENT_KINDS and not staff:
        raise PermissionDenied(
            "COMMENT_KIND_NOT_ALLOWED",
            f"residents write notes or clarifications, not {chosen} comments",
        )
    body = text.strip()
    if not 1 <= len(body) <= TEXT_MAX:
        raise InvalidArgument.field("text", f"1 to {TEXT_MAX} characters besides spaces")
    if len(media) > MEDIA_MAX:
        raise InvalidArgument.field("media", f"at most {MEDIA_MAX} photos or videos")
    return NewComment(chosen, body, internal, tuple(media))
