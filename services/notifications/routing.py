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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from ukm.auth.v1 import events_pb2 as auth_events
from ukm.common.v1 import specialization_pb2
from ukm.requests.v1 import events_pb2 as request_events
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.users.v1 import directory_pb2, verification_service_pb2
from ukm.users.v1 import events_pb2 as user_events

from services.kit.enums import EnumKeys

# A template value: text, or a list of label keys (categories, documents…) that the template
# renders in the reader's language.
Value = str | tuple[str, ...]
TemplateData = Mapping[str, Value]

BUSINESS_TZ = ZoneInfo("Asia/Tashkent")

CATEGORY = EnumKeys(request_pb2.Category.DESCRIPTOR)
URGENCY = EnumKeys(request_pb2.Urgency.DESCRIPTOR)
SPECIALIZATION = EnumKeys(specialization_pb2.Specialization.DESCRIPTOR)
SLA_CLOCK = EnumKeys(request_events.SlaClock.DESCRIPTOR)
DOCUMENT_TYPE = EnumKeys(verification_service_pb2.DocumentType.DESCRIPTOR)

_A = workflow_pb2.TransitionAction
_S = request_pb2.RequestStatus


class Party(StrEnum):
    """Who, relative to the event, hears it."""

    APPLICANT = "applicant"
    # The executor working on the request (the newly assigned one for an assignment).
    EXECUTOR = "executor"
    # The executor who lost the request (reassignment, shift handed over).
    REMOVED_EXECUTOR = "removed_executor"
    MANAGERS = "managers"
    # On-shift executors of the pool a request was addressed to.
    POOL = "pool"
    # The user the event is about (verification, account, security).
    SUBJECT = "subject"


class UrgencyClass(StrEnum):
    """How a kind's urgency is decided."""

    NORMAL = "normal"
    # Urgent when the request is critical.
    BY_REQUEST = "by_request"
    # Always urgent (SLA breach, security).
    URGENT = "urgent"


@dataclass(frozen=True)
class UserRecipient:
    """One known person."""

    user_id: str
    party: Party


@dataclass(frozen=True)
class RoleRecipient:
    """Everyone holding a role (approved users only; admins count as managers)."""

    role: str
    party: Party


@dataclass(frozen=True)
class OnShiftRecipient:
    """Executors on an active shift covering `specialization` (universal shifts included)."""

    specialization: str
    party: Party


RecipientSpec = UserRecipient | RoleRecipient | OnShiftRecipient


@dataclass(frozen=True)
class Addressee:
    """Who hears the route, through which template, with which inline actions."""

    recipient: RecipientSpec
    template: str
    actions: tuple[str, ...] = ()


@dataclass(frozen=True)
class AddressRef:
    """The directory ids of a request's (or binding's) address, for the resolver to label."""

    yard_id: str = ""
    building_id: str = ""
    apartment_id: str = ""


@dataclass(frozen=True)
class Route:
    """What one event means for people's inboxes (before resolving anyone)."""

    kind: str
    addressees: tuple[Addressee, ...]
    data: TemplateData
    urgent: bool
    # The request number or user id the event is about (tracking lists deliveries by it).
    subject: str
    # Drop every resolved person who is not staff (internal comments).
    staff_only: bool = False
    # People never told: whoever caused the event.
    exclude: frozenset[str] = frozenset()
    # When set, the only channels allowed (a reset link goes by e-mail only).
    channels: tuple[str, ...] | None = None
    # Contact details the event itself carries, by channel ("email" → the address).
    contacts: Mapping[str, str] = field(default_factory=dict)
    # The reader's language when the event knows it better than the profile.
    language: str = ""
    address: AddressRef | None = None
    # Data fields that must never reach a log (tokens).
    secret_fields: frozenset[str] = frozenset()


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

    def template(self, party: Party) -> str:
        """The template key of `party`'s message."""
        return f"{self.kind}.{party.value}"


def _hear(*parties: Party) -> tuple[Audience, ...]:
    return tuple(Audience(p) for p in parties)


_P = Party
_U = UrgencyClass
_SC = request_events.RequestStatusChanged
_AS = request_events.RequestAssigned
_CM = request_events.RequestCommented


def _action(*actions: int, to: int | None = None) -> Callable[[_SC], bool]:
    def matches(event: _SC) -> bool:
        return event.action in actions and (to is None or event.to_status == to)

    return matches


def _is_claim(event: _AS) -> bool:
    # Only a claim makes the new executor the one who assigned; the pool it came from is told.
    return bool(event.executor_id) and event.assigned_by == event.executor_id


def _written_by_workflow(event: _CM) -> bool:
    # A workflow action's comment travels in the same transaction as the action, stamped with
    # the same instant as the request's update; a comment added on its own leaves the request
    # untouched (older update time). TODO(proto): carry the action in RequestCommented.
    comment = event.comment
    if comment.kind == workflow_pb2.COMMENT_KIND_STATUS_CHANGE:
        return True
    return comment.create_time == event.request.update_time and comment.HasField("create_time")


def _is_answer(event: _CM) -> bool:
    comment = event.comment
    return (
        _written_by_workflow(event)
        and comment.kind == workflow_pb2.COMMENT_KIND_CLARIFICATION
        and comment.author_id == event.request.applicant_id
    )


def _free_comment(internal: bool) -> Callable[[_CM], bool]:
    def matches(event: _CM) -> bool:
        return not _written_by_workflow(event) and event.comment.internal == internal

    return matches


def _binding(status: int) -> Callable[[user_events.ApartmentBindingDecided], bool]:
    def matches(event: user_events.ApartmentBindingDecided) -> bool:
        return event.binding.status == status

    return matches


ROWS: tuple[Row[Any], ...] = (
    # --- requests: assignment -------------------------------------------------------------
    Row(
        "request.assigned",
        _AS,
        # On a reassignment the applicant already knows the work is under way.
        (Audience(_P.EXECUTOR), Audience(_P.APPLICANT, when=lambda e: not e.previous_executor_id)),
        _U.BY_REQUEST,
        when=lambda e: bool(e.executor_id) and not _is_claim(e),
    ),
    Row(
        "request.claimed",
        _AS,
        _hear(_P.POOL, _P.APPLICANT),
        _U.NORMAL,
        when=_is_claim,
    ),
    Row(
        "request.pool_offered",
        _AS,
        _hear(_P.POOL),
        _U.BY_REQUEST,
        when=lambda e: not e.executor_id and bool(e.specialization),
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
        when=_action(_A.TRANSITION_ACTION_CLARIFY),
        text_as="question",
    ),
    Row(
        "request.clarification_answered",
        _CM,
        _hear(_P.MANAGERS),
        _U.BY_REQUEST,
        when=_is_answer,
    ),
    Row(
        "request.completed",
        _SC,
        _hear(_P.MANAGERS, _P.APPLICANT),
        when=_action(_A.TRANSITION_ACTION_EXECUTOR_COMPLETE, _A.TRANSITION_ACTION_MANAGER_COMPLETE),
        text_as="report",
    ),
    # A confirmation's notes are staff-only (an internal comment): the applicant never sees them.
    Row(
        "request.confirmed",
        _SC,
        (Audience(_P.APPLICANT, ("accept", "return")),),
        when=_action(_A.TRANSITION_ACTION_MANAGER_CONFIRM, to=_S.REQUEST_STATUS_CONFIRMED),
    ),
    Row(
        "request.closed",
        _SC,
        _hear(_P.APPLICANT),
        when=_action(_A.TRANSITION_ACTION_MANAGER_CONFIRM, to=_S.REQUEST_STATUS_ACCEPTED),
    ),
    Row(
        "request.accepted_on_behalf",
        _SC,
        _hear(_P.APPLICANT),
        when=_action(_A.TRANSITION_ACTION_MANAGER_FORCE_ACCEPT),
        text_as="comment",
    ),
    Row(
        "request.returned_to_work",
        _SC,
        _hear(_P.EXECUTOR, _P.APPLICANT),
        _U.BY_REQUEST,
        when=_action(_A.TRANSITION_ACTION_RETURN_TO_WORK),
        text_as="reason",
    ),
    Row(
        "request.returned_by_applicant",
        _SC,
        _hear(_P.EXECUTOR, _P.MANAGERS),
        _U.BY_REQUEST,
        when=_action(_A.TRANSITION_ACTION_APPLICANT_RETURN),
        text_as="reason",
    ),
    Row(
        "request.cancelled",
        _SC,
        _hear(_P.APPLICANT, _P.EXECUTOR),
        when=_action(_A.TRANSITION_ACTION_CANCEL),
        text_as="reason",
    ),
    Row(
        "request.materials_requested",
        _SC,
        _hear(_P.MANAGERS),
        _U.BY_REQUEST,
        when=_action(_A.TRANSITION_ACTION_EXECUTOR_PURCHASE),
    ),
    Row(
        "request.materials_ready",
        _SC,
        _hear(_P.EXECUTOR),
        _U.BY_REQUEST,
        when=_action(_A.TRANSITION_ACTION_PURCHASE_DONE),
        text_as="comment",
    ),
    # --- requests: comments, ratings, edits, deadlines ------------------------------------
    Row(
        "request.commented",
        _CM,
        _hear(_P.APPLICANT, _P.EXECUTOR, _P.MANAGERS),
        when=_free_comment(internal=False),
    ),
    Row(
        "request.commented_internal",
        _CM,
        # The applicant is kept: staff file requests too; `staff_only` drops residents.
        _hear(_P.APPLICANT, _P.EXECUTOR, _P.MANAGERS),
        when=_free_comment(internal=True),
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
        when=_binding(directory_pb2.BINDING_STATUS_APPROVED),
    ),
    Row(
        "user.binding_rejected",
        user_events.ApartmentBindingDecided,
        _hear(_P.SUBJECT),
        when=_binding(directory_pb2.BINDING_STATUS_REJECTED),
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
    request = _request_of(message)
    addressees = tuple(
        Addressee(recipient, row.template(audience.party), audience.actions)
        for audience in row.audience
        if audience.when(message)
        and (recipient := _recipient(audience.party, message, request)) is not None
    )
    urgent = row.urgency is UrgencyClass.URGENT or (
        row.urgency is UrgencyClass.BY_REQUEST
        and request is not None
        and request.urgency == request_pb2.URGENCY_CRITICAL
    )
    data = dict(_request_data(request)) if request is not None else {}
    data.update(_event_data(message))
    if row.text_as is not None:
        text = _free_text(message)
        if text:
            data[row.text_as] = text
    extras = _extras(message)
    return Route(
        kind=row.kind,
        addressees=addressees,
        data=data,
        urgent=urgent,
        subject=request.request_number if request is not None else _subject_user(message),
        staff_only=row.staff_only,
        exclude=frozenset(a for a in (_actor(message),) if a),
        address=_address(message, request),
        **extras,
    )


# --- reading events -------------------------------------------------------------------------


def _request_of(message: Message) -> request_pb2.Request | None:
    if message.DESCRIPTOR.fields_by_name.get("request") is None:
        return None
    request: request_pb2.Request = getattr(message, "request")  # noqa: B009
    return request


def _subject_user(message: Message) -> str:
    if isinstance(message, user_events.ApartmentBindingDecided):
        return message.binding.user_id
    user_id: str = getattr(message, "user_id", "")
    return user_id


def _executor(message: Message, request: request_pb2.Request | None) -> str:
    if isinstance(message, _AS | request_events.RequestRated):
        return message.executor_id
    return request.executor_id if request is not None else ""


def _recipient(
    party: Party, message: Message, request: request_pb2.Request | None
) -> RecipientSpec | None:
    user_id = ""
    if party is Party.MANAGERS:
        return RoleRecipient("manager", party)
    if party is Party.POOL:
        pool = _pool(message, request)
        return OnShiftRecipient(pool, party) if pool else None
    if party is Party.APPLICANT and request is not None:
        user_id = request.applicant_id
    elif party is Party.EXECUTOR:
        user_id = _executor(message, request)
    elif party is Party.REMOVED_EXECUTOR and isinstance(message, request_events.RequestUnassigned):
        user_id = message.executor_id
    elif party is Party.SUBJECT:
        user_id = _subject_user(message)
    return UserRecipient(user_id, party) if user_id else None


def _pool(message: Message, request: request_pb2.Request | None) -> str:
    if isinstance(message, _AS) and message.specialization:
        return SPECIALIZATION.key(message.specialization)
    # A claim's event names no pool (TODO(proto): RequestAssigned.previous_specialization);
    # the pool is normally the category's specialisation.
    if request is not None and request.category:
        return CATEGORY_POOL.get(CATEGORY.key(request.category), "")
    return ""


# DOMAIN.md "Categories → specialisation".
CATEGORY_POOL: Mapping[str, str] = {
    "electricity": "electrician",
    "plumbing": "plumber",
    "heating": "heating",
    "ventilation": "ventilation",
    "elevator": "elevator",
    "cleaning": "cleaning",
    "landscaping": "landscaping",
    "security": "security",
    "internet": "electrician",
    "repair": "repair",
    "other": "repair",
}


def _actor(message: Message) -> str:
    for name in ("actor_id", "assigned_by", "updated_by", "requested_by", "decided_by"):
        if message.DESCRIPTOR.fields_by_name.get(name) is not None:
            actor: str = getattr(message, name)
            return actor
    if isinstance(message, _CM):
        return message.comment.author_id
    return ""


def _free_text(message: Message) -> str:
    for name in ("text", "reason", "comment"):
        descriptor = message.DESCRIPTOR.fields_by_name.get(name)
        if descriptor is not None and descriptor.type == descriptor.TYPE_STRING:
            text: str = getattr(message, name)
            return text
    return ""


def _address(message: Message, request: request_pb2.Request | None) -> AddressRef | None:
    if request is not None and request.HasField("address"):
        a = request.address
        return AddressRef(a.yard_id, a.building_id, a.apartment_id)
    if isinstance(message, user_events.ApartmentBindingDecided):
        return AddressRef(apartment_id=message.binding.apartment_id)
    return None


def _request_data(request: request_pb2.Request) -> dict[str, Value]:
    data: dict[str, Value] = {"number": request.request_number}
    if request.description:
        data["description"] = request.description
    if request.category:
        data["category"] = CATEGORY.key(request.category)
    if request.urgency:
        data["urgency"] = URGENCY.key(request.urgency)
    if request.materials.items:
        data["materials"] = "; ".join(
            " ".join(part for part in (item.name, item.quantity, item.unit) if part)
            for item in request.materials.items
        )
    return data


def _event_data(message: Message) -> dict[str, Value]:
    builder = _EVENT_DATA.get(type(message))
    return builder(message) if builder is not None else {}


def local_time(stamp: Timestamp) -> str:
    """`stamp` as people in the business read it: `25.11.2025 14:30` in Asia/Tashkent."""
    moment = datetime.fromtimestamp(stamp.seconds, UTC).astimezone(BUSINESS_TZ)
    return moment.strftime("%d.%m.%Y %H:%M")


def _assigned_data(e: request_events.RequestAssigned) -> dict[str, Value]:
    return {"specialization": SPECIALIZATION.key(e.specialization)} if e.specialization else {}


def _commented_data(e: request_events.RequestCommented) -> dict[str, Value]:
    return {"comment": e.comment.text}


def _rated_data(e: request_events.RequestRated) -> dict[str, Value]:
    data: dict[str, Value] = {"rating": str(e.rating.stars)}
    if e.rating.review:
        data["review"] = e.rating.review
    return data


def _updated_data(e: request_events.RequestUpdated) -> dict[str, Value]:
    return {"changes": "; ".join(f"{k}: {v}" for k, v in sorted(e.changes.items()))}


def _sla_data(e: request_events.SlaWarning | request_events.SlaBreached) -> dict[str, Value]:
    data: dict[str, Value] = {"due": local_time(e.due_time)}
    if e.clock:
        data["clock"] = SLA_CLOCK.key(e.clock)
    return data


def _verification_data(e: user_events.VerificationRequested) -> dict[str, Value]:
    return {"documents": tuple(DOCUMENT_TYPE.key(t) for t in e.document_types if t)}


def _binding_data(e: user_events.ApartmentBindingDecided) -> dict[str, Value]:
    reason = e.binding.decision_reason
    return {"reason": reason} if reason else {}


def _reset_data(e: auth_events.PasswordResetRequested) -> dict[str, Value]:
    return {"reset_token": e.reset_token, "expires": local_time(e.expires_at)}


def _locked_data(e: auth_events.AccountLockedOut) -> dict[str, Value]:
    return {"until": local_time(e.until), "failed_attempts": str(e.failed_attempts)}


_EVENT_DATA: Mapping[type[Message], Callable[[Any], dict[str, Value]]] = {
    request_events.RequestAssigned: _assigned_data,
    request_events.RequestCommented: _commented_data,
    request_events.RequestRated: _rated_data,
    request_events.RequestUpdated: _updated_data,
    request_events.SlaWarning: _sla_data,
    request_events.SlaBreached: _sla_data,
    user_events.VerificationRequested: _verification_data,
    user_events.ApartmentBindingDecided: _binding_data,
    auth_events.PasswordResetRequested: _reset_data,
    auth_events.AccountLockedOut: _locked_data,
}


def _extras(message: Message) -> dict[str, Any]:
    # The reset link is for the address that asked for it, by e-mail only, in the asker's
    # language; the token is a secret.
    if isinstance(message, auth_events.PasswordResetRequested):
        return {
            "channels": ("email",),
            "contacts": {"email": message.email} if message.email else {},
            "language": message.language,
            "secret_fields": frozenset({"reset_token"}),
        }
    return {}
