"""What the manager's people panels share (flows/people.py, verification.py, bindings.py,
invites.py): steps that form a tree rather than a line, the reasons the users service gives
worded per panel, and how people and their pending bindings are described.

A panel is a list → a card → a question (a reason, a comment) → back to the card or the list.
`Tree` is a `Flow` whose "back" goes to each step's parent (a list's card goes back to the
list, a reason back to its card) instead of the step registered before it; a parent may
depend on the conversation's data (asking for documents from a pending person's card goes
back there, from a verification case back to the case).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiogram.fsm.state import State
from ukm.users.v1 import directory_pb2, user_pb2

from bot.flows.steps import Flow, Prompt, flow_of
from bot.mesh import MeshError
from bot.mesh.users import ACCOUNT_STATUS, SPECIALIZATION, VERIFICATION_STATUS
from bot.person import ROLE
from bot.turn import Turn

__all__ = [
    "Parent",
    "Tree",
    "bindings_text",
    "enter",
    "names_of",
    "pending_bindings",
    "person_name",
    "reason_key",
    "role_keys",
    "roles_text",
    "specializations_text",
    "status_text",
    "user_specializations",
    "verification_text",
]

# A parent step: a state, or a function of the FSM data giving one (a state or its name).
Parent = State | Callable[[dict[str, Any]], State | str | None] | None


@dataclass
class Tree(Flow):
    """A flow whose steps go back to their parent step (or leave, from a root step)."""

    parents: dict[str, Parent] = field(default_factory=dict)

    def child(self, state: State, parent: Parent) -> Callable[[Prompt], Prompt]:
        """Register `state`'s prompt with the step "back" leads to."""
        self.parents[_name(state)] = parent
        return self.step(state)

    async def back(self, turn: Turn) -> None:
        """The parent step, prompted again from FSM data; from a root: leave the flow."""
        current = await turn.state.get_state() or ""
        parent = self.parents.get(current)
        # A State is callable too (it is a filter): tell the two apart by type.
        target = (
            parent if parent is None or isinstance(parent, State) else parent(await turn.data())
        )
        if target is None:
            await turn.state.clear()
            if self.exit is not None:
                await self.exit(turn)
            return
        await enter(turn, target)


async def enter(turn: Turn, state: State | str) -> None:
    """Move to `state` (of any flow; a state or its name) and prompt it."""
    name = state if isinstance(state, str) else _name(state)
    flow = flow_of(name)
    if flow is None:
        raise LookupError(f"no flow has the step {name}")
    await turn.state.set_state(name)
    for step, prompt in flow.steps:
        if step == name:
            await prompt(turn)
            return


def reason_key(turn: Turn, panel: str, error: MeshError) -> str | None:
    """`<panel>.reason.<REASON>` when this panel words the service's reason, else None (the
    error middleware then answers as everywhere)."""
    key = f"{panel}.reason.{error.reason}"
    return key if error.reason and turn.t.has(key) else None


# --- describing people ---------------------------------------------------------------------


def person_name(turn: Turn, user: user_pb2.User) -> str:
    """A person's name as a manager sees it ("—" when they gave none yet)."""
    return user.full_name.strip() or turn.t("panels.no_name")


def role_keys(user: user_pb2.User) -> list[str]:
    """The keys of the roles a person holds (`applicant`, `executor`…)."""
    return [ROLE.key(r) for r in user.roles if r in ROLE.by_number]


def roles_text(turn: Turn, user: user_pb2.User) -> str:
    """The roles a person holds or asked for, in the manager's words."""
    return ", ".join(turn.t(f"role.{k}") for k in role_keys(user)) or "—"


def specializations_text(turn: Turn, keys: Sequence[str]) -> str:
    """Specialisations by their keys, in the manager's language."""
    return ", ".join(turn.t(f"panels.spec.{k}") for k in keys) or "—"


def user_specializations(user: user_pb2.User) -> list[str]:
    """An executor's specialisation keys, canonical order."""
    return [SPECIALIZATION.key(s) for s in user.specializations if s in SPECIALIZATION.by_number]


def status_text(turn: Turn, user: user_pb2.User) -> str:
    """The account status in words."""
    key = ACCOUNT_STATUS.key(user.status) if user.status in ACCOUNT_STATUS.by_number else "pending"
    return turn.t(f"panels.account.{key}")


def verification_text(turn: Turn, status: int) -> str:
    """The verification status in words."""
    key = VERIFICATION_STATUS.key(status) if status in VERIFICATION_STATUS.by_number else "pending"
    return turn.t(f"panels.verification.{key}")


async def names_of(turn: Turn, user_ids: Sequence[str]) -> dict[str, user_pb2.User]:
    """The people behind `user_ids` (one GetUser each, side by side)."""
    unique = list(dict.fromkeys(i for i in user_ids if i))
    found = await asyncio.gather(*(turn.services.users.get(i) for i in unique))
    return dict(zip(unique, found, strict=True))


# A binding with its address label.
Labelled = tuple[directory_pb2.ApartmentBinding, str]


async def pending_bindings(turn: Turn, user_id: str) -> list[Labelled]:
    """A person's bindings waiting for a manager, with their address labels."""
    page = await turn.services.directory.list_bindings(
        status=directory_pb2.BINDING_STATUS_PENDING, user_id=user_id, page_size=20
    )
    labels = await turn.services.directory.labels(
        apartment_ids=[b.apartment_id for b in page.items]
    )
    return [(b, labels.get(b.apartment_id, "—")) for b in page.items]


def bindings_text(turn: Turn, bindings: Sequence[Labelled]) -> str:
    """Pending bindings as lines for a card ("none" when there are none)."""
    if not bindings:
        return turn.t("panels.bindings.none")
    lines = []
    for binding, label in bindings:
        owner = turn.t("panels.bindings.owner") if binding.owner else ""
        lines.append(turn.t("panels.bindings.line", label=label, owner=owner))
    return "\n".join(lines)


def _name(state: State) -> str:
    name = state.state
    if name is None:
        raise ValueError("a panel step needs a named state")
    return name
