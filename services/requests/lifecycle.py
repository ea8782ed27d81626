"""Acting on a request: who may see it, who the actor is, and one workflow step end to end.

    row = await lifecycle.perform(caller, number, expected_version, verbs.complete(...))

`perform` reads the request, answers NOT_FOUND to people who may not see it, picks the action
(a shorthand may depend on the request), looks up only the facts that action needs (the
caller's shift, their residency, a named executor's skills), pre-checks the engine's
authorisation on that read so a refusal does not wait for lookups, and then lets the store
apply the engine under the request's row lock. Lookups happen before the lock, never while
holding it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa

from services.kit.context import Caller
from services.kit.errors import NotFound
from services.requests import access
from services.requests.directory import AddressBook
from services.requests.lifecycle_actor import (
    OFF_DUTY,
    Duty,
    actor_of,
    needs_duty,
    needs_residency,
)
from services.requests.lifecycle_codec import state_of
from services.requests.lifecycle_duty import Roster
from services.requests.lifecycle_executors import Executors
from services.requests.lifecycle_store import LifecycleStore
from services.requests.lifecycle_verbs import Choice, Chooser
from services.requests.store import RequestStore
from services.requests.workflow import Action, Actor, Outcome, Payload, RequestState, apply
from services.requests.workflow_rules import authorise

Row = sa.RowMapping

# Actions whose payload may name an executor to (re)assign (their skills are looked up).
_NAMES_EXECUTOR = frozenset(
    {
        Action.DISPATCH_ASSIGN,
        Action.MANAGER_ASSIGN,
        Action.PURCHASE_DONE,
        Action.CLARIFY_RESOLVED,
        Action.RETURN_TO_WORK,
    }
)


class VisibilityCheck:
    """Who may see a request (DOMAIN.md), with the lookups that needs done lazily: most
    callers are decided by the row alone."""

    def __init__(self, addresses: AddressBook, roster: Roster) -> None:
        self.addresses = addresses
        self.roster = roster

    async def may_see(self, caller: Caller, row: Row) -> bool:
        """Whether `caller` may see the request in `row`."""
        if access.may_see(caller, row):
            return True
        if caller.user_id is None:
            return False
        same_apartment = False
        if (
            row["status"] == "confirmed"
            and row["apartment_id"] is not None
            and caller.status == "approved"
        ):
            flats = await self.addresses.apartments_of(caller.user_id)
            same_apartment = str(row["apartment_id"]) in flats
        duty = None
        if "executor" in caller.roles and access.pool_of(row) is not None:
            duty = await self.roster.duty(caller.user_id)
        return access.may_see(caller, row, same_apartment, duty)

    async def require(self, caller: Caller, row: Row) -> None:
        """NotFound unless `caller` may see the request: to them it does not exist."""
        if not await self.may_see(caller, row):
            raise NotFound("request", row["number"])


class Lifecycle:
    """Workflow steps requested by callers."""

    def __init__(
        self,
        store: LifecycleStore,
        requests: RequestStore,
        visibility: VisibilityCheck,
        addresses: AddressBook,
        roster: Roster,
        executors: Executors,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.requests = requests
        self.visibility = visibility
        self.addresses = addresses
        self.roster = roster
        self.executors = executors
        self.clock = clock

    async def perform(
        self, caller: Caller, number: str, expected_version: int, choose: Chooser
    ) -> Row:
        """One workflow step by `caller` on request `number`; the request afterwards.

        `expected_version` 0 skips the version check (the row lock still orders concurrent
        steps, and each is judged on the state it finds).
        """
        row = await self.requests.get(number)
        if access.hides_unseen(caller):
            await self.visibility.require(caller, row)
        seen = state_of(row)
        choice = choose(seen)
        expected = expected_version or None
        actor = await self._actor(caller, seen, choice.action)
        # Refuse early on what was read (same checks, same order as the engine's), so a caller
        # who may not act is told so without waiting for the lookups below.
        authorise(seen, choice.action, actor, expected)
        payload = await self._with_executor_skills(seen, choice)
        now = self.clock()

        def decide(state: RequestState) -> Outcome:
            return apply(state, choice.action, actor, payload, now=now, expected_version=expected)

        return await self.store.transition(number, decide)

    async def _actor(self, caller: Caller, state: RequestState, action: Action) -> Actor:
        duty: Duty = OFF_DUTY
        if caller.user_id is not None and needs_duty(caller, action):
            duty = await self.roster.duty(caller.user_id)
        resident = False
        if caller.user_id is not None and needs_residency(
            caller, action, state.applicant_id, state.apartment_id
        ):
            resident = state.apartment_id in await self.addresses.apartments_of(caller.user_id)
        return actor_of(caller, duty, resident=resident)

    async def _with_executor_skills(self, state: RequestState, choice: Choice) -> Payload:
        payload = choice.payload
        executor = (payload.executor_id or "").strip()
        if choice.action not in _NAMES_EXECUTOR or not executor or executor == state.executor_id:
            return payload
        skills = await self.executors.skills(executor)
        return replace(payload, executor_id=executor, executor_specialisations=skills)
