"""The conditions that pick a routing row among the rows of one event type (pure predicates).

Several kinds share an event type (a status change may be a completion, a cancellation…);
each row's condition says which events are its own, and the conditions of one type exclude
each other so an event yields at most one kind.
"""

from __future__ import annotations

from collections.abc import Callable

from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import workflow_pb2
from ukm.users.v1 import events_pb2 as user_events

StatusChanged = request_events.RequestStatusChanged
Assigned = request_events.RequestAssigned
Commented = request_events.RequestCommented


def action_is(*actions: int, to: int | None = None) -> Callable[[StatusChanged], bool]:
    """A status change made by one of `actions` (and landing in `to`, when given)."""

    def matches(event: StatusChanged) -> bool:
        return event.action in actions and (to is None or event.to_status == to)

    return matches


def is_claim(event: Assigned) -> bool:
    """An executor took the request from the pool themselves."""
    # Only a claim makes the new executor the one who assigned; the pool it came from is told.
    return bool(event.executor_id) and event.assigned_by == event.executor_id


def _written_by_workflow(event: Commented) -> bool:
    # A workflow action names itself on the comment it wrote; a comment added on its own
    # carries no action. A status-change comment is a workflow's by definition.
    return (
        event.action != workflow_pb2.TRANSITION_ACTION_UNSPECIFIED
        or event.comment.kind == workflow_pb2.COMMENT_KIND_STATUS_CHANGE
    )


def is_answer(event: Commented) -> bool:
    """The applicant's answer to a clarification question (it changes no status)."""
    comment = event.comment
    return (
        event.action == workflow_pb2.TRANSITION_ACTION_CLARIFY_ANSWER
        and comment.author_id == event.request.applicant_id
    )


def free_comment(internal: bool) -> Callable[[Commented], bool]:
    """A comment written on its own (not by a workflow action), internal or public."""

    def matches(event: Commented) -> bool:
        return not _written_by_workflow(event) and event.comment.internal == internal

    return matches


def binding_is(status: int) -> Callable[[user_events.ApartmentBindingDecided], bool]:
    """An apartment binding decided into `status` (approved or rejected)."""

    def matches(event: user_events.ApartmentBindingDecided) -> bool:
        return event.binding.status == status

    return matches
