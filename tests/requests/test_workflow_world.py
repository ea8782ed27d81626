"""The cast and the scenery shared by the workflow tests (no tests here).

Requests in every status are built by hand, not by running the engine, so the table test does
not lean on the code it checks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from services.requests.workflow import (
    SYSTEM,
    AcceptanceMode,
    Action,
    Actor,
    Assignment,
    AssignmentMode,
    Cancellation,
    Completion,
    ManagerConfirmation,
    MaterialItem,
    Payload,
    Rating,
    RequestState,
    ReturnInfo,
    Status,
)

CREATED = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
NOW = CREATED + timedelta(hours=3)
NUMBER = "251125-007"
APARTMENT = "apartment-12"
SPEC = "plumber"

APPLICANT = "user-applicant"
NEIGHBOUR = "user-neighbour"
STRANGER = "user-stranger"
EXECUTOR = "user-executor"  # the one assigned from IN_PROGRESS on
OTHER_EXECUTOR = "user-other-executor"
MANAGER = "user-manager"
ADMIN = "user-admin"
INSPECTOR = "user-inspector"

_PLUMBER = frozenset({SPEC})
ACTORS: dict[str, Actor] = {
    # The applicant lives in the flat too; being the owner is what counts.
    "owner": Actor(APPLICANT, frozenset({"applicant"}), resident_of_apartment=True),
    "other_resident": Actor(STRANGER, frozenset({"applicant"})),
    "neighbour": Actor(NEIGHBOUR, frozenset({"applicant"}), resident_of_apartment=True),
    "executor_on_shift": Actor(
        EXECUTOR, frozenset({"executor"}), _PLUMBER, on_shift=True, shift_specialisations=_PLUMBER
    ),
    "executor_off_shift": Actor(EXECUTOR, frozenset({"executor"}), _PLUMBER),
    "executor_not_assigned": Actor(
        OTHER_EXECUTOR,
        frozenset({"executor"}),
        frozenset({SPEC, "electrician"}),
        on_shift=True,
        shift_specialisations=frozenset({"universal"}),
    ),
    "manager": Actor(MANAGER, frozenset({"manager"})),
    "admin": Actor(ADMIN, frozenset({"admin"})),
    "inspector": Actor(INSPECTOR, frozenset({"inspector"})),
    "system": SYSTEM,
}

# A payload each action accepts when everything else is right.
GOOD_PAYLOADS: dict[Action, Payload] = {
    Action.DISPATCH_ASSIGN: Payload(executor_id=EXECUTOR, executor_specialisations=_PLUMBER),
    # Another pool than the current one (the same pool again is ALREADY_ASSIGNED).
    Action.ASSIGN_GROUP: Payload(specialisation="repair"),
    # Someone else than the current executor (the same one again is ALREADY_ASSIGNED).
    Action.MANAGER_ASSIGN: Payload(executor_id=OTHER_EXECUTOR, executor_specialisations=_PLUMBER),
    Action.EXECUTOR_CLAIM: Payload(),
    Action.EXECUTOR_PURCHASE: Payload(materials=(MaterialItem("Mixer tap", "1"),)),
    Action.MANAGER_PURCHASE: Payload(),
    Action.PURCHASE_DONE: Payload(),
    Action.CLARIFY: Payload(question="Which tap is leaking, kitchen or bathroom?"),
    Action.CLARIFY_ANSWER: Payload(answer="The kitchen one"),
    Action.CLARIFY_RESOLVED: Payload(),
    Action.EXECUTOR_RESUME: Payload(),
    Action.EXECUTOR_COMPLETE: Payload(report="Replaced the cartridge"),
    Action.MANAGER_COMPLETE: Payload(report="Done by the contractor"),
    Action.MANAGER_CONFIRM: Payload(),
    Action.RETURN_TO_WORK: Payload(reason="Still dripping"),
    Action.APPLICANT_ACCEPT: Payload(rating=5),
    Action.APPLICANT_RETURN: Payload(reason="Still dripping"),
    Action.MANAGER_FORCE_ACCEPT: Payload(comment="Resident unreachable for two weeks"),
    Action.CANCEL: Payload(reason="Filed twice"),
    Action.RELEASE_TO_POOL: Payload(reason="Shift ended"),
}


def new_request(mode: AcceptanceMode = AcceptanceMode.RESIDENT) -> RequestState:
    """A request just filed and offered to its category's pool (as dispatch on creation does)."""
    return RequestState(
        number=NUMBER,
        status=Status.NEW,
        version=2,
        applicant_id=APPLICANT,
        specialisation=SPEC,
        acceptance_mode=mode,
        apartment_id=APARTMENT,
        assignment=Assignment(AssignmentMode.GROUP, None, SPEC, None, CREATED),
        updated_at=CREATED,
    )


def request_in(status: Status, mode: AcceptanceMode = AcceptanceMode.RESIDENT) -> RequestState:
    """A consistent request in `status`, worked on by EXECUTOR from IN_PROGRESS on."""
    state = new_request(mode)
    if status is Status.NEW:
        return state
    at = CREATED + timedelta(minutes=20)
    state = replace(
        state,
        status=status,
        version=5,
        executor_id=EXECUTOR,
        assignment=Assignment(AssignmentMode.INDIVIDUAL, EXECUTOR, None, MANAGER, at),
        responded_at=at,
        updated_at=at,
    )
    done = {Status.COMPLETED, Status.CONFIRMED, Status.RETURNED, Status.ACCEPTED}
    if status in done:
        state = replace(
            state,
            completion=Completion("Replaced the cartridge", (), EXECUTOR, at),
            resolved_at=at,
        )
    if status in done - {Status.COMPLETED}:
        state = replace(state, manager_confirmation=ManagerConfirmation(MANAGER, None, at))
    if status is Status.RETURNED:
        state = replace(state, return_info=ReturnInfo("Still dripping", (), APPLICANT, at))
    if status is Status.ACCEPTED:
        state = replace(state, rating=Rating(4, None, APPLICANT, at), accepted_at=at)
    if status is Status.CANCELLED:
        state = replace(state, cancellation=Cancellation("Filed twice", MANAGER, at))
    return state
