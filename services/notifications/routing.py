"""Who hears what: DOMAIN.md's "Notifications" table as data, and one event → one route (pure).

`ROWS` holds one row per notification kind: which protobuf event it comes from, which condition
on that event picks it, which parties hear it (each party reads its own template, keyed
`<kind>.<party>`), and how urgent it is. `route` turns one decoded event into a `Route`: recipient
*specs* (a user id, "the managers", "on-shift executors of a specialisation") that a later step
resolves through the users and shifts services, plus everything the texts need, so nobody calls
back for the number, the category or the reason. Adding an event type is adding a row.

The conditions of the rows for one event type exclude each other (tests prove it), so one
event yields at most one route; a person never hears the same event twice under two kinds.

Rows of DOMAIN.md's table whose events do not exist yet (nothing to route today):
- shift assigned, shift starting soon (the shifts service publishes only ShiftStarted/ShiftEnded);
- transfer created / assigned / decided (no transfer events yet);
- no executor available (the assignment service does not exist yet).

Kinds beyond the table, where DOMAIN.md is silent and the company would expect a message:
materials requested (managers buy them) and ready (the executor resumes), a request closed by a
manager (manager acceptance mode, force-accept), the executor hearing their rating and edits of
their request, account approval, and the security messages of the auth service (password reset,
lock-out, refresh-token reuse), which are always urgent.

Events deliberately not routed: `RequestCreated` (the filer gets the answer of their own call;
the dispatch that follows is routed), status changes made by assigning actions (their
`RequestAssigned`/`RequestUnassigned` are routed instead), comments written by workflow actions
(their status change already tells the parties; except the applicant's clarification answer,
which changes no status and so travels only as a comment), and the users, shifts and auth events
that concern nobody's inbox (registration, blocking — a blocked user hears nothing — documents
submitted, shift started/ended…).

Layout: the route's value types live in `routing_model`, the conditions that pick a row in
`routing_conditions`, reading parties and actors off an event in `routing_events`, and the
template data in `routing_data`; this module is the table and `route` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message
from ukm.auth.v1 import events_pb2 as auth_events
from ukm.common.v1 import media_pb2
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.users.v1 import directory_pb2
from ukm.users.v1 import events_pb2 as user_events

from services.notifications.routing_conditions import (
    action_is,
    binding_is,
    free_comment,
    is_answer,
    is_claim,
)
from services.notifications.routing_data import event_data, first_photo, request_data
from services.notifications.routing_events import (
    actor,
    address,
    delivery_overrides,
    free_text,
    recipient,
    request_of,
    subject_user,
)
from services.notifications.routing_model import Addressee, Party, Route

_A = workflow_pb2.TransitionAction
_S = request_pb2.RequestStatus


class UrgencyClass(StrEnum):
    """How a kind's urgency is decided."""

    NORMAL = "normal"
    # Urgent when the request is critical.
    BY_REQUEST = "by_request"
    # Always urgent (SLA breach, security).
    URGENT = "urgent"


M = TypeVar("M", bound=Message)


def _always(message: Any) -> bool:
    return True


@dataclass(frozen=True)
class Audience:
    """A party of a row, the inline actions its message offers, and when it hears at all."""

    party: Party
    actions: tuple[str, ...] = ()
    when: Callable[[Any], bool] = _always


@dataclass(frozen=True)
class Row(Generic[M]):
    """One kind of notification: the event it comes from and who hears it."""

    kind: str
    event: type[M]
    audience: tuple[Audience, ...]
    urgency: UrgencyClass = UrgencyClass.NORMAL
    when: Callable[[M], bool] = _always
    # What the event's free text (`text` or `reason`) is called in the templates.
    text_as: str | None = None
    staff_only: bool = False
    # The photos the message shows on Telegram (the first one): what the work looks like
    # now, or what the resident saw.
    photos: Callable[[request_pb2.Request], Sequence[media_pb2.MediaRef]] | None = None

    def template(self, party: Party) -> str:
        """The template key of `party`'s message."""
        return f"{self.kind}.{party.value}"


def _hear(*parties: Party) -> tuple[Audience, ...]:
    # Managers act on what they hear from the request's card: every message to them opens it.
    return tuple(Audience(p, ("open",) if p is Party.MANAGERS else ()) for p in parties)


_P = Party
_U = UrgencyClass
_SC = request_events.RequestStatusChanged
_AS = request_events.RequestAssigned
_CM = request_events.RequestCommented


ROWS: tuple[Row[Any], ...] = (
    # --- requests: assignment -------------------------------------------------------------
    Row(
        "request.assigned",
        _AS,
        # On a reassignment the applicant already knows the work is under way.
        (
            Audience(_P.EXECUTOR, ("open",)),
            Audience(_P.APPLICANT, when=lambda e: not e.previous_executor_id),
        ),
        _U.BY_REQUEST,
        when=lambda e: bool(e.executor_id) and not is_claim(e),
        photos=lambda r: r.media,
    ),
    Row(
        "request.claimed",
        _AS,
        _hear(_P.POOL, _P.APPLICANT),
        _U.NORMAL,
        when=is_claim,
    ),
    Row(
        "request.pool_offered",
        _AS,
        (Audience(_P.POOL, ("take",)),),
        _U.BY_REQUEST,
        when=lambda e: not e.executor_id and bool(e.specialization),
        photos=lambda r: r.media,
    ),
    Row(
        "request.unassigned",
        request_events.RequestUnassigned,
        _hear(_P.REMOVED_EXECUTOR),
        text_as="reason",
    ),
    # --- requests: workflow ---------------------------------------------------------------
    Row(
        "request.clarification_asked",
        _SC,
        (Audience(_P.APPLICANT, ("answer",)),),
        _U.BY_REQUEST,
        when=action_is(_A.TRANSITION_ACTION_CLARIFY),
        text_as="question",
    ),
    Row(
        "request.clarification_answered",
        _CM,
        _hear(_P.MANAGERS),
        _U.BY_REQUEST,
        when=is_answer,
    ),
    Row(
        "request.completed",
        _SC,
        _hear(_P.MANAGERS, _P.APPLICANT),
        when=action_is(
            _A.TRANSITION_ACTION_EXECUTOR_COMPLETE, _A.TRANSITION_ACTION_MANAGER_COMPLETE
        ),
        text_as="report",
        photos=lambda r: r.completion.media,
    ),
    # A confirmation's notes are staff-only (an internal comment): the applicant never sees them.
    Row(
        "request.confirmed",
        _SC,
        (Audience(_P.APPLICANT, ("accept", "return")),),
        when=action_is(_A.TRANSITION_ACTION_MANAGER_CONFIRM, to=_S.REQUEST_STATUS_CONFIRMED),
    ),
    Row(
        "request.closed",
        _SC,
        _hear(_P.APPLICANT),
        when=action_is(_A.TRANSITION_ACTION_MANAGER_CONFIRM, to=_S.REQUEST_STATUS_ACCEPTED),
    ),
    Row(
        "request.accepted_on_behalf",
        _SC,
        _hear(_P.APPLICANT),
        when=action_is(_A.TRANSITION_ACTION_MANAGER_FORCE_ACCEPT),
        text_as="comment",
    ),
    Row(
        "request.returned_to_work",
        _SC,
        _hear(_P.EXECUTOR, _P.APPLICANT),
        _U.BY_REQUEST,
        when=action_is(_A.TRANSITION_ACTION_RETURN_TO_WORK),
        text_as="reason",
    ),
    Row(
        "request.returned_by_applicant",
        _SC,
        _hear(_P.EXECUTOR, _P.MANAGERS),
        _U.BY_REQUEST,
        when=action_is(_A.TRANSITION_ACTION_APPLICANT_RETURN),
        text_as="reason",
        photos=lambda r: r.return_info.media,
    ),
    Row(
        "request.cancelled",
        _SC,
        _hear(_P.APPLICANT, _P.EXECUTOR),
        when=action_is(_A.TRANSITION_ACTION_CANCEL),
        text_as="reason",
    ),
    Row(
        "request.materials_requested",
        _SC,
        _hear(_P.MANAGERS),
        _U.BY_REQUEST,
        when=action_is(_A.TRANSITION_ACTION_EXECUTOR_PURCHASE),
    ),
    Row(
        "request.materials_ready",
        _SC,
        _hear(_P.EXECUTOR),
        _U.BY_REQUEST,
        when=action_is(_A.TRANSITION_ACTION_PURCHASE_DONE),
        text_as="comment",
    ),
    # --- requests: comments, ratings, edits, deadlines ------------------------------------
    Row(
        "request.commented",
        _CM,
        _hear(_P.APPLICANT, _P.EXECUTOR, _P.MANAGERS),
        when=free_comment(internal=False),
    ),
    Row(
        "request.commented_internal",
        _CM,
        # The applicant is kept: staff file requests too; `staff_only` drops residents.
        _hear(_P.APPLICANT, _P.EXECUTOR, _P.MANAGERS),
        when=free_comment(internal=True),
        staff_only=True,
    ),
    Row("request.rated", request_events.RequestRated, _hear(_P.EXECUTOR)),
    Row(
        "request.updated",
        request_events.RequestUpdated,
        _hear(_P.EXECUTOR),
        _U.BY_REQUEST,
        text_as="reason",
    ),
    Row("request.sla_warning", request_events.SlaWarning, _hear(_P.MANAGERS)),
    Row(
        "request.sla_breached",
        request_events.SlaBreached,
        _hear(_P.MANAGERS, _P.EXECUTOR),
        _U.URGENT,
    ),
    # --- users ----------------------------------------------------------------------------
    Row(
        "user.verification_requested",
        user_events.VerificationRequested,
        (Audience(_P.SUBJECT, ("upload",)),),
        text_as="comment",
    ),
    Row(
        "user.verification_approved",
        user_events.VerificationDecided,
        _hear(_P.SUBJECT),
        when=lambda e: e.approved,
    ),
    Row(
        "user.verification_rejected",
        user_events.VerificationDecided,
        _hear(_P.SUBJECT),
        when=lambda e: not e.approved,
        text_as="reason",
    ),
    Row(
        "user.binding_approved",
        user_events.ApartmentBindingDecided,
        _hear(_P.SUBJECT),
        when=binding_is(directory_pb2.BINDING_STATUS_APPROVED),
    ),
    Row(
        "user.binding_rejected",
        user_events.ApartmentBindingDecided,
        _hear(_P.SUBJECT),
        when=binding_is(directory_pb2.BINDING_STATUS_REJECTED),
    ),
    Row("user.approved", user_events.UserApproved, _hear(_P.SUBJECT)),
    # --- auth (security: always urgent, never muted) --------------------------------------
    Row("auth.password_reset", auth_events.PasswordResetRequested, _hear(_P.SUBJECT), _U.URGENT),
    Row("auth.locked_out", auth_events.AccountLockedOut, _hear(_P.SUBJECT), _U.URGENT),
    Row(
        "auth.token_reuse",
        auth_events.RefreshTokenReuseDetected,
        _hear(_P.SUBJECT),
        _U.URGENT,
    ),
)

KINDS: frozenset[str] = frozenset(row.kind for row in ROWS)


def _rows_by_type() -> Mapping[type[Message], tuple[Row[Any], ...]]:
    grouped: dict[type[Message], list[Row[Any]]] = {}
    for row in ROWS:
        grouped.setdefault(row.event, []).append(row)
    return {event: tuple(rows) for event, rows in grouped.items()}


_ROWS_BY_TYPE = _rows_by_type()

# Envelope `type` (full protobuf name) → message class, for every event that can be routed.
EVENT_TYPES: Mapping[str, type[Message]] = {
    event.DESCRIPTOR.full_name: event for event in _ROWS_BY_TYPE
}


def matching_rows(message: Message) -> tuple[Row[Any], ...]:
    """Every row whose condition holds for `message` (at most one for a well-formed table)."""
    return tuple(row for row in _ROWS_BY_TYPE.get(type(message), ()) if row.when(message))


def route(message: Message) -> Route | None:
    """Who hears `message` and with what, or None when it concerns nobody's inbox."""
    rows = matching_rows(message)
    if not rows:
        return None
    row = rows[0]
    request = request_of(message)
    addressees = tuple(
        Addressee(spec, row.template(audience.party), audience.actions)
        for audience in row.audience
        if audience.when(message)
        and (spec := recipient(audience.party, message, request)) is not None
    )
    urgent = row.urgency is UrgencyClass.URGENT or (
        row.urgency is UrgencyClass.BY_REQUEST
        and request is not None
        and request.urgency == request_pb2.URGENCY_CRITICAL
    )
    data = dict(request_data(request)) if request is not None else {}
    data.update(event_data(message))
    if row.text_as is not None:
        text = free_text(message)
        if text:
            data[row.text_as] = text
    extras = delivery_overrides(message)
    return Route(
        kind=row.kind,
        addressees=addressees,
        data=data,
        urgent=urgent,
        subject=request.request_number if request is not None else subject_user(message),
        staff_only=row.staff_only,
        exclude=frozenset(a for a in (actor(message),) if a),
        address=address(message, request),
        photo=first_photo(row.photos(request)) if row.photos and request is not None else "",
        **extras,
    )
