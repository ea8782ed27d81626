"""Where a person lands outside any flow: the menu of their role, or onboarding while pending."""

from __future__ import annotations

from bot.flows import onboarding
from bot.turn import Turn
from bot.ui.menus import menu_keyboard, menu_text

__all__ = ["go_home", "show_menu"]


async def show_menu(turn: Turn, *, edit: bool = False) -> None:
    """The active role's menu (`edit`: in place of the pressed message)."""
    text, markup = menu_text(turn.person, turn.t), menu_keyboard(turn.person, turn.t)
    if edit:
        await turn.reply.show(text, markup)
    else:
        await turn.reply.send(text, markup)


async def go_home(turn: Turn, *, edit: bool = False) -> None:
    """Leave whatever the person was doing: the menu, or onboarding for pending people."""
    await turn.state.clear()
    if turn.person.pending:
        await onboarding.begin(turn)
        return
    await show_menu(turn, edit=edit)
