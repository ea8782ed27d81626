"""Driving the real bot in tests: `bot.app.build` polling the local Bot API server, people
writing to it (`Chat`), and waiting for what the bot answers — no sleeps, short polling with a
timeout.

A chat holds what two senders put there with the same bot token: the bot's replies and the
notifications service's messages (tests/bot/conftest.py points both at one local Bot API).
They are told apart by the HTTP client that made the call: aiogram names itself in its
User-Agent (`from_bot`). `Chat.replies`, `mark`, `expect…` and `last_message` look at the bot's
side only; `Chat.notices` and `expect_notice` at the rest."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.app import BotApp, build
from bot.i18n import Translator, catalogue
from bot.serve import poll
from bot.settings import BotSettings
from tests.support.telegram_api import BotApiCall, LocalBotApi, TelegramUser

T = TypeVar("T")
RU = catalogue().translator("ru")
# aiogram's User-Agent ends with `aiogram/<version>`; the notifications service's client's does
# not.
BOT_CLIENT = "aiogram/"


def from_bot(call: BotApiCall) -> bool:
    """Whether the bot made this call (not the notifications service, nor a test)."""
    return BOT_CLIENT in call.user_agent


def stem(t: Translator, key: str) -> str:
    """The fixed start of a message (up to its first placeholder), to recognise it."""
    return t.catalogue.text(t.language, key).split("{", 1)[0]


async def eventually(check: Callable[[], T | None], *, within: float = 10.0, what: str = "") -> T:
    """Poll `check` until it returns something truthy."""
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        await asyncio.sleep(0.02)


def bot_settings(
    api: LocalBotApi, *, redis_url: str, mesh_address: str, pki_dir: Path, prefix: str, **more: Any
) -> BotSettings:
    """Settings pointing the bot at the local Bot API and the test mesh."""
    values: dict[str, Any] = {
        "telegram_bot_token": api.token,
        "telegram_api_base": api.base_url,
        "redis_url": redis_url,
        "mesh_address": mesh_address,
        "pki_dir": pki_dir,
        "bot_redis_prefix": prefix,
        "bot_polling_timeout": 5,
        "bot_mesh_timeout_seconds": 3.0,
    }
    values.update(more)
    return BotSettings(**values)


@dataclass
class BotUnderTest:
    """The bot as `python -m bot` runs it (long polling), in this process."""

    settings: BotSettings
    api: LocalBotApi
    app: BotApp | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Build and poll; returns once the bot is waiting for updates."""
        polls_before = len(self.api.calls_to("getUpdates"))
        self.app = build(self.settings)
        self._task = asyncio.create_task(poll(self.app, handle_signals=False))
        await eventually(
            lambda: (
                len(self.api.calls_to("getUpdates")) > polls_before
                or self.api.waiting_polls > 0
                or self._crashed()
            ),
            what="the bot to poll",
        )
        if self._crashed():
            assert self._task is not None
            await self._task

    def _crashed(self) -> bool:
        return self._task is not None and self._task.done()

    async def stop(self) -> None:
        """Stop polling and release everything (like SIGTERM)."""
        if self.app is None or self._task is None:
            return
        if not self._task.done():
            await self.app.dispatcher.stop_polling()
        await self._task
        # The long poll the bot walked away from would otherwise hang on for seconds.
        self.api.wake_pollers()
        await self.app.close()
        self.app, self._task = None, None

    async def restart(self) -> None:
        """A new process's worth of bot over the same Redis."""
        await self.stop()
        await self.start()


@dataclass
class Chat:
    """One person's private chat with the bot."""

    api: LocalBotApi
    user: TelegramUser
    t: Translator = field(default=RU)

    @property
    def id(self) -> int:
        """The chat id (the person's Telegram id)."""
        return self.user.id

    def mark(self) -> int:
        """Where the conversation is now; `expect(since=mark)` looks only at what follows."""
        return len(self.replies())

    def replies(self, since: int = 0) -> list[BotApiCall]:
        """The bot's messages and edits in this chat after `since`."""
        return [c for c in self.api.replies_to(self.id) if from_bot(c)][since:]

    def notices(self, since: int = 0) -> list[BotApiCall]:
        """Messages others sent to this chat with the bot's token (notifications), after the
        first `since`."""
        return [c for c in self.api.sent_to(self.id) if not from_bot(c)][since:]

    def last_message(self) -> dict[str, Any]:
        """The newest message the bot sent to this chat (as it is now, after edits)."""
        theirs = {
            call.result.get("message_id")
            for call in self.notices()
            if isinstance(call.result, dict)
        }
        ids = [n for chat, n in self.api.messages if chat == self.id and n not in theirs]
        if not ids:
            raise LookupError(f"the bot sent nothing to {self.id}")
        return self.api.messages[(self.id, max(ids))]

    async def expect_notice(
        self, fragment: str, *, since: int = 0, within: float = 15.0
    ) -> BotApiCall:
        """Wait for a notification (beyond the first `since`) whose text or caption contains
        `fragment`."""

        def found() -> BotApiCall | None:
            for call in self.notices(since):
                if fragment in _shown_text(call):
                    return call
            return None

        try:
            return await eventually(found, within=within, what=f"a notification {fragment!r}")
        except AssertionError:
            seen = [_shown_text(c)[:120] for c in self.notices(since)]
            raise AssertionError(f"no notification containing {fragment!r}; got {seen}") from None

    async def expect(self, fragment: str, *, since: int, within: float = 10.0) -> BotApiCall:
        """Wait for a message or edit after `since` whose text contains `fragment`."""

        def found() -> BotApiCall | None:
            for call in self.replies(since):
                if fragment in str(call.params.get("text", "")):
                    return call
            return None

        try:
            return await eventually(found, within=within, what=repr(fragment))
        except AssertionError:
            seen = [str(c.params.get("text", ""))[:120] for c in self.replies(since)]
            raise AssertionError(f"no reply containing {fragment!r}; got {seen}") from None

    async def expect_button(self, label: str, *, since: int, within: float = 10.0) -> BotApiCall:
        """Wait for a message or edit after `since` with a button whose text contains `label`."""

        def found() -> BotApiCall | None:
            for call in self.replies(since):
                rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
                if any(label in str(b.get("text", "")) for row in rows for b in row):
                    return call
            return None

        return await eventually(found, within=within, what=f"a button {label!r}")

    async def search(self, text: str, button: str) -> BotApiCall:
        """Type `text` at a picker, wait for a page with a button containing `button`."""
        since = self.mark()
        self.user.text(text)
        return await self.expect_button(button, since=since)

    async def expect_key(self, key: str, *, since: int, **values: Any) -> BotApiCall:
        """Wait for the catalogue message `key` (its fixed start, or exactly with values)."""
        return await self.expect(
            self.t(key, **values) if values else stem(self.t, key), since=since
        )

    async def toast(self, fragment: str, *, query_count: int, within: float = 10.0) -> str:
        """Wait for an answer to a button press (beyond the first `query_count`) containing
        `fragment`."""

        def found() -> str | None:
            answers = list(self.api.answers.values())[query_count:]
            for answer in answers:
                if fragment in str(answer.get("text", "")):
                    return str(answer.get("text"))
            return None

        return await eventually(found, within=within, what=f"toast {fragment!r}")

    async def say(self, text: str, expect: str) -> BotApiCall:
        """Type `text`, wait for a reply containing `expect`."""
        since = self.mark()
        self.user.text(text)
        return await self.expect(expect, since=since)

    async def tap(self, data: str, expect: str) -> BotApiCall:
        """Press the newest button with `data`, wait for a reply containing `expect`."""
        since = self.mark()
        self.user.press(data)
        return await self.expect(expect, since=since)


def _shown_text(call: BotApiCall) -> str:
    return str(call.params.get("text") or call.params.get("caption") or "")


def new_chat(api: LocalBotApi, *, language: str = "ru", first_name: str = "Dilnoza") -> Chat:
    """A person nobody has seen yet."""
    telegram_id = 500_000_000 + uuid.uuid4().int % 400_000_000
    user = TelegramUser(api, telegram_id, first_name=first_name, language_code=language)
    return Chat(api, user, catalogue().translator(language))
