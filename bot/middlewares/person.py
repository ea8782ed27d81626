"""Who an update comes from: the person behind the Telegram account, as the services know
them now, and the `turn` handlers work with.

For every update: the person's token (cached; `TelegramSession` creates a pending applicant
on first contact), then `GetMe` as them. When the roles, status or active role differ from what
the token says (a manager approved them, they redeemed an invite), the token is renewed, or the
services would go on seeing the old ones.

- Blocked people get one polite refusal (per hour) and nothing else; no handler runs.
- During an outage the last known picture is used (`Person.stale`): steps that need no service
  go on, and the first call that does says "try again" (bot/middlewares/errors.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject, Update, User

from bot.i18n import Catalogue
from bot.media import MediaStore
from bot.memory import Memory
from bot.mesh import Blocked, Mesh, PersonServices, ServiceBusy, TelegramUser
from bot.person import Person, person_of
from bot.turn import Turn
from bot.ui.replier import Replier

__all__ = ["PersonMiddleware"]

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# How often a blocked person hears the refusal again.
_BLOCKED_NOTICE_SECONDS = 3600


class PersonMiddleware(BaseMiddleware):
    """Injects `person`, `services`, `t` and `turn` into handlers."""

    def __init__(self, mesh: Mesh, memory: Memory, catalogue: Catalogue, media: MediaStore) -> None:
        self.mesh = mesh
        self.memory = memory
        self.catalogue = catalogue
        self.media = media

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Look the person up, then run the handlers for them."""
        user: User | None = data.get("event_from_user")
        if not isinstance(event, Update) or user is None or user.is_bot:
            return await handler(event, data)
        who = TelegramUser(
            id=user.id,
            first_name=user.first_name or "",
            last_name=user.last_name or "",
            language_code=user.language_code or "",
        )
        services = self.mesh.acting_for(who)
        reply: Replier = data.get("reply") or Replier(data["bot"], event)
        try:
            person = await self._look_up(services, who)
        except Blocked:
            await self.mesh.sessions.forget(user.id)
            known = await self.memory.recall(user.id)
            await self._refuse(reply, user, known.language if known else user.language_code)
            return None
        except ServiceBusy:
            recalled = await self.memory.recall(user.id)
            if recalled is None:
                raise
            person = recalled
        else:
            await self.memory.remember(person)
        if person.blocked:
            await self.mesh.sessions.forget(user.id)
            await self._refuse(reply, user, person.language)
            return None
        t = self.catalogue.translator(person.language)
        state: FSMContext = data["state"]
        data.update(
            person=person,
            services=services,
            t=t,
            turn=Turn(person, services, t, state, reply, self.media, self.catalogue),
        )
        return await handler(event, data)

    async def _look_up(self, services: PersonServices, who: TelegramUser) -> Person:
        token = await services.acting.token()
        person = person_of(await services.users.me(), who.id)
        said = (token.status, frozenset(token.roles), token.role)
        if said != (person.status, frozenset(person.roles), person.role):
            await services.acting.token(fresh=True)
        return person

    async def _refuse(self, reply: Replier, user: User, language: str | None) -> None:
        log.info("blocked person refused", extra={"update_id": reply.update_id})
        if await self.memory.once("blocked", user.id, seconds=_BLOCKED_NOTICE_SECONDS):
            t = self.catalogue.translator(language or "")
            await reply.send(t("blocked"))
