"""The routing table: every row of DOMAIN.md's "who hears what" that has an event today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import given
from hypothesis import strategies as st
from ukm.auth.v1 import events_pb2 as auth_events
from ukm.common.v1 import specialization_pb2 as spec
from ukm.requests.v1 import events_pb2 as ev
from ukm.requests.v1 import request_pb2 as rq
from ukm.requests.v1 import workflow_pb2 as wf
from ukm.shifts.v1 import events_pb2 as shift_events
from ukm.users.v1 import directory_pb2, verification_service_pb2
from ukm.users.v1 import events_pb2 as user_events

from services.notifications.routing import EVENT_TYPES, KINDS, ROWS, matching_rows, route
from services.notifications.routing_data import local_time
from services.notifications.routing_model import (
    AddressRef,
    OnShiftRecipient,
    Party,
    RoleRecipient,
    Route,
    UserRecipient,
)
from services.notifications.templates import LANGUAGES, default_catalogue

A = wf.TransitionAction
S = rq.RequestStatus
UPDATED = Timestamp(seconds=1_764_050_000)
# Fields filled after routing by the resolver (directory labels) or settings (links).
LATE_FIELDS = frozenset({"address", "reset_link"})


def a_request(**changes: Any) -> rq.Request:
    request = rq.Request(
        request_number="251125-007",
        status=rq.REQUEST_STATUS_IN_PROGRESS,
        applicant_id="resident-1",
        category=rq.CATEGORY_PLUMBING,
        description="Water leaks under the kitchen sink",
        urgency=rq.URGENCY_MEDIUM,
        executor_id="executor-1",
        address=rq.Address(
            level=rq.ADDRESS_LEVEL_APARTMENT, yard_id="y1", building_id="b1", apartment_id="a1"
        ),
        update_time=UPDATED,
    )
    for name, value in changes.items():
        if isinstance(value, Message):
            getattr(request, name).CopyFrom(value)
        else:
            setattr(request, name, value)
    return request


def status_changed(
    action: int, to: int, text: str = "", actor: str = "manager-1", **req: Any
) -> ev.RequestStatusChanged:
    return ev.RequestStatusChanged(
        request=a_request(status=to, **req),
        from_status=rq.REQUEST_STATUS_IN_PROGRESS,
        to_status=to,  # type: ignore[arg-type]
        action=action,  # type: ignore[arg-type]
        actor_id=actor,
        text=text,
    )


def commented(
    *, author: str, kind: int, internal: bool = False, by_workflow: bool = False
) -> ev.RequestCommented:
    stamp = UPDATED if by_workflow else Timestamp(seconds=UPDATED.seconds + 60)
    action = _workflow_action(author, kind) if by_workflow else wf.TRANSITION_ACTION_UNSPECIFIED
    comment = wf.Comment(
        id="c1",
        request_number="251125-007",
        author_id=author,
        kind=kind,  # type: ignore[arg-type]
        text="Is the leak still there?",
        internal=internal,
        create_time=stamp,
    )
    return ev.RequestCommented(request=a_request(), comment=comment, action=action)


def _workflow_action(author: str, kind: int) -> wf.TransitionAction.ValueType:
    """The action that writes a comment of `kind` by `author` (as the requests service does)."""
    if kind == wf.COMMENT_KIND_CLARIFICATION:
        return (
            wf.TRANSITION_ACTION_CLARIFY_ANSWER
            if author.startswith("resident")
            else wf.TRANSITION_ACTION_CLARIFY
        )
    if kind == wf.COMMENT_KIND_REPORT:
        return wf.TRANSITION_ACTION_EXECUTOR_COMPLETE
    return wf.TRANSITION_ACTION_MANAGER_CONFIRM


def who(found: Route) -> set[tuple[str, str]]:
    """(recipient, template) pairs, a recipient written as its id, role or pool."""
    pairs = set()
    for addressee in found.addressees:
        r = addressee.recipient
        if isinstance(r, UserRecipient):
            name = r.user_id
        elif isinstance(r, RoleRecipient):
            name = f"role:{r.role}"
        else:
            name = f"pool:{r.specialization}"
        pairs.add((name, addressee.template))
    return pairs


@dataclass(frozen=True)
class Case:
    name: str
    event: Message
    kind: str
    hears: set[tuple[str, str]]
    data: dict[str, Any]
    urgent: bool = False


CASES = [
    Case(
        "assigned by a manager: executor gets the details, applicant 'taken into work'",
        ev.RequestAssigned(request=a_request(), executor_id="executor-1", assigned_by="manager-1"),
        "request.assigned",
        {
            ("executor-1", "request.assigned.executor"),
            ("resident-1", "request.assigned.applicant"),
        },
        {
            "number": "251125-007",
            "category": "plumbing",
            "description": "Water leaks under the kitchen sink",
            "urgency": "medium",
        },
    ),
    Case(
        "reassigned: the new executor only (the removed one hears RequestUnassigned)",
        ev.RequestAssigned(
            request=a_request(executor_id="executor-2"),
            executor_id="executor-2",
            previous_executor_id="executor-1",
            assigned_by="manager-1",
        ),
        "request.assigned",
        {("executor-2", "request.assigned.executor")},
        {"number": "251125-007"},
    ),
    Case(
        "critical request assigned by the system: urgent",
        ev.RequestAssigned(
            request=a_request(urgency=rq.URGENCY_CRITICAL), executor_id="executor-1"
        ),
        "request.assigned",
        {
            ("executor-1", "request.assigned.executor"),
            ("resident-1", "request.assigned.applicant"),
        },
        {"urgency": "critical"},
        urgent=True,
    ),
    Case(
        "group-addressed: on-shift executors of that specialisation",
        ev.RequestAssigned(
            request=a_request(executor_id="", status=rq.REQUEST_STATUS_NEW),
            specialization=spec.SPECIALIZATION_PLUMBER,
            assigned_by="manager-1",
        ),
        "request.pool_offered",
        {("pool:plumber", "request.pool_offered.pool")},
        {"specialization": "plumber", "number": "251125-007"},
    ),
    Case(
        "claimed: the others in the pool are told it is taken; the applicant it is in work",
        ev.RequestAssigned(request=a_request(), executor_id="executor-1", assigned_by="executor-1"),
        "request.claimed",
        {("pool:plumber", "request.claimed.pool"), ("resident-1", "request.claimed.applicant")},
        {"number": "251125-007"},
    ),
    Case(
        "reassigned: the removed executor, with the reason",
        ev.RequestUnassigned(
            request=a_request(executor_id="executor-2"),
            executor_id="executor-1",
            reason="reassigned by a manager",
        ),
        "request.unassigned",
        {("executor-1", "request.unassigned.removed_executor")},
        {"reason": "reassigned by a manager"},
    ),
    Case(
        "clarification asked: the applicant, with the question",
        status_changed(A.TRANSITION_ACTION_CLARIFY, S.REQUEST_STATUS_CLARIFICATION, "Which tap?"),
        "request.clarification_asked",
        {("resident-1", "request.clarification_asked.applicant")},
        {"question": "Which tap?"},
    ),
    Case(
        "clarification answered: the managers",
        commented(author="resident-1", kind=wf.COMMENT_KIND_CLARIFICATION, by_workflow=True),
        "request.clarification_answered",
        {("role:manager", "request.clarification_answered.managers")},
        {"comment": "Is the leak still there?"},
    ),
    Case(
        "completed by the executor: managers to check, the applicant told",
        status_changed(
            A.TRANSITION_ACTION_EXECUTOR_COMPLETE,
            S.REQUEST_STATUS_COMPLETED,
            "Replaced the gasket",
            actor="executor-1",
        ),
        "request.completed",
        {
            ("role:manager", "request.completed.managers"),
            ("resident-1", "request.completed.applicant"),
        },
        {"report": "Replaced the gasket"},
    ),
    Case(
        "confirmed by a manager: the applicant, asked to accept and rate",
        status_changed(A.TRANSITION_ACTION_MANAGER_CONFIRM, S.REQUEST_STATUS_CONFIRMED),
        "request.confirmed",
        {("resident-1", "request.confirmed.applicant")},
        {"number": "251125-007"},
    ),
    Case(
        "confirmed in manager acceptance mode: closed",
        status_changed(A.TRANSITION_ACTION_MANAGER_CONFIRM, S.REQUEST_STATUS_ACCEPTED),
        "request.closed",
        {("resident-1", "request.closed.applicant")},
        {},
    ),
    Case(
        "accepted on the applicant's behalf: the applicant, with the manager's comment",
        status_changed(
            A.TRANSITION_ACTION_MANAGER_FORCE_ACCEPT,
            S.REQUEST_STATUS_ACCEPTED,
            "Resident unreachable for a week",
        ),
        "request.accepted_on_behalf",
        {("resident-1", "request.accepted_on_behalf.applicant")},
        {"comment": "Resident unreachable for a week"},
    ),
    Case(
        "returned to work by a manager: executor and applicant, with the reason",
        status_changed(
            A.TRANSITION_ACTION_RETURN_TO_WORK, S.REQUEST_STATUS_IN_PROGRESS, "Still leaking"
        ),
        "request.returned_to_work",
        {
            ("executor-1", "request.returned_to_work.executor"),
            ("resident-1", "request.returned_to_work.applicant"),
        },
        {"reason": "Still leaking"},
    ),
    Case(
        "returned by the applicant: executor and managers",
        status_changed(
            A.TRANSITION_ACTION_APPLICANT_RETURN,
            S.REQUEST_STATUS_RETURNED,
            "Still leaking",
            actor="resident-1",
        ),
        "request.returned_by_applicant",
        {
            ("executor-1", "request.returned_by_applicant.executor"),
            ("role:manager", "request.returned_by_applicant.managers"),
        },
        {"reason": "Still leaking"},
    ),
    Case(
        "cancelled by a manager: applicant and executor",
        status_changed(A.TRANSITION_ACTION_CANCEL, S.REQUEST_STATUS_CANCELLED, "Duplicate"),
        "request.cancelled",
        {
            ("resident-1", "request.cancelled.applicant"),
            ("executor-1", "request.cancelled.executor"),
        },
        {"reason": "Duplicate"},
    ),
    Case(
        "cancelled while new: the applicant only (no executor)",
        status_changed(
            A.TRANSITION_ACTION_CANCEL, S.REQUEST_STATUS_CANCELLED, "Duplicate", executor_id=""
        ),
        "request.cancelled",
        {("resident-1", "request.cancelled.applicant")},
        {"reason": "Duplicate"},
    ),
    Case(
        "SLA warning: managers",
        ev.SlaWarning(request=a_request(), clock=ev.SLA_CLOCK_RESOLUTION, due_time=UPDATED),
        "request.sla_warning",
        {("role:manager", "request.sla_warning.managers")},
        {"clock": "resolution", "due": "25.11.2025 10:53"},
    ),
    Case(
        "SLA breach: managers and the executor, urgent",
        ev.SlaBreached(request=a_request(), clock=ev.SLA_CLOCK_RESPONSE),
        "request.sla_breached",
        {
            ("role:manager", "request.sla_breached.managers"),
            ("executor-1", "request.sla_breached.executor"),
        },
        {"clock": "response"},
        urgent=True,
    ),
    Case(
        "a public comment by the executor: the other parties",
        commented(author="executor-1", kind=wf.COMMENT_KIND_NOTE),
        "request.commented",
        {
            ("resident-1", "request.commented.applicant"),
            ("executor-1", "request.commented.executor"),
            ("role:manager", "request.commented.managers"),
        },
        {"comment": "Is the leak still there?"},
    ),
    Case(
        "verification requested: the user, with the documents",
        user_events.VerificationRequested(
            user_id="resident-1",
            document_types=[
                verification_service_pb2.DOCUMENT_TYPE_PASSPORT,
                verification_service_pb2.DOCUMENT_TYPE_UTILITY_BILL,
            ],
            comment="Both pages, please",
            requested_by="manager-1",
        ),
        "user.verification_requested",
        {("resident-1", "user.verification_requested.subject")},
        {"documents": ("passport", "utility_bill"), "comment": "Both pages, please"},
    ),
    Case(
        "verification approved: the user",
        user_events.VerificationDecided(user_id="resident-1", approved=True),
        "user.verification_approved",
        {("resident-1", "user.verification_approved.subject")},
        {},
    ),
    Case(
        "verification rejected: the user, with the reason",
        user_events.VerificationDecided(user_id="resident-1", approved=False, reason="Blurry"),
        "user.verification_rejected",
        {("resident-1", "user.verification_rejected.subject")},
        {"reason": "Blurry"},
    ),
    Case(
        "apartment binding decided: the user",
        user_events.ApartmentBindingDecided(
            binding=directory_pb2.ApartmentBinding(
                user_id="resident-1",
                apartment_id="a1",
                status=directory_pb2.BINDING_STATUS_REJECTED,
                decision_reason="Not the owner",
            )
        ),
        "user.binding_rejected",
        {("resident-1", "user.binding_rejected.subject")},
        {"reason": "Not the owner"},
    ),
    Case(
        "password reset: the user, urgent",
        auth_events.PasswordResetRequested(
            user_id="u1", email="u1@example.org", reset_token="s3cret", language="uz"
        ),
        "auth.password_reset",
        {("u1", "auth.password_reset.subject")},
        {"reset_token": "s3cret"},
        urgent=True,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_row_reaches_the_right_people(case: Case) -> None:
    found = route(case.event)
    assert found is not None
    assert found.kind == case.kind
    assert who(found) == case.hears
    assert found.urgent is case.urgent
    for name, value in case.data.items():
        assert found.data[name] == value


@pytest.mark.parametrize("to", [S.REQUEST_STATUS_CONFIRMED, S.REQUEST_STATUS_ACCEPTED])
def test_staff_only_confirmation_notes_never_reach_the_applicant(to: int) -> None:
    found = route(status_changed(A.TRANSITION_ACTION_MANAGER_CONFIRM, to, "Tenant was rude"))
    assert found is not None
    assert "Tenant was rude" not in found.data.values()


def test_a_request_route_carries_its_subject_address_and_actor() -> None:
    found = route(
        status_changed(A.TRANSITION_ACTION_CANCEL, S.REQUEST_STATUS_CANCELLED, "Duplicate")
    )
    assert found is not None
    assert found.subject == "251125-007"
    assert found.address == AddressRef("y1", "b1", "a1")
    assert found.exclude == frozenset({"manager-1"})


def test_the_owner_cancelling_is_not_told_about_it() -> None:
    found = route(
        status_changed(
            A.TRANSITION_ACTION_CANCEL, S.REQUEST_STATUS_CANCELLED, "Not needed", actor="resident-1"
        )
    )
    assert found is not None and "resident-1" in found.exclude


def test_internal_comments_reach_staff_only() -> None:
    found = route(commented(author="manager-1", kind=wf.COMMENT_KIND_NOTE, internal=True))
    assert found is not None
    assert found.kind == "request.commented_internal"
    assert found.staff_only
    assert found.exclude == frozenset({"manager-1"})


@pytest.mark.parametrize(
    ("author", "kind"),
    [
        ("manager-1", wf.COMMENT_KIND_CLARIFICATION),  # the question: the status change tells
        ("executor-1", wf.COMMENT_KIND_REPORT),  # the report: the status change tells
        ("manager-1", wf.COMMENT_KIND_NOTE),  # a confirmation note
    ],
)
def test_comments_written_by_workflow_actions_are_not_routed_twice(author: str, kind: int) -> None:
    assert route(commented(author=author, kind=kind, by_workflow=True)) is None


def test_status_change_comments_are_never_routed() -> None:
    event = commented(author="manager-1", kind=wf.COMMENT_KIND_STATUS_CHANGE)
    assert route(event) is None


def test_an_applicant_answer_is_also_a_plain_comment_when_written_freely() -> None:
    found = route(commented(author="resident-1", kind=wf.COMMENT_KIND_CLARIFICATION))
    assert found is not None and found.kind == "request.commented"


def test_the_password_reset_goes_by_email_to_the_address_that_asked() -> None:
    found = route(
        auth_events.PasswordResetRequested(
            user_id="u1",
            email="u1@example.org",
            reset_token="s3cret",
            language="uz",
            expires_at=Timestamp(seconds=1_764_050_000),
        )
    )
    assert found is not None
    assert found.channels == ("email",)
    assert found.contacts == {"email": "u1@example.org"}
    assert found.language == "uz"
    assert found.secret_fields == frozenset({"reset_token", "reset_link"})
    assert found.data["expires"] == local_time(Timestamp(seconds=1_764_050_000))


def test_inline_actions_come_with_the_messages_that_need_an_answer() -> None:
    asked = route(status_changed(A.TRANSITION_ACTION_CLARIFY, S.REQUEST_STATUS_CLARIFICATION, "?"))
    confirmed = route(
        status_changed(A.TRANSITION_ACTION_MANAGER_CONFIRM, S.REQUEST_STATUS_CONFIRMED)
    )
    assert asked is not None and asked.addressees[0].actions == ("answer",)
    assert confirmed is not None and confirmed.addressees[0].actions == ("accept", "return")
    done = route(status_changed(A.TRANSITION_ACTION_EXECUTOR_COMPLETE, S.REQUEST_STATUS_COMPLETED))
    assert done is not None
    # Managers open the request's card from every message; the applicant only reads.
    assert {a.template: a.actions for a in done.addressees} == {
        "request.completed.managers": ("open",),
        "request.completed.applicant": (),
    }


def test_a_claim_without_a_named_pool_uses_the_category_pool() -> None:
    event = ev.RequestAssigned(
        request=a_request(category=rq.CATEGORY_INTERNET),
        executor_id="executor-1",
        assigned_by="executor-1",
    )
    found = route(event)
    assert found is not None
    assert OnShiftRecipient("electrician", Party.POOL) in {a.recipient for a in found.addressees}
    assert "executor-1" in found.exclude


@pytest.mark.parametrize(
    "event",
    [
        ev.RequestCreated(request=a_request()),
        status_changed(A.TRANSITION_ACTION_MANAGER_ASSIGN, S.REQUEST_STATUS_IN_PROGRESS),
        status_changed(A.TRANSITION_ACTION_EXECUTOR_RESUME, S.REQUEST_STATUS_IN_PROGRESS),
        user_events.UserBlocked(user_id="u1"),
        shift_events.ShiftStarted(),
    ],
    ids=["created", "assigning status change", "resume", "blocked", "shift started"],
)
def test_events_that_concern_nobody_are_not_routed(event: Message) -> None:
    assert route(event) is None


def test_local_time_is_tashkent() -> None:
    stamp = Timestamp()
    stamp.FromDatetime(datetime(2025, 11, 25, 19, 30, tzinfo=UTC))
    assert local_time(stamp) == "26.11.2025 00:30"


# --- the table as a whole ---------------------------------------------------------------


def test_kinds_are_unique_and_event_types_are_known() -> None:
    assert len(KINDS) == len(ROWS)
    assert set(EVENT_TYPES.values()) == {row.event for row in ROWS}


def test_every_template_a_row_names_ships_in_every_language() -> None:
    catalogue = default_catalogue()
    for row in ROWS:
        for audience in row.audience:
            template = catalogue.templates.get(row.template(audience.party))
            assert template is not None, row.template(audience.party)
            assert set(template.texts) == set(LANGUAGES), template.key


def test_templates_use_only_fields_routing_can_give() -> None:
    # What each event type's data may hold (request fields, the event's own, the free text).
    request_fields = {"number", "description", "category", "urgency", "materials"}
    catalogue = default_catalogue()
    for row in ROWS:
        for audience in row.audience:
            template = catalogue.templates[row.template(audience.party)]
            possible = set(LATE_FIELDS) | request_fields | _event_fields(row.event)
            if row.text_as:
                possible.add(row.text_as)
            assert template.fields <= possible, (template.key, template.fields - possible)


def _event_fields(event: type[Message]) -> set[str]:
    return {
        ev.RequestAssigned: {"specialization"},
        ev.RequestUnassigned: {"cause"},
        ev.RequestCommented: {"comment"},
        ev.RequestRated: {"rating", "review"},
        ev.RequestUpdated: {"changes"},
        ev.SlaWarning: {"due", "clock"},
        ev.SlaBreached: {"due", "clock"},
        user_events.VerificationRequested: {"documents"},
        user_events.ApartmentBindingDecided: {"reason"},
        auth_events.PasswordResetRequested: {"reset_token", "expires"},
        auth_events.AccountLockedOut: {"until", "failed_attempts"},
    }.get(event, set())


@given(
    action=st.sampled_from(list(A.values())),
    to=st.sampled_from(list(S.values())),
    text=st.text(max_size=5),
)
def test_at_most_one_row_matches_a_status_change(action: int, to: int, text: str) -> None:
    event = ev.RequestStatusChanged(
        request=a_request(),
        action=action,  # type: ignore[arg-type]
        to_status=to,  # type: ignore[arg-type]
        text=text,
    )
    assert len(matching_rows(event)) <= 1


@given(
    executor=st.sampled_from(["", "executor-1", "executor-2"]),
    assigned_by=st.sampled_from(["", "executor-1", "manager-1"]),
    previous=st.sampled_from(["", "executor-2"]),
    pool=st.sampled_from(list(spec.Specialization.values())),
)
def test_at_most_one_row_matches_an_assignment(
    executor: str, assigned_by: str, previous: str, pool: int
) -> None:
    event = ev.RequestAssigned(
        request=a_request(),
        executor_id=executor,
        assigned_by=assigned_by,
        previous_executor_id=previous,
        specialization=pool,  # type: ignore[arg-type]
    )
    rows = matching_rows(event)
    assert len(rows) <= 1
    found = route(event)
    if found is not None:
        # Nobody is told twice by one event.
        recipients = [a.recipient for a in found.addressees]
        assert len(recipients) == len(set(recipients))


@given(
    author=st.sampled_from(["resident-1", "executor-1", "manager-1", ""]),
    kind=st.sampled_from(list(wf.CommentKind.values())),
    internal=st.booleans(),
    by_workflow=st.booleans(),
)
def test_comments_match_at_most_one_row_and_internal_ones_stay_internal(
    author: str, kind: int, internal: bool, by_workflow: bool
) -> None:
    event = commented(author=author, kind=kind, internal=internal, by_workflow=by_workflow)
    assert len(matching_rows(event)) <= 1
    found = route(event)
    if found is not None and internal and found.kind != "request.clarification_answered":
        assert found.staff_only


@given(urgency=st.sampled_from(list(rq.Urgency.values())))
def test_only_critical_requests_make_request_messages_urgent(urgency: int) -> None:
    event = ev.RequestAssigned(
        request=a_request(urgency=urgency), executor_id="executor-1", assigned_by="manager-1"
    )
    found = route(event)
    assert found is not None
    assert found.urgent is (urgency == rq.URGENCY_CRITICAL)
