"""No exception reaches the person as silence: every failure becomes a reply in their language.

Outermost of the bot's middlewares, so it also covers the duplicate check, the rate limiter and
the person lookup. The conversation state is never touched here: after "the services are
busy" the person presses "retry" and goes on where they were, with everything they typed.
Logs carry the update id, the person's UUID when known and the outcome, never content.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError, TelegramForbiddenError
from aiogram.types import TelegramObject, Update, User

from bot.i18n import Catalogue, Translator
from bot.memory import Memory
from bot.mesh import (
    Blocked,
    MeshError,
    Missing,
    NotAllowed,
    Refused,
    ServiceBusy,
    SignedOut,
)
from bot.ui.keyboards import retry_keyboard
from bot.ui.replier import Replier

__all__ = ["ErrorsMiddleware", "refusal_text"]

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ErrorsMiddleware(BaseMiddleware):
    """Catches what handlers raise and says something helpful instead."""

    def __init__(self, memory: Memory, catalogue: Catalogue) -> None:
        self.memory = memory
        self.catalogue = catalogue

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        """Run the update; on failure, answer the person."""
        if not isinstance(event, Update):
            return await handler(event, data)
        reply = Replier(data["bot"], event)
        data["reply"] = reply
        try:
            return await handler(event, data)
        except MeshError as error:
            await self._answer_mesh_error(error, event, data, reply)
        except TelegramForbiddenError:
            # The person blocked the bot or left: nobody to answer.
            log.info("bot blocked by the person", extra=_ids(event, data))
        except TelegramAPIError as error:
            # Telegram refused one of our replies (a bug in it, most likely): a plain apology
            # instead, which Telegram accepts.
            log.warning(
                "bot api call failed", extra={**_ids(event, data), "error": type(error).__name__}
            )
            t = await self._t(data)
            await self._say(reply, t("error.unexpected"))
        except Exception:
            log.exception("update failed", extra=_ids(event, data))
            t = await self._t(data)
            await self._say(reply, t("error.unexpected"))
        finally:
            await _quietly(reply.finish())
        return None

    async def _answer_mesh_error(
        self, error: MeshError, event: Update, data: dict[str, Any], reply: Replier
    ) -> None:
        t = await self._t(data)
        outcome = {**_ids(event, data), "code": error.code, "reason": error.reason}
        if isinstance(error, ServiceBusy):
            log.warning("services busy", extra=outcome)
            await self._say(reply, t("error.busy"), retry=t)
            return
        log.info("refused", extra=outcome)
        await self._say(reply, refusal_text(error, t))

    async def _t(self, data: dict[str, Any]) -> Translator:
        t = data.get("t")
        if isinstance(t, Translator):
            return t
        user: User | None = data.get("event_from_user")
        language = ""
        if user is not None:
            try:
                language = await self.memory.language(user.id) or user.language_code or ""
            except Exception:  # Redis is what failed, perhaps: Russian then.
                language = user.language_code or ""
        return self.catalogue.translator(language)

    async def _say(self, reply: Replier, text: str, retry: Translator | None = None) -> None:
        await reply.toast()
        await _quietly(reply.send(text, retry_keyboard(retry) if retry is not None else None))


def refusal_text(error: MeshError, t: Translator) -> str:
    """What to tell the person about a refusal: the reason in their words when the catalogue
    knows it, else the service's own message."""
    if error.reason and t.has(f"reason.{error.reason}"):
        return t(f"reason.{error.reason}")
    if isinstance(error, Blocked):
        return t("blocked")
    if isinstance(error, Missing):
        return t("error.missing")
    if isinstance(error, NotAllowed):
        return t("error.not_allowed")
    if isinstance(error, SignedOut):
        return t("error.signed_out")
    if isinstance(error, Refused):
        detail = "; ".join(v.description for v in error.violations) or error.message
        return t("error.refused", detail=detail)
    return t("error.unexpected")


def _ids(event: Update, data: dict[str, Any]) -> dict[str, Any]:
    person = data.get("person")
    return {"update_id": event.update_id, "user_id": getattr(person, "user_id", "")}


async def _quietly(call: Awaitable[Any]) -> None:
    try:
        await call
    except TelegramAPIError:
        log.warning("could not reply")
