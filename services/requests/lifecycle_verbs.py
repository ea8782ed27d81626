"""The verb shorthands (`:assign`, `:complete`, `:accept`…) and `Transition`: which workflow
action a call means, with which payload (pure).

A shorthand picks its action from who calls, and sometimes from the request as it stands (the
assigned executor completes as the executor, a manager on their behalf). Every field a call
carries goes into the payload, so the engine refuses what the chosen action does not take
rather than dropping it silently.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from google.protobuf import json_format
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import request_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import Caller
from services.kit.errors import InvalidArgument
from services.requests.lifecycle_codec import SPECIALISATION
from services.requests.mapping import ACTION
from services.requests.workflow import Action, MaterialItem, Payload, RequestState
from services.requests.workflow_state import NOTE_FIELD, Media


@dataclass(frozen=True)
class Choice:
    """An action and its payload."""

    action: Action
    payload: Payload


# Picks the action for the request as it stands (read just before acting).
Chooser = Callable[[RequestState], Choice]


def fixed(action: Action, payload: Payload | None = None) -> Chooser:
    """Always the same action."""
    choice = Choice(action, payload or Payload())
    return lambda state: choice


def assign(message: pb.AssignRequestRequest) -> Chooser:
    """An executor (MANAGER_ASSIGN) or a pool (ASSIGN_GROUP)."""
    if message.executor_id:
        return fixed(Action.MANAGER_ASSIGN, Payload(executor_id=message.executor_id))
    return fixed(Action.ASSIGN_GROUP, Payload(specialisation=_pool(message.specialization)))


def purchase(message: pb.PurchaseMaterialsRequest, caller: Caller) -> Chooser:
    """The assigned executor asks for materials; a manager sends the request to purchase."""
    payload = Payload(materials=materials(message.materials), comment=message.comment)
    return _by_worker(caller, Action.EXECUTOR_PURCHASE, Action.MANAGER_PURCHASE, payload)


def complete(message: pb.CompleteRequestRequest, caller: Caller) -> Chooser:
    """The assigned executor reports the work done; a manager does it on their behalf."""
    payload = Payload(report=message.report, media=media(message.media))
    return _by_worker(caller, Action.EXECUTOR_COMPLETE, Action.MANAGER_COMPLETE, payload)


def return_work(message: pb.ReturnRequestRequest, caller: Caller) -> Chooser:
    """A manager sends the work back (RETURN_TO_WORK); the applicant returns it."""
    payload = Payload(reason=message.reason, media=media(message.media))
    action = Action.RETURN_TO_WORK if caller.is_staff else Action.APPLICANT_RETURN
    return fixed(action, payload)


def accept(message: pb.AcceptRequestRequest, caller: Caller) -> Chooser:
    """The applicant (or a neighbour) accepts with a rating; a manager accepts on their behalf
    with a comment (also when the manager is not the applicant and gave none, so the refusal
    says the comment is missing)."""
    payload = Payload(rating=message.rating, review=message.review, comment=message.comment or None)

    def choose(state: RequestState) -> Choice:
        on_behalf = caller.is_staff and (
            bool(message.comment) or caller.user_id != state.applicant_id
        )
        return Choice(
            Action.MANAGER_FORCE_ACCEPT if on_behalf else Action.APPLICANT_ACCEPT, payload
        )

    return choose


def transition(message: pb.TransitionRequest) -> Chooser:
    """Any action by name; the payload's `text` goes to the field the action names it by."""
    action = Action(ACTION.key(message.action))
    given = message.payload
    text = given.text.strip()
    field = _TEXT_FIELD.get(action)
    if text and field is None:
        raise InvalidArgument.field(
            "payload.text", f"does not apply to {action.name}; leave it empty"
        )
    if given.executor_id and not _is_uuid(given.executor_id):
        raise InvalidArgument.field("payload.executor_id", "must be a user id (a UUID)")
    payload = Payload(
        executor_id=given.executor_id or None,
        specialisation=_pool(given.specialization) if given.specialization else None,
        materials=materials(given.materials),
        media=media(given.media),
        rating=given.rating or None,
        review=given.review or None,
    )
    if field is not None and text:
        notes: dict[str, Any] = {field: text}
        payload = replace(payload, **notes)
    return fixed(action, payload)


def materials(items: Iterable[request_pb2.MaterialItem]) -> tuple[MaterialItem, ...]:
    """Material lines as the workflow takes them."""
    return tuple(MaterialItem(i.name, i.quantity, i.unit) for i in items)


def media(refs: Iterable[media_pb2.MediaRef]) -> Media:
    """Media references in their proto JSON form (opaque to the workflow)."""
    return tuple(json_format.MessageToDict(m) for m in refs)


def _by_worker(
    caller: Caller, as_executor: Action, as_manager: Action, payload: Payload
) -> Chooser:
    """The executor's action for the assigned executor (and for executors who are not staff,
    so their refusal speaks of the assignment), the manager's for other staff."""

    def choose(state: RequestState) -> Choice:
        working = state.executor_id is not None and state.executor_id == caller.user_id
        return Choice(as_executor if working or not caller.is_staff else as_manager, payload)

    return choose


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _pool(specialization: int) -> str:
    if specialization not in SPECIALISATION.by_number:
        raise InvalidArgument.field("specialization", "name the pool (a specialisation)")
    return SPECIALISATION.key(specialization)


# `TransitionPayload.text` is the question, answer, reason, comment, notes or report, by action.
# APPLICANT_ACCEPT has its own `review` field instead.
_TEXT_FIELD: dict[Action, str] = {
    action: field for action, field in NOTE_FIELD.items() if action is not Action.APPLICANT_ACCEPT
}
