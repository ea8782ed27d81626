"""The lifecycle's pure parts, without infrastructure: stored forms round-trip, the history
replays, verbs pick their actions, edits and comments follow their rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ukm.common.v1 import media_pb2, specialization_pb2
from ukm.requests.v1 import request_pb2, workflow_pb2
from ukm.requests.v1 import requests_service_pb2 as pb

from services.kit.context import Caller
from services.kit.errors import FailedPrecondition, InvalidArgument, PermissionDenied
from services.requests import comments, history
from services.requests import lifecycle_verbs as verbs
from services.requests.lifecycle_actor import Duty, actor_of, covers_pool, needs_residency
from services.requests.lifecycle_codec import (
    columns_of,
    entry_of,
    payload_json,
    payload_of,
    state_of,
)
from services.requests.lifecycle_dispatch import follow_category, to_pool
from services.requests.lifecycle_edit import EditRequest, plan_edit
from services.requests.mapping import to_proto
from services.requests.workflow import (
    Action,
    Actor,
    MaterialItem,
    Outcome,
    Payload,
    RequestState,
    Status,
    apply,
)

T0 = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
APPLICANT = "9c4f5da1-6ec0-4f88-b154-3d4e5f607182"
MANAGER = "0a4f5da1-6ec0-4f88-b154-3d4e5f607100"
PLUMBER = "1b4f5da1-6ec0-4f88-b154-3d4e5f607111"
OTHER = "2c4f5da1-6ec0-4f88-b154-3d4e5f607122"
FLAT = "8b3e4c90-5dbf-4e77-a043-2c3d4e5f6071"
PHOTO = {"kind": "MEDIA_KIND_PHOTO", "telegramFileId": "tg-photo-1"}

MANAGER_ACTOR = Actor(MANAGER, frozenset({"manager"}))
OWNER = Actor(APPLICANT, frozenset({"applicant"}))
ON_DUTY = Duty(frozenset({"plumber"}), on_shift=True)


def plumber(user: str = PLUMBER) -> Actor:
    return actor_of(Caller(user_id=user, roles=frozenset({"executor"})), ON_DUTY)


def filed_row(**changes: Any) -> dict[str, Any]:
    """A stored request row as filing leaves it (version 1, nothing else yet)."""
    row: dict[str, Any] = {
        "number": "251125-001",
        "status": "new",
        "version": 1,
        "applicant_id": APPLICANT,
        "category": "plumbing",
        "specialisation": "plumber",
        "description": "Течёт труба под раковиной",
        "urgency": "high",
        "address_level": "apartment",
        "yard_id": "6f1c2a7e-3b9d-4c55-8e21-0a1b2c3d4e5f",
        "building_id": "7a2d3b8f-4cae-4d66-9f32-1b2c3d4e5f60",
        "apartment_id": FLAT,
        "source": "bot",
        "acceptance_mode": "resident",
        "media": [],
        "executor_id": None,
        "assignment": None,
        "materials": None,
        "completion": None,
        "return_info": None,
        "manager_confirmation": None,
        "rating": None,
        "cancellation": None,
        "response_due_at": T0 + timedelta(hours=2),
        "resolution_due_at": T0 + timedelta(days=1),
        "responded_at": None,
        "resolved_at": None,
        "accepted_at": None,
        "created_at": T0,
        "updated_at": T0,
    }
    row.update(changes)
    return row


class Life:
    """A request driven through the engine, kept as stored rows (what the store writes)."""

    def __init__(self) -> None:
        self.row = filed_row()
        self.history: list[dict[str, Any]] = [
            {
                "request_number": self.row["number"],
                "version": 1,
                "change": history.CREATED,
                "action": None,
                "actor_id": MANAGER,
                "acting_as": None,
                "from_status": None,
                "to_status": "new",
                "payload": history.created_payload(self.row),
                "occurred_at": T0,
            }
        ]
        self.now = T0

    def step(self, outcome: Outcome) -> None:
        """Store `outcome` the way `lifecycle_writes.write_outcome` does."""
        self.row = {**self.row, **columns_of(outcome.state)}
        entry = outcome.entry
        self.history.append(
            {
                "request_number": self.row["number"],
                "version": entry.version,
                "change": history.TRANSITION,
                "action": entry.action.value,
                "actor_id": entry.actor_id,
                "acting_as": entry.acting_as.value,
                "from_status": entry.from_status.value,
                "to_status": entry.to_status.value,
                "payload": payload_json(entry.payload),
                "occurred_at": entry.at,
            }
        )

    def act(self, action: Action, actor: Actor, payload: Payload | None = None) -> None:
        self.now += timedelta(minutes=7)
        self.step(apply(state_of(self.row), action, actor, payload, now=self.now))


def lived() -> Life:
    """A request through every kind of sub-record: pool, claim, purchase, completion with
    media, a return, confirmation and an accepted rating."""
    life = Life()
    life.step(to_pool(state_of(life.row), now=T0))
    life.act(Action.EXECUTOR_CLAIM, plumber())
    life.act(
        Action.EXECUTOR_PURCHASE,
        plumber(),
        Payload(materials=(MaterialItem("Смеситель", "1"), MaterialItem("Труба", "0.5", "m"))),
    )
    life.act(Action.PURCHASE_DONE, MANAGER_ACTOR, Payload(comment="купили"))
    life.act(Action.EXECUTOR_COMPLETE, plumber(), Payload(report="Заменил", media=(PHOTO,)))
    life.act(Action.MANAGER_CONFIRM, MANAGER_ACTOR, Payload(notes="проверено"))
    life.act(Action.APPLICANT_RETURN, OWNER, Payload(reason="снова течёт", media=(PHOTO,)))
    life.act(Action.RETURN_TO_WORK, MANAGER_ACTOR, Payload(reason="повторно", executor_id=OTHER))
    life.act(Action.EXECUTOR_COMPLETE, plumber(OTHER), Payload(report="Подтянул"))
    life.act(Action.MANAGER_CONFIRM, MANAGER_ACTOR)
    life.act(Action.APPLICANT_ACCEPT, OWNER, Payload(rating=4, review="Спасибо"))
    return life


def test_every_sub_record_survives_the_stored_form() -> None:
    life = lived()
    state = state_of(life.row)
    assert state.status is Status.ACCEPTED
    assert state.version == 12
    assert state.rating is not None and state.rating.rated_by == APPLICANT
    assert state.return_info is not None and state.return_info.reason == "повторно"
    assert state_of({**life.row, **columns_of(state)}) == state


def test_the_stored_form_is_what_the_resource_shows() -> None:
    life = lived()
    request = to_proto(life.row)  # type: ignore[arg-type]
    assert request.status == request_pb2.REQUEST_STATUS_ACCEPTED
    assert request.executor_id == OTHER
    assert request.assignment.mode == request_pb2.ASSIGNMENT_MODE_INDIVIDUAL
    assert request.rating.stars == 4 and request.rating.review == "Спасибо"
    assert request.materials.items[1] == request_pb2.MaterialItem(
        name="Труба", quantity="0.5", unit="m"
    )
    assert request.completion.report == "Подтянул"
    assert request.HasField("manager_confirmation")
    assert request.accept_time.ToDatetime(UTC) == state_of(life.row).accepted_at


def test_the_history_replays_to_the_stored_state() -> None:
    life = lived()
    assert history.replay(life.history) == state_of(life.row)


def test_an_edit_in_the_history_moves_the_version_and_the_specialisation() -> None:
    life = Life()
    life.step(to_pool(state_of(life.row), now=T0))
    life.history.append(
        {
            "version": 3,
            "change": history.UPDATED,
            "payload": {"category": "electricity", "specialisation": "electrician"},
            "occurred_at": T0 + timedelta(hours=1),
        }
    )
    life.row.update(version=3, specialisation="electrician", updated_at=T0 + timedelta(hours=1))
    assert history.replay(life.history) == state_of(life.row)


def test_a_history_with_a_gap_does_not_replay() -> None:
    life = lived()
    del life.history[3]
    with pytest.raises(ValueError, match="does not follow"):
        history.replay(life.history)


_texts = st.text(min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=60, deadline=None)
@given(
    executor=st.none() | st.just(PLUMBER),
    skills=st.frozensets(st.sampled_from(["plumber", "electrician", "universal"])),
    materials=st.lists(st.tuples(_texts, st.sampled_from(["1", "0.5", "12"])), max_size=3),
    text=st.none() | _texts,
    rating=st.none() | st.integers(1, 5),
    media=st.lists(st.just(PHOTO), max_size=2),
)
def test_any_payload_survives_the_history(
    executor: str | None,
    skills: frozenset[str],
    materials: list[tuple[str, str]],
    text: str | None,
    rating: int | None,
    media: list[dict[str, str]],
) -> None:
    payload = Payload(
        executor_id=executor,
        executor_specialisations=skills,
        materials=tuple(MaterialItem(name, quantity) for name, quantity in materials),
        reason=text,
        report=text,
        rating=rating,
        media=tuple(media),
    )
    assert payload_of(payload_json(payload)) == payload


def test_a_stored_step_is_the_engines_entry() -> None:
    life = lived()
    row = life.history[2]
    entry = entry_of(row)
    assert (entry.version, entry.action, entry.actor_id) == (3, Action.EXECUTOR_CLAIM, PLUMBER)
    assert entry.payload.executor_specialisations == frozenset({"plumber"})


# --- verbs --------------------------------------------------------------------------------------

STAFF = Caller(user_id=MANAGER, roles=frozenset({"manager"}))
WORKER = Caller(user_id=PLUMBER, roles=frozenset({"executor"}))
RESIDENT = Caller(user_id=APPLICANT, roles=frozenset({"applicant"}), status="approved")


def in_progress(executor: str = PLUMBER) -> RequestState:
    return replace(state_of(filed_row()), status=Status.IN_PROGRESS, executor_id=executor)


@pytest.mark.parametrize(
    ("caller", "executor", "expected"),
    [
        (WORKER, PLUMBER, Action.EXECUTOR_COMPLETE),
        (WORKER, OTHER, Action.EXECUTOR_COMPLETE),  # refused by the engine: NOT_ASSIGNED
        (STAFF, PLUMBER, Action.MANAGER_COMPLETE),
        (
            Caller(user_id=PLUMBER, roles=frozenset({"manager", "executor"})),
            PLUMBER,
            Action.EXECUTOR_COMPLETE,
        ),
    ],
)
def test_complete_is_the_executors_for_their_work_and_the_managers_otherwise(
    caller: Caller, executor: str, expected: Action
) -> None:
    choose = verbs.complete(pb.CompleteRequestRequest(report="done"), caller)
    assert choose(in_progress(executor)).action is expected


def test_purchase_follows_the_same_rule() -> None:
    message = pb.PurchaseMaterialsRequest(
        materials=[request_pb2.MaterialItem(name="Кран", quantity="1", unit="pcs")]
    )
    assert verbs.purchase(message, WORKER)(in_progress()).action is Action.EXECUTOR_PURCHASE
    assert verbs.purchase(message, STAFF)(in_progress()).action is Action.MANAGER_PURCHASE
    choice = verbs.purchase(message, STAFF)(in_progress())
    assert choice.payload.materials == (MaterialItem("Кран", "1", "pcs"),)


def test_accept_by_the_applicant_or_on_their_behalf() -> None:
    state = in_progress()
    rated = pb.AcceptRequestRequest(rating=5, review="ok")
    assert verbs.accept(rated, RESIDENT)(state).action is Action.APPLICANT_ACCEPT
    with_comment = pb.AcceptRequestRequest(comment="resident agreed on the phone")
    assert verbs.accept(with_comment, STAFF)(state).action is Action.MANAGER_FORCE_ACCEPT
    # A manager who gave no comment is told the comment is missing, not that they are no owner.
    assert verbs.accept(rated, STAFF)(state).action is Action.MANAGER_FORCE_ACCEPT
    # …unless the manager filed it for themselves.
    own = replace(state, applicant_id=MANAGER)
    assert verbs.accept(rated, STAFF)(own).action is Action.APPLICANT_ACCEPT


def test_return_and_assign_pick_by_caller_and_target() -> None:
    back = pb.ReturnRequestRequest(reason="течёт")
    assert verbs.return_work(back, STAFF)(in_progress()).action is Action.RETURN_TO_WORK
    assert verbs.return_work(back, RESIDENT)(in_progress()).action is Action.APPLICANT_RETURN
    person = verbs.assign(pb.AssignRequestRequest(executor_id=PLUMBER))(in_progress())
    assert (person.action, person.payload.executor_id) == (Action.MANAGER_ASSIGN, PLUMBER)
    pool = verbs.assign(
        pb.AssignRequestRequest(specialization=specialization_pb2.SPECIALIZATION_ELEVATOR)
    )(in_progress())
    assert (pool.action, pool.payload.specialisation) == (Action.ASSIGN_GROUP, "elevator")


def test_transition_puts_the_text_where_the_action_keeps_it() -> None:
    def choice(action: int, **payload: Any) -> verbs.Choice:
        message = pb.TransitionRequest(
            action=action,  # type: ignore[arg-type]
            payload=workflow_pb2.TransitionPayload(**payload),
        )
        return verbs.transition(message)(in_progress())

    assert choice(
        workflow_pb2.TRANSITION_ACTION_CLARIFY, text=" Какой этаж? "
    ).payload.question == ("Какой этаж?")
    assert choice(workflow_pb2.TRANSITION_ACTION_CANCEL, text="дубль").payload.reason == "дубль"
    accepted = choice(workflow_pb2.TRANSITION_ACTION_APPLICANT_ACCEPT, rating=5, review="ok")
    assert (accepted.payload.rating, accepted.payload.review) == (5, "ok")
    media = media_pb2.MediaRef(kind=media_pb2.MEDIA_KIND_PHOTO, media_id="m-1")
    completed = choice(workflow_pb2.TRANSITION_ACTION_MANAGER_COMPLETE, text="ok", media=[media])
    assert completed.payload.media == ({"kind": "MEDIA_KIND_PHOTO", "mediaId": "m-1"},)
    with pytest.raises(InvalidArgument) as refused:
        choice(workflow_pb2.TRANSITION_ACTION_EXECUTOR_CLAIM, text="me")
    assert refused.value.violations[0].field == "payload.text"
    with pytest.raises(InvalidArgument) as refused:
        choice(workflow_pb2.TRANSITION_ACTION_MANAGER_ASSIGN, executor_id="bob")
    assert refused.value.violations[0].field == "payload.executor_id"


# --- facts about the actor ----------------------------------------------------------------------


def test_pool_cover_needs_duty_own_skill_and_shift_cover() -> None:
    assert covers_pool(Duty(frozenset({"plumber"}), on_shift=True), "plumber")
    assert covers_pool(Duty(frozenset({"universal"}), on_shift=True), "plumber")
    assert not covers_pool(Duty(frozenset({"plumber"}), on_shift=False), "plumber")
    assert not covers_pool(Duty(frozenset({"electrician"}), on_shift=True), "plumber")
    focused = Duty(frozenset({"plumber", "electrician"}), True, frozenset({"electrician"}))
    assert not covers_pool(focused, "plumber")


def test_residency_is_looked_up_only_for_a_neighbour_accepting() -> None:
    neighbour = Caller(user_id=OTHER, roles=frozenset({"applicant"}), status="approved")
    assert needs_residency(neighbour, Action.APPLICANT_ACCEPT, APPLICANT, FLAT)
    assert not needs_residency(neighbour, Action.APPLICANT_RETURN, APPLICANT, FLAT)
    assert not needs_residency(RESIDENT, Action.APPLICANT_ACCEPT, APPLICANT, FLAT)
    assert not needs_residency(neighbour, Action.APPLICANT_ACCEPT, APPLICANT, None)


# --- dispatch and edits -------------------------------------------------------------------------


def test_a_new_request_goes_to_its_categorys_pool_and_follows_a_category_fix() -> None:
    pooled = to_pool(state_of(filed_row()), now=T0).state
    assert pooled.assignment is not None and pooled.assignment.specialisation == "plumber"
    moved = follow_category(
        replace(pooled, specialisation="electrician"), previous_specialisation="plumber", now=T0
    )
    assert moved is not None and moved.entry.payload.specialisation == "electrician"
    # Nothing moves when the category maps to the same pool, or a manager chose the pool.
    assert follow_category(pooled, previous_specialisation="plumber", now=T0) is None
    chosen = apply(
        pooled, Action.ASSIGN_GROUP, MANAGER_ACTOR, Payload(specialisation="repair"), now=T0
    ).state
    assert (
        follow_category(
            replace(chosen, specialisation="electrician"), previous_specialisation="plumber", now=T0
        )
        is None
    )


def test_an_edit_changes_only_what_differs() -> None:
    row = filed_row()
    edit = plan_edit(
        row,
        EditRequest(
            urgency="critical", category="plumbing", description="  Течёт труба под раковиной "
        ),
        expected_version=1,
    )
    assert dict(edit.columns) == {"urgency": "critical"}
    assert dict(edit.changes) == {"urgency": ("high", "critical")}
    recategorised = plan_edit(row, EditRequest(category="elevator"), expected_version=None)
    assert dict(recategorised.columns) == {"category": "elevator", "specialisation": "elevator"}
    assert dict(recategorised.changes) == {"category": ("plumbing", "elevator")}
    assert not plan_edit(row, EditRequest(urgency="high"), expected_version=None).columns


@pytest.mark.parametrize(
    ("row", "asked", "expected", "reason"),
    [
        (filed_row(version=4), EditRequest(urgency="low"), 3, "STALE_VERSION"),
        (filed_row(status="cancelled"), EditRequest(urgency="low"), None, "REQUEST_FROZEN"),
    ],
)
def test_edits_refused(
    row: dict[str, Any], asked: EditRequest, expected: int | None, reason: str
) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        plan_edit(row, asked, expected_version=expected)
    assert refused.value.reason == reason


def test_an_edited_description_obeys_the_filing_limits() -> None:
    with pytest.raises(InvalidArgument):
        plan_edit(filed_row(), EditRequest(description="   short   "), expected_version=None)


# --- comments -----------------------------------------------------------------------------------


def check(caller: Caller, **changes: Any) -> comments.NewComment:
    values: dict[str, Any] = {"kind": None, "text": " Жду мастера ", "internal": False, "media": ()}
    values.update(changes)
    return comments.check_comment(caller, filed_row(), **values)


def test_residents_write_public_notes_and_clarifications() -> None:
    assert check(RESIDENT) == comments.NewComment("note", "Жду мастера", False, ())
    assert check(RESIDENT, kind="clarification").kind == "clarification"
    for refused_change, reason in (
        ({"internal": True}, "INTERNAL_COMMENT_NOT_ALLOWED"),
        ({"kind": "report"}, "COMMENT_KIND_NOT_ALLOWED"),
    ):
        with pytest.raises(PermissionDenied) as refused:
            check(RESIDENT, **refused_change)
        assert refused.value.reason == reason


def test_staff_write_internal_comments_of_any_kind_but_status_changes() -> None:
    assert check(WORKER, internal=True, kind="material").internal
    assert check(STAFF, internal=True).internal
    with pytest.raises(InvalidArgument):
        check(STAFF, kind="status_change")
    with pytest.raises(InvalidArgument):
        check(STAFF, text="   ")


def test_finished_requests_take_no_comments() -> None:
    with pytest.raises(FailedPrecondition) as refused:
        comments.check_comment(
            STAFF, filed_row(status="accepted"), kind=None, text="x", internal=False, media=()
        )
    assert refused.value.reason == "REQUEST_FROZEN"


def test_residents_do_not_read_staff_only_notes() -> None:
    assert history.reason_for(False, "manager_assign", "он ближе") is None
    assert history.reason_for(True, "manager_assign", "он ближе") == "он ближе"
    assert history.reason_for(False, "cancel", "дубль") == "дубль"
    assert history.details_for(False, {"materials": "кран 1 pcs", "rating": "5"}) == {"rating": "5"}
