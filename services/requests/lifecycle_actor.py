"""Who acts, as the workflow sees them: the caller's roles plus looked-up facts (pure).

The facts come from other services (on duty and skills from shifts, residency from users);
`lifecycle.Lifecycle` decides which ones a call needs and looks them up, this module only
assembles them, so the rules about them stay testable without I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.kit.context import Caller
from services.requests.workflow import Action, Actor, Capacity
from services.requests.workflow_rules import RULES, qualifies, shift_covers


@dataclass(frozen=True)
class Duty:
    """An executor's standing now: their own skills, and what their active shift covers.

    `shift_specialisations` empty on an active shift means it has no focus (covers everything
    the executor can do), as the shifts service and the workflow read it.
    """

    executor_specialisations: frozenset[str] = frozenset()
    on_shift: bool = False
    shift_specialisations: frozenset[str] = field(default_factory=frozenset)


OFF_DUTY = Duty()

# Actions an executor performs as an executor: only they need the shift facts.
EXECUTOR_ACTIONS = frozenset(a for a, rule in RULES.items() if Capacity.EXECUTOR in rule.may)
# Actions a neighbour (an approved resident of the same apartment) may perform.
RESIDENT_ACTIONS = frozenset(a for a, rule in RULES.items() if Capacity.RESIDENT in rule.may)


def needs_duty(caller: Caller, action: Action) -> bool:
    """Whether `action` by `caller` depends on their shift."""
    return "executor" in caller.roles and action in EXECUTOR_ACTIONS


def needs_residency(
    caller: Caller, action: Action, applicant_id: str, apartment: str | None
) -> bool:
    """Whether `action` by `caller` depends on their living in the request's apartment."""
    return (
        action in RESIDENT_ACTIONS
        and apartment is not None
        and caller.user_id not in (None, applicant_id)
        and caller.status == "approved"
    )


def actor_of(caller: Caller, duty: Duty = OFF_DUTY, *, resident: bool = False) -> Actor:
    """The workflow actor for `caller` with the facts looked up for this call."""
    return Actor(
        user_id=caller.user_id,
        roles=frozenset(caller.roles),
        specialisations=duty.executor_specialisations,
        on_shift=duty.on_shift,
        shift_specialisations=duty.shift_specialisations,
        resident_of_apartment=resident,
    )


def covers_pool(duty: Duty, pool: str) -> bool:
    """Whether an executor with `duty` may work in `pool`: on an active shift that covers it,
    with the skill themselves (the same test as a claim)."""
    actor = Actor(
        user_id="-",
        specialisations=duty.executor_specialisations,
        on_shift=duty.on_shift,
        shift_specialisations=duty.shift_specialisations,
    )
    return (
        duty.on_shift
        and qualifies(duty.executor_specialisations, pool)
        and shift_covers(actor, pool)
    )
