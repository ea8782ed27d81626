"""Answering one update: where replies go, editing in place after a button, and the callback
query's answer (so Telegram's spinner stops) exactly once."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    CallbackQuery,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)

__all__ = ["Markup", "Replier"]

log = logging.getLogger(__name__)

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


class Replier:
    """Sends the bot's answers to the chat an update came from."""

    def __init__(self, bot: Bot, update: Update) -> None:
        self.bot = bot
        self.update_id = update.update_id
        self.callback: CallbackQuery | None = update.callback_query
        message = update.message or (
            update.callback_query.message
            if update.callback_query is not None
            and isinstance(update.callback_query.message, Message)
            else None
        )
        self._pressed: Message | None = message if self.callback is not None else None
        self.chat_id: int | None = (
            message.chat.id
            if message is not None
            else (self.callback.from_user.id if self.callback is not None else None)
        )
        self._answered = False

    async def send(self, text: str, markup: Markup | None = None) -> Message | None:
        """A new message in the chat."""
        if self.chat_id is None:
            return None
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def send_media(
        self, kind: str, file_id: str, caption: str, markup: InlineKeyboardMarkup | None = None
    ) -> Message | None:
        """A photo, video or document (`kind`) by its Telegram file id, with a caption (at most
        1024 characters, HTML)."""
        if self.chat_id is None:
            return None
        if kind == "photo":
            return await self.bot.send_photo(
                self.chat_id, file_id, caption=caption, reply_markup=markup
            )
        if kind == "video":
            return await self.bot.send_video(
                self.chat_id, file_id, caption=caption, reply_markup=markup
            )
        return await self.bot.send_document(
            self.chat_id, file_id, caption=caption, reply_markup=markup
        )

    async def show(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """After a button: replace the message it was on (menus and pickers update in place);
        otherwise a new message."""
        pressed = self._pressed
        if pressed is not None and pressed.text is not None:
            self._pressed = None  # one edit per update; further replies are new messages
            try:
                await self.bot.edit_message_text(
                    text=text,
                    chat_id=pressed.chat.id,
                    message_id=pressed.message_id,
                    reply_markup=markup,
                )
                return
            except TelegramBadRequest as error:
                if "not modified" in error.message:
                    return
                # Too old to edit, deleted…: say it in a new message instead.
                log.info("edit refused, sending instead", extra={"update_id": self.update_id})
        await self.send(text, markup)

    async def close_buttons(self) -> None:
        """Take the buttons off the pressed message (a step that must not be pressed twice)."""
        pressed = self._pressed
        if pressed is None or pressed.reply_markup is None:
            return
        self._pressed = None
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.edit_message_reply_markup(
                chat_id=pressed.chat.id, message_id=pressed.message_id, reply_markup=None
            )

    async def toast(self, text: str | None = None, *, alert: bool = False) -> None:
        """Answer the button press (with a short notice, or silently)."""
        if self.callback is None or self._answered:
            return
        self._answered = True
        # Too late (queries expire after a while): nothing to stop any more.
        with contextlib.suppress(TelegramBadRequest):
            await self.bot.answer_callback_query(self.callback.id, text=text, show_alert=alert)

    async def finish(self) -> None:
        """Stop the spinner if nothing answered the press yet."""
        await self.toast()

    def context(self) -> dict[str, Any]:
        """For logs: ids only, never content."""
        return {"update_id": self.update_id}
