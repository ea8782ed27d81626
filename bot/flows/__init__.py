"""The conversations, one router module per flow.

To add a flow: a module with its `StatesGroup`, a `Flow` with one prompt per step
(flows/steps.py), handlers that validate input (bot/logic) and store it in FSM data, actions
for the writes, and a `router()` function; list the router in `routers()` below (before the
fallback), the texts in bot/locales/*.yaml, the menu entry in bot/ui/menus.py.
"""

from __future__ import annotations

from aiogram import Router

__all__ = ["routers"]


def routers() -> list[Router]:
    """Fresh routers, in the order they are tried (a router belongs to one dispatcher, so each
    dispatcher gets its own set)."""
    from bot.flows import (
        actions,
        archive,
        bindings,
        boards,
        common,
        dispatch,
        documents,
        inspector,
        invites,
        my_requests,
        new_request,
        onboarding,
        people,
        pool,
        profile,
        review,
        shift,
        verification,
        work,
        work_lists,
    )

    return [
        common.router(),
        onboarding.router(),
        new_request.router(),
        # Before actions: the `act:upload` button is for pending people too.
        documents.router(),
        actions.router(),
        # The executor's: shift, lists and cards, my work, the pool, the archive.
        shift.router(),
        work_lists.router(),
        work.router(),
        pool.router(),
        archive.router(),
        my_requests.router(),
        profile.router(),
        inspector.router(),
        people.router(),
        verification.router(),
        bindings.router(),
        invites.router(),
        boards.router(),
        dispatch.router(),
        review.router(),
        common.fallback_router(),
    ]
