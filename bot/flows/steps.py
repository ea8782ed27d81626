"""Multi-step flows: ordered steps with their prompts, back/cancel, and retryable actions.

A flow is a `StatesGroup` plus the prompt of each step, in order:

    class NewRequestStates(StatesGroup):
        category = State()
        ...

    FLOW = Flow("new_request", exit=show_menu)

    @FLOW.step(NewRequestStates.category)
    async def ask_category(turn: Turn) -> None: ...

`FLOW.enter(turn, state)` moves there and prompts; `FLOW.next(turn)` goes one step on;
"back" (the common router) asks the flow of the current state for the previous step and
prompts it again from the FSM data, so nothing typed is lost; the first step's back leaves.

Writes to the services are *actions*: functions of the turn alone (they read what they need
from FSM data, never from the update), registered by name. `run_action` records the name as
`pending` before calling it; when the services are busy the error middleware offers "retry",
which runs the pending action again with the same data (and the same idempotency key).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram.fsm.state import State

from bot.mesh import ServiceBusy
from bot.turn import Turn

__all__ = ["Flow", "action", "flow_of", "run_action", "run_pending"]

Prompt = Callable[[Turn], Awaitable[None]]
Action = Callable[[Turn], Awaitable[None]]

_FLOWS: dict[str, Flow] = {}
_ACTIONS: dict[str, Action] = {}
PENDING = "pending_action"


@dataclass
class Flow:
    """An ordered set of steps; `exit` runs when the person leaves by going back."""

    name: str
    exit: Prompt | None = None
    steps: list[tuple[str, Prompt]] = field(default_factory=list)

    def step(self, state: State) -> Callable[[Prompt], Prompt]:
        """Register `state`'s prompt (in order of registration)."""

        def register(prompt: Prompt) -> Prompt:
            name = _name(state)
            self.steps.append((name, prompt))
            _FLOWS[name] = self
            return prompt

        return register

    def _index(self, state_name: str | None) -> int:
        for index, (name, _) in enumerate(self.steps):
            if name == state_name:
                return index
        return -1

    async def enter(self, turn: Turn, state: State) -> None:
        """Move to `state` and prompt it."""
        name = _name(state)
        await turn.state.set_state(name)
        await self.steps[self._index(name)][1](turn)

    async def next(self, turn: Turn) -> None:
        """The step after the current one."""
        index = self._index(await turn.state.get_state())
        name, prompt = self.steps[index + 1]
        await turn.state.set_state(name)
        await prompt(turn)

    async def back(self, turn: Turn) -> None:
        """The step before the current one (or leave the flow from its first step)."""
        index = self._index(await turn.state.get_state())
        if index <= 0:
            await turn.state.clear()
            if self.exit is not None:
                await self.exit(turn)
            return
        name, prompt = self.steps[index - 1]
        await turn.state.set_state(name)
        await prompt(turn)

    async def reprompt(self, turn: Turn) -> None:
        """Ask the current step again (after "retry", a restart, an unexpected input)."""
        index = self._index(await turn.state.get_state())
        if index >= 0:
            await self.steps[index][1](turn)


def flow_of(state_name: str | None) -> Flow | None:
    """The flow a state belongs to."""
    return _FLOWS.get(state_name or "")


def action(name: str) -> Callable[[Action], Action]:
    """Register a retryable action under a stable name (it is stored in FSM data)."""

    def register(fn: Action) -> Action:
        if name in _ACTIONS and _ACTIONS[name] is not fn:
            raise ValueError(f"action {name!r} registered twice")
        _ACTIONS[name] = fn
        return fn

    return register


async def run_action(turn: Turn, name: str) -> None:
    """Run action `name`; it stays pending (for "retry") only when the services were busy."""
    await turn.remember(**{PENDING: name})
    try:
        await _ACTIONS[name](turn)
    except ServiceBusy:
        raise
    except BaseException:
        await _clear_pending(turn)
        raise
    await _clear_pending(turn)


async def run_pending(turn: Turn) -> bool:
    """Run the action left pending by a busy moment; False when there is none."""
    name = (await turn.data()).get(PENDING)
    if not isinstance(name, str) or name not in _ACTIONS:
        return False
    await run_action(turn, name)
    return True


async def _clear_pending(turn: Turn) -> None:
    data = await turn.data()
    if PENDING in data:
        data.pop(PENDING)
        await turn.state.set_data(data)


def _name(state: State) -> str:
    name = state.state
    if name is None:
        raise ValueError("a flow step needs a named state")
    return name
