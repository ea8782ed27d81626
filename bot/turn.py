"""One turn of a conversation: everything a handler needs, injected as `turn`.

The person middleware builds it for every update from a known person:

    async def on_description(message: Message, turn: Turn) -> None:
        checked = check_description(message.text)
        if not checked.ok:
            await turn.say(checked.problem, length=checked.length)
            return
        await turn.remember(description=checked.value)
        await NEW_REQUEST.next(turn)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup

from bot.i18n import Catalogue, Translator
from bot.media import MediaStore
from bot.mesh import PersonServices
from bot.person import Person
from bot.ui.replier import Markup, Replier

__all__ = ["Turn"]


@dataclass
class Turn:
    """The person, their services, their words, their conversation state and the replier."""

    person: Person
    services: PersonServices
    t: Translator
    state: FSMContext
    reply: Replier
    media: MediaStore
    catalogue: Catalogue

    async def data(self) -> dict[str, Any]:
        """Everything the person typed so far in this conversation (FSM data)."""
        return await self.state.get_data()

    async def remember(self, **values: Any) -> dict[str, Any]:
        """Add to the conversation's data (kept in Redis: survives restarts and outages)."""
        return await self.state.update_data(**values)

    async def say(self, key: str, markup: Markup | None = None, /, **values: Any) -> None:
        """A new message with the catalogue text `key`."""
        await self.reply.send(self.t(key, **values), markup)

    async def show(
        self, key: str, markup: InlineKeyboardMarkup | None = None, /, **values: Any
    ) -> None:
        """The catalogue text `key` in place of the pressed message (or a new message)."""
        await self.reply.show(self.t(key, **values), markup)

    async def show_text(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Like `show`, for text already composed from `t` results."""
        await self.reply.show(text, markup)

    def relanguage(self, language: str) -> None:
        """Speak `language` from now on (after the person chose it)."""
        self.t = self.catalogue.translator(language)
