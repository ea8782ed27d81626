"""Paged pickers over directory listings: buttons for one page, next/previous, a typed search,
and a check that a pressed item is one that was shown.

Page tokens (up to 512 characters) do not fit in a button's 64 bytes, so they stay in the
conversation's FSM data and buttons carry the page number; the ids shown are kept too, so a
forged or stale button naming anything else is refused before any call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aiogram.types import CallbackQuery, InlineKeyboardButton

from bot.callbacks import ListKind
from bot.turn import Turn
from bot.ui.keyboards import button, grid, inline, nav_row, pager_row

__all__ = ["Item", "Picker", "pressed_label"]


@dataclass(frozen=True)
class Item:
    """One choice: its id and its button label (plain text, not HTML)."""

    id: str
    label: str


Fetch = Callable[[Turn, str, str], Awaitable[tuple[list[Item], str]]]
Heading = Callable[[Turn], Awaitable[str]]
Rows = Callable[[Turn], Awaitable[list[list[InlineKeyboardButton]]]]


@dataclass(frozen=True)
class Picker:
    """A picker of `kind`: `fetch(turn, page_token, query)` gives a page and the next token."""

    kind: ListKind
    fetch: Fetch
    pack: Callable[[str], str]
    heading: Heading
    empty_key: str
    columns: int = 2
    # Rows shown above the items (a list's filters, say), built from FSM data like the heading.
    extra: Rows | None = None

    @property
    def _key(self) -> str:
        return f"picker_{self.kind.value}"

    def _position(self, data: dict[str, Any]) -> dict[str, Any]:
        saved = data.get(self._key)
        if isinstance(saved, dict):
            return saved
        return {"tokens": [""], "page": 0, "query": "", "shown": []}

    async def reset(self, turn: Turn) -> None:
        """Start again from the first page without a search (a new parent was chosen)."""
        await turn.remember(**{self._key: None})

    async def show(self, turn: Turn) -> None:
        """The current page of the picker."""
        position = self._position(await turn.data())
        page = int(position["page"])
        tokens: list[str] = list(position["tokens"])
        items, next_token = await self.fetch(turn, tokens[page], str(position["query"]))
        if next_token and len(tokens) == page + 1:
            tokens.append(next_token)
        position.update(tokens=tokens, shown=[item.id for item in items])
        await turn.remember(**{self._key: position})
        buttons: list[InlineKeyboardButton] = [
            button(item.label[:60], self.pack(item.id)) for item in items
        ]
        rows = [
            *(await self.extra(turn) if self.extra is not None else []),
            *grid(buttons, self.columns),
            pager_row(turn.t, self.kind, page, has_next=bool(next_token)),
            nav_row(turn.t),
        ]
        heading = await self.heading(turn)
        if not items:
            heading = f"{heading}\n\n{turn.t(self.empty_key)}"
        await turn.show_text(heading, inline(rows))

    async def go_to(self, turn: Turn, page: int) -> bool:
        """Show page `page`; False when it is not one the person could have reached."""
        position = self._position(await turn.data())
        if page >= len(position["tokens"]):
            return False
        position["page"] = page
        await turn.remember(**{self._key: position})
        await self.show(turn)
        return True

    async def search(self, turn: Turn, query: str) -> None:
        """Show the first page of items matching `query` (typed by the person)."""
        await turn.remember(
            **{self._key: {"tokens": [""], "page": 0, "query": query.strip()[:16], "shown": []}}
        )
        await self.show(turn)

    async def was_shown(self, turn: Turn, item_id: str) -> bool:
        """Whether `item_id` is on the page the person saw."""
        return item_id in self._position(await turn.data()).get("shown", [])


def pressed_label(query: CallbackQuery, item_id: str) -> str:
    """The label of the pressed item button (what the person saw; no extra call needed)."""
    markup = getattr(query.message, "reply_markup", None)
    wanted = {item_id, UUID(item_id).hex}
    for row in getattr(markup, "inline_keyboard", None) or []:
        for pressed in row:
            data = pressed.callback_data or ""
            if data.partition(":")[2] in wanted:
                return str(pressed.text)
    return ""
