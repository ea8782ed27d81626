"""What accepted actions change and announce, and the refusals that depend on more than the
table (skills, pools, missing executors, versions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from services.kit.errors import FailedPrecondition
from services.requests import workflow
from services.requests.workflow import (
    REASONS,
    SYSTEM,
    AcceptanceMode,
    Action,
    Actor,
    Assigned,
    AssignmentMode,
    Capacity,
    Commented,
    CommentKind,
    HistoryEntry,
    MaterialItem,
    Outcome,
    Payload,
    Rated,
    RequestState,
    Status,
    StatusChanged,
    Unassigned,
    apply,
    replay,
)
from tests.requests.test_workflow_world import (
    ACTORS,
    APPLICANT,
    EXECUTOR,
    MANAGER,
    NEIGHBOUR,
    NOW,
    NUMBER,
    OTHER_EXECUTOR,
    SPEC,
    new_request,
    request_in,
)

A, S = Action, Status
MANAGER_ACTOR = ACTORS["manager"]
OWNER = ACTORS["owner"]
ON_SHIFT = ACTORS["executor_on_shift"]


def executor(skills: set[str], shift: set[str] | None, user: str = OTHER_EXECUTOR) -> Actor:
    """An executor with `skills`, on a shift covering `shift` (None: off duty)."""
    return Actor(
        user,
        frozenset({"executor"}),
        frozenset(skills),
        on_shift=shift is not None,
        shift_specialisations=frozenset(shift or ()),
    )


def refused(
    state: RequestState, action: Action, actor: Actor, payload: Payload | None = None
) -> FailedPrecondition:
    with pytest.raises(FailedPrecondition) as raised:
        apply(state, action, actor, payload, now=NOW)
    return raised.value


def kinds(outcome: Outcome) -> list[type]:
    return [type(e) for e in outcome.events]


def test_the_whole_life_of_a_request() -> None:
    initial = replace(new_request(), assignment=None, version=1)
    steps: list[tuple[Action, Actor, Payload]] = [
        (A.ASSIGN_GROUP, SYSTEM, Payload(specialisation=SPEC)),
        (A.EXECUTOR_CLAIM, ON_SHIFT, Payload()),
        (A.EXECUTOR_PURCHASE, ON_SHIFT, Payload(materials=(MaterialItem("Tap", "1", ""),))),
        (A.EXECUTOR_RESUME, ON_SHIFT, Payload()),
        (A.EXECUTOR_COMPLETE, ON_SHIFT, Payload(report=" Replaced the tap ")),
        (A.MANAGER_CONFIRM, MANAGER_ACTOR, Payload(notes="Checked by phone")),
        (A.APPLICANT_ACCEPT, OWNER, Payload(rating=5, review="Quick and clean")),
    ]
    state, history = initial, []
    for minutes, (action, actor, payload) in enumerate(steps):
        outcome = apply(state, action, actor, payload, now=NOW + timedelta(minutes=minutes))
        state = outcome.state
        history.append(outcome.entry)
    assert state.status is S.ACCEPTED
    assert state.version == initial.version + len(steps)
    assert replay(initial, history) == state
    assert state.executor_id == EXECUTOR
    assert state.responded_at == NOW + timedelta(minutes=1)  # the claim
    assert state.resolved_at == NOW + timedelta(minutes=4)
    assert state.accepted_at == NOW + timedelta(minutes=6)
    assert state.materials is not None and state.materials.items == (
        MaterialItem("Tap", "1", "pcs"),
    )
    assert state.completion is not None and state.completion.report == "Replaced the tap"
    assert state.rating is not None and (state.rating.stars, state.rating.rated_by) == (
        5,
        APPLICANT,
    )
    assert [e.to_status for e in history] == [
        S.NEW,
        S.IN_PROGRESS,
        S.PURCHASE,
        S.IN_PROGRESS,
        S.COMPLETED,
        S.CONFIRMED,
        S.ACCEPTED,
    ]


def test_pool_addressing_announces_the_pool_but_no_status_change() -> None:
    state = replace(new_request(), assignment=None)
    outcome = apply(state, A.ASSIGN_GROUP, SYSTEM, Payload(specialisation=SPEC), now=NOW)
    assert kinds(outcome) == [Assigned]
    event = outcome.events[0]
    assert isinstance(event, Assigned)
    assert (event.mode, event.specialisation, event.executor_id) == (
        AssignmentMode.GROUP,
        SPEC,
        None,
    )
    assert outcome.state.assignment is not None
    assert outcome.state.assignment.assigned_by is None
    assert outcome.entry.acting_as is Capacity.SYSTEM
    assert outcome.state.responded_at is None  # a pool is not a response


def test_a_claim_takes_the_request_out_of_the_pool() -> None:
    outcome = apply(new_request(), A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW)
    assert kinds(outcome) == [StatusChanged, Assigned]
    assigned = outcome.events[1]
    assert isinstance(assigned, Assigned)
    assert (assigned.executor_id, assigned.previous_specialisation, assigned.skill_match) == (
        EXECUTOR,
        SPEC,
        True,
    )
    assert assigned.applicant_id == APPLICANT  # "taken into work"
    assert outcome.state.assignment is not None
    assert outcome.state.assignment.mode is AssignmentMode.INDIVIDUAL
    assert outcome.entry.payload.executor_id == EXECUTOR


@pytest.mark.parametrize(
    ("skills", "shift", "ok"),
    [
        ({SPEC}, {SPEC}, True),
        ({SPEC}, set(), True),  # a shift without focus covers everything
        ({"universal"}, {SPEC}, True),
        ({"electrician", SPEC}, {"universal"}, True),
        ({"electrician"}, {"universal"}, False),  # the person lacks the skill
        ({SPEC}, {"electrician"}, False),  # the shift does not cover it
        (set(), set(), False),
    ],
)
def test_a_claim_needs_both_own_skills_and_shift_cover(
    skills: set[str], shift: set[str], ok: bool
) -> None:
    actor = executor(skills, shift)
    if ok:
        assert apply(new_request(), A.EXECUTOR_CLAIM, actor, now=NOW).state.executor_id
    else:
        error = refused(new_request(), A.EXECUTOR_CLAIM, actor)
        assert (error.reason, error.metadata) == ("SKILL_MISMATCH", {"specialisation": SPEC})


def test_a_claim_matches_the_pool_a_manager_chose() -> None:
    repair_pool = apply(
        new_request(), A.ASSIGN_GROUP, MANAGER_ACTOR, Payload(specialisation="repair"), now=NOW
    ).state
    assert refused(repair_pool, A.EXECUTOR_CLAIM, ON_SHIFT).reason == "SKILL_MISMATCH"
    handyman = executor({"repair"}, {"repair"})
    assert apply(repair_pool, A.EXECUTOR_CLAIM, handyman, now=NOW).state.executor_id


def test_only_pool_requests_can_be_claimed() -> None:
    unaddressed = replace(new_request(), assignment=None)
    assert refused(unaddressed, A.EXECUTOR_CLAIM, ON_SHIFT).reason == "NOT_GROUP_ADDRESSED"


def test_the_dispatcher_must_match_skills_and_managers_may_override() -> None:
    electrician = Payload(
        executor_id=OTHER_EXECUTOR, executor_specialisations=frozenset({"electrician"})
    )
    error = refused(new_request(), A.DISPATCH_ASSIGN, SYSTEM, electrician)
    assert error.reason == "SKILL_MISMATCH"
    universal = replace(electrician, executor_specialisations=frozenset({"universal"}))
    assert apply(new_request(), A.DISPATCH_ASSIGN, SYSTEM, universal, now=NOW).state.executor_id
    overridden = apply(new_request(), A.MANAGER_ASSIGN, MANAGER_ACTOR, electrician, now=NOW)
    assigned = [e for e in overridden.events if isinstance(e, Assigned)]
    assert [e.skill_match for e in assigned] == [False]


def test_reassignment_replaces_the_assignment_and_tells_the_removed_executor() -> None:
    state = request_in(S.IN_PROGRESS)
    payload = Payload(executor_id=OTHER_EXECUTOR, reason="Ill today")
    outcome = apply(state, A.MANAGER_ASSIGN, MANAGER_ACTOR, payload, now=NOW)
    assert kinds(outcome) == [Unassigned, Assigned, Commented]
    removed, assigned, note = outcome.events
    assert isinstance(removed, Unassigned) and isinstance(assigned, Assigned)
    assert (removed.executor_id, removed.replaced_by, removed.reason) == (
        EXECUTOR,
        OTHER_EXECUTOR,
        "Ill today",
    )
    assert (assigned.executor_id, assigned.previous_executor_id) == (OTHER_EXECUTOR, EXECUTOR)
    assert isinstance(note, Commented) and note.internal
    assert outcome.state.executor_id == OTHER_EXECUTOR
    assert outcome.state.assignment is not None
    assert outcome.state.assignment.executor_id == OTHER_EXECUTOR
    # The first response time stays.
    assert outcome.state.responded_at == state.responded_at


def test_assigning_the_same_again_is_refused() -> None:
    same = Payload(executor_id=EXECUTOR)
    assert refused(request_in(S.IN_PROGRESS), A.MANAGER_ASSIGN, MANAGER_ACTOR, same).reason == (
        "ALREADY_ASSIGNED"
    )
    pool = Payload(specialisation=SPEC)
    assert refused(new_request(), A.ASSIGN_GROUP, MANAGER_ACTOR, pool).reason == (
        "ALREADY_ASSIGNED"
    )


@pytest.mark.parametrize(
    ("detour", "back", "detour_payload"),
    [
        (A.CLARIFY, A.CLARIFY_RESOLVED, Payload(question="Which flat exactly?")),
        (A.MANAGER_PURCHASE, A.PURCHASE_DONE, Payload()),
    ],
)
def test_back_to_work_needs_an_executor_and_may_name_one(
    detour: Action, back: Action, detour_payload: Payload
) -> None:
    waiting = apply(new_request(), detour, MANAGER_ACTOR, detour_payload, now=NOW).state
    assert waiting.executor_id is None
    error = refused(waiting, back, MANAGER_ACTOR)
    assert error.reason == "EXECUTOR_REQUIRED"
    named = Payload(executor_id=EXECUTOR)
    outcome = apply(waiting, back, MANAGER_ACTOR, named, now=NOW)
    assert (outcome.state.status, outcome.state.executor_id) == (S.IN_PROGRESS, EXECUTOR)
    assert outcome.state.responded_at == NOW
    assert Assigned in kinds(outcome) and Unassigned not in kinds(outcome)


def test_a_manager_can_complete_a_request_nobody_was_assigned() -> None:
    waiting = apply(
        new_request(), A.CLARIFY, MANAGER_ACTOR, Payload(question="Is it fixed already?"), now=NOW
    ).state
    done = apply(waiting, A.MANAGER_COMPLETE, MANAGER_ACTOR, Payload(report="It was"), now=NOW)
    assert (done.state.status, done.state.executor_id) == (S.COMPLETED, None)
    back = refused(done.state, A.RETURN_TO_WORK, MANAGER_ACTOR, Payload(reason="Not fixed"))
    assert back.reason == "EXECUTOR_REQUIRED"


def test_return_to_work_goes_back_to_the_last_executor_and_clears_the_completion() -> None:
    state = request_in(S.RETURNED)
    outcome = apply(state, A.RETURN_TO_WORK, MANAGER_ACTOR, Payload(reason="Fix it"), now=NOW)
    after = outcome.state
    assert (after.status, after.executor_id) == (S.IN_PROGRESS, EXECUTOR)
    assert (after.completion, after.manager_confirmation, after.resolved_at) == (None, None, None)
    assert after.return_info is not None and after.return_info.reason == "Fix it"
    assert kinds(outcome) == [StatusChanged, Commented]
    changed = outcome.events[0]
    assert isinstance(changed, StatusChanged)
    assert (changed.executor_id, changed.applicant_id, changed.reason) == (
        EXECUTOR,
        APPLICANT,
        "Fix it",
    )


def test_return_to_work_may_go_to_someone_else() -> None:
    payload = Payload(reason="Needs a specialist", executor_id=OTHER_EXECUTOR)
    outcome = apply(request_in(S.COMPLETED), A.RETURN_TO_WORK, MANAGER_ACTOR, payload, now=NOW)
    assert outcome.state.executor_id == OTHER_EXECUTOR
    assert kinds(outcome) == [StatusChanged, Unassigned, Assigned, Commented]


def test_the_applicant_returns_work_with_reason_and_media() -> None:
    photo = {"kind": "MEDIA_KIND_PHOTO", "mediaId": "m-1"}
    payload = Payload(reason="Still dripping", media=(photo,))
    outcome = apply(request_in(S.CONFIRMED), A.APPLICANT_RETURN, OWNER, payload, now=NOW)
    info = outcome.state.return_info
    assert info is not None and (info.reason, info.media, info.returned_by) == (
        "Still dripping",
        (photo,),
        APPLICANT,
    )
    comment = outcome.events[-1]
    assert isinstance(comment, Commented)
    assert (comment.kind, comment.media, comment.internal) == (
        CommentKind.STATUS_CHANGE,
        (photo,),
        False,
    )


def test_a_neighbour_accepts_and_rates() -> None:
    neighbour = ACTORS["neighbour"]
    outcome = apply(
        request_in(S.CONFIRMED), A.APPLICANT_ACCEPT, neighbour, Payload(rating=4), now=NOW
    )
    assert outcome.entry.acting_as is Capacity.RESIDENT
    rated = outcome.events[-1]
    assert isinstance(rated, Rated)
    assert (rated.stars, rated.rated_by, rated.executor_id) == (4, NEIGHBOUR, EXECUTOR)


def test_no_neighbours_for_requests_without_an_apartment() -> None:
    building_level = replace(request_in(S.CONFIRMED), apartment_id=None)
    error = refused(building_level, A.APPLICANT_ACCEPT, ACTORS["neighbour"], Payload(rating=4))
    assert error.reason == "NOT_OWNER"


def test_force_accept_needs_no_rating_and_records_the_comment() -> None:
    payload = Payload(comment="Resident moved out, work checked")
    outcome = apply(request_in(S.RETURNED), A.MANAGER_FORCE_ACCEPT, MANAGER_ACTOR, payload, now=NOW)
    assert (outcome.state.status, outcome.state.accepted_at) == (S.ACCEPTED, NOW)
    assert outcome.state.rating is None
    assert Rated not in kinds(outcome)


def test_cancel_keeps_the_executor_so_they_are_told() -> None:
    outcome = apply(
        request_in(S.PURCHASE), A.CANCEL, MANAGER_ACTOR, Payload(reason="Duplicate"), now=NOW
    )
    changed = outcome.events[0]
    assert isinstance(changed, StatusChanged) and changed.executor_id == EXECUTOR
    assert outcome.state.cancellation is not None
    assert outcome.state.cancellation.cancelled_by == MANAGER


def test_the_owner_is_told_to_ask_a_manager_once_work_started() -> None:
    error = refused(request_in(S.IN_PROGRESS), A.CANCEL, OWNER, Payload(reason="Not needed"))
    assert error.reason == "TRANSITION_NOT_ALLOWED"
    assert "ask a manager" in error.message
    assert error.metadata == {"status": "in_progress", "action": "cancel"}


def test_a_manager_who_filed_the_request_acts_as_manager() -> None:
    boss = Actor(APPLICANT, frozenset({"manager", "applicant"}))
    outcome = apply(request_in(S.IN_PROGRESS), A.CANCEL, boss, Payload(reason="Wrong"), now=NOW)
    assert outcome.entry.acting_as is Capacity.MANAGER


def test_a_clarification_answer_is_a_comment_for_the_managers() -> None:
    outcome = apply(
        request_in(S.CLARIFICATION), A.CLARIFY_ANSWER, OWNER, Payload(answer="Kitchen"), now=NOW
    )
    assert outcome.state.status is S.CLARIFICATION
    assert outcome.state.version == request_in(S.CLARIFICATION).version + 1
    assert kinds(outcome) == [Commented]
    comment = outcome.events[0]
    assert isinstance(comment, Commented)
    assert (comment.kind, comment.text, comment.author_id) == (
        CommentKind.CLARIFICATION,
        "Kitchen",
        APPLICANT,
    )


def test_stale_version_comes_first_and_says_the_current_one() -> None:
    frozen = request_in(S.ACCEPTED)
    with pytest.raises(FailedPrecondition) as raised:
        apply(frozen, A.CANCEL, MANAGER_ACTOR, Payload(reason="x"), now=NOW, expected_version=1)
    assert raised.value.reason == "STALE_VERSION"
    assert raised.value.metadata == {"current_version": str(frozen.version)}
    state = request_in(S.NEW)
    fresh = apply(state, A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW, expected_version=state.version)
    assert fresh.state.version == state.version + 1


def test_two_claims_on_one_version_one_wins() -> None:
    state = new_request()
    first = apply(state, A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW, expected_version=state.version)
    rival = executor({SPEC}, {SPEC})
    with pytest.raises(FailedPrecondition) as raised:
        apply(first.state, A.EXECUTOR_CLAIM, rival, now=NOW, expected_version=state.version)
    assert raised.value.reason == "STALE_VERSION"
    # Without a version the loser learns it is no longer in the pool.
    assert refused(first.state, A.EXECUTOR_CLAIM, rival).reason == "TRANSITION_NOT_ALLOWED"


def test_time_must_carry_a_zone() -> None:
    with pytest.raises(ValueError, match="timezone"):
        apply(new_request(), A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW.replace(tzinfo=None))


def test_replay_refuses_a_history_out_of_order() -> None:
    first = apply(new_request(), A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW)
    second = apply(first.state, A.EXECUTOR_COMPLETE, ON_SHIFT, Payload(report="ok"), now=NOW)
    with pytest.raises(ValueError, match="does not follow"):
        replay(new_request(), [second.entry, first.entry])
    skipped: HistoryEntry = replace(second.entry, version=second.entry.version + 1)
    with pytest.raises(ValueError, match="does not follow"):
        replay(new_request(), [first.entry, skipped])


def test_manager_mode_requests_skip_the_resident() -> None:
    state = request_in(S.COMPLETED, AcceptanceMode.MANAGER)
    outcome = apply(state, A.MANAGER_CONFIRM, MANAGER_ACTOR, Payload(notes="ok"), now=NOW)
    changed = outcome.events[0]
    assert isinstance(changed, StatusChanged) and changed.to_status is S.ACCEPTED
    assert outcome.state.manager_confirmation is not None


def test_every_reason_is_documented() -> None:
    doc = workflow.__doc__ or ""
    for reason in REASONS:
        assert f"- {reason}" in doc, reason


def test_history_entries_carry_the_note() -> None:
    outcome = apply(
        request_in(S.NEW), A.CANCEL, OWNER, Payload(reason="  Fixed it myself  "), now=NOW
    )
    assert outcome.entry.note == "Fixed it myself"
    assert outcome.entry.payload.reason == "Fixed it myself"
    assert outcome.state.number == NUMBER


# --- the hand-over: RELEASE_TO_POOL ------------------------------------------------------------

SHIFT_ENDED = Payload(reason="Shift ended")


def test_a_release_gives_the_request_back_to_its_pool() -> None:
    state = request_in(S.IN_PROGRESS)
    outcome = apply(state, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED, now=NOW)
    after = outcome.state
    assert (after.status, after.executor_id, after.version) == (S.NEW, None, state.version + 1)
    assert after.assignment is not None
    assert (after.assignment.mode, after.assignment.specialisation) == (AssignmentMode.GROUP, SPEC)
    assert (after.assignment.executor_id, after.assignment.assigned_by) == (None, None)
    assert after.responded_at == state.responded_at  # answered once; not a new response
    assert outcome.entry.acting_as is Capacity.SYSTEM
    assert outcome.entry.note == "Shift ended"
    assert kinds(outcome) == [StatusChanged, Unassigned, Assigned]
    changed, removed, pooled = outcome.events
    assert isinstance(changed, StatusChanged)
    assert (changed.from_status, changed.to_status, changed.executor_id, changed.reason) == (
        S.IN_PROGRESS,
        S.NEW,
        None,
        "Shift ended",
    )
    assert isinstance(removed, Unassigned)
    assert (removed.executor_id, removed.replaced_by, removed.reason, removed.actor_id) == (
        EXECUTOR,
        None,
        "Shift ended",
        None,
    )
    # Enough for notifications: the pool's on-duty executors, the managers, who had it.
    assert isinstance(pooled, Assigned)
    assert (pooled.mode, pooled.specialisation, pooled.executor_id) == (
        AssignmentMode.GROUP,
        SPEC,
        None,
    )
    assert (pooled.previous_executor_id, pooled.skill_match, pooled.applicant_id) == (
        EXECUTOR,
        None,
        APPLICANT,
    )


@pytest.mark.parametrize(
    ("detour", "payload"),
    [
        (A.EXECUTOR_PURCHASE, Payload(materials=(MaterialItem("Mixer tap", "1"),))),
        (A.EXECUTOR_RESUME, None),  # no detour: released from IN_PROGRESS
    ],
)
def test_materials_asked_for_stay_recorded(detour: Action, payload: Payload | None) -> None:
    state = request_in(S.IN_PROGRESS)
    if payload is not None:
        state = apply(state, detour, ON_SHIFT, payload, now=NOW).state
    released = apply(state, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED, now=NOW).state
    assert released.materials == state.materials
    assert released.status is S.NEW


def test_a_clarification_question_stays_in_the_history() -> None:
    question = Payload(question="Which riser, the left or the right one?")
    asked = apply(request_in(S.IN_PROGRESS), A.CLARIFY, MANAGER_ACTOR, question, now=NOW)
    released = apply(asked.state, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED, now=NOW)
    assert released.entry.from_status is S.CLARIFICATION
    assert released.state.status is S.NEW
    assert asked.entry.note == question.question
    initial = request_in(S.IN_PROGRESS)
    assert replay(initial, [asked.entry, released.entry]) == released.state


def test_a_release_goes_to_the_pool_the_caller_names() -> None:
    payload = replace(SHIFT_ENDED, specialisation="repair")
    released = apply(request_in(S.PURCHASE), A.RELEASE_TO_POOL, SYSTEM, payload, now=NOW).state
    assert released.assignment is not None and released.assignment.specialisation == "repair"
    assert refused(released, A.EXECUTOR_CLAIM, executor({SPEC}, {SPEC})).reason == (
        "SKILL_MISMATCH"
    )
    handyman = executor({"repair"}, {"repair"})
    assert apply(released, A.EXECUTOR_CLAIM, handyman, now=NOW).state.executor_id == OTHER_EXECUTOR


def test_the_next_on_duty_executor_claims_what_was_released() -> None:
    initial = new_request()
    claimed = apply(initial, A.EXECUTOR_CLAIM, ON_SHIFT, now=NOW)
    released = apply(claimed.state, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED, now=NOW)
    # The one who went off duty no longer holds it...
    done = Payload(report="Replaced the tap")
    assert refused(released.state, A.EXECUTOR_COMPLETE, ON_SHIFT, done).reason == "NOT_ASSIGNED"
    # ...and the next plumber on duty takes it from the pool.
    next_one = executor({SPEC}, {SPEC})
    taken = apply(released.state, A.EXECUTOR_CLAIM, next_one, now=NOW + timedelta(minutes=5))
    assert (taken.state.status, taken.state.executor_id) == (S.IN_PROGRESS, OTHER_EXECUTOR)
    assigned = [e for e in taken.events if isinstance(e, Assigned)]
    assert [(e.previous_specialisation, e.previous_executor_id) for e in assigned] == [(SPEC, None)]
    assert taken.state.responded_at == NOW  # the first claim answered the request
    history = [claimed.entry, released.entry, taken.entry]
    assert replay(initial, history) == taken.state
    assert taken.state.version == initial.version + 3


def test_nobody_to_release_from_a_request_without_an_executor() -> None:
    question = Payload(question="Is the leak still there?")
    waiting = apply(new_request(), A.CLARIFY, MANAGER_ACTOR, question, now=NOW).state
    assert waiting.executor_id is None
    assert refused(waiting, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED).reason == "NOT_ASSIGNED"
    assert A.RELEASE_TO_POOL not in workflow.allowed_actions(waiting, SYSTEM)
    assert A.RELEASE_TO_POOL in workflow.allowed_actions(request_in(S.CLARIFICATION), SYSTEM)


def test_a_hand_over_that_lost_a_race_with_a_reassignment_is_stale() -> None:
    state = request_in(S.IN_PROGRESS)
    read_at = state.version
    payload = Payload(executor_id=OTHER_EXECUTOR, reason="Closer to the site")
    reassigned = apply(state, A.MANAGER_ASSIGN, MANAGER_ACTOR, payload, now=NOW).state
    with pytest.raises(FailedPrecondition) as raised:
        apply(reassigned, A.RELEASE_TO_POOL, SYSTEM, SHIFT_ENDED, now=NOW, expected_version=read_at)
    assert raised.value.reason == "STALE_VERSION"
    assert reassigned.executor_id == OTHER_EXECUTOR
