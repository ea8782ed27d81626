"""The Telegram side of the bot's figures: the local Bot API (tests/support/telegram_api.py)
served by the bench process, noting when the bot took each update (its `getUpdates` answered)
and when each of the bot's replies arrived, and the people writing to the bot (`Writer`), each
waiting for the reply it expects and timing it.

Times are this process's monotonic clock, read where things happen: when an update is pushed
(the moment Telegram would have it), when `getUpdates` hands it out, when a reply call reaches
the server. Replies are the bot's own calls (aiogram names itself in its User-Agent, as in
tests/bot/harness.py): the notifications service writes to the same server with the same token.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.i18n import Translator
from tests.bot.harness import BOT_CLIENT
from tests.perf.load import BenchError
from tests.support.telegram_api import SEND_METHODS, LocalBotApi, TelegramUser


@dataclass(frozen=True, slots=True)
class Reply:
    """A message or an edit the bot sent to a chat."""

    at: float  # time.monotonic() of this process, when the call arrived
    method: str
    text: str
    buttons: tuple[str, ...]  # the callback data of its inline buttons

    def shows(self, fragment: str) -> bool:
        """Whether its text contains `fragment`, or one of its buttons is `fragment`."""
        return fragment in self.text or fragment in self.buttons


@dataclass(frozen=True, slots=True)
class Sample:
    """One step of a person: pushed → the reply they waited for (and → the bot took it)."""

    step: str
    ms: float
    taken_ms: float  # pushed → handed to the bot by getUpdates
    round_no: int = 0


@dataclass
class ChatsBotApi(LocalBotApi):
    """The local Bot API, also keeping each chat's replies from the bot and when each update
    was taken."""

    replies: dict[int, list[Reply]] = field(default_factory=dict)
    taken: dict[int, float] = field(default_factory=dict)
    # Messages others (the notifications service) delivered to each chat.
    notices: Counter[int] = field(default_factory=Counter)
    _news: dict[int, asyncio.Event] = field(default_factory=dict)

    def _record(
        self,
        token: str,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, bytes],
        response: web.Response,
        *,
        user_agent: str = "",
        result: Any = None,
    ) -> web.Response:
        chat = params.get("chat_id")
        replied = method in SEND_METHODS or method.startswith("editMessage")
        ours = response.status == 200 and BOT_CLIENT in user_agent
        if replied and ours and isinstance(chat, int):
            text = str(params.get("text") or params.get("caption") or "")
            found = Reply(time.monotonic(), method, text, _buttons(params))
            self.replies.setdefault(chat, []).append(found)
            self._news.setdefault(chat, asyncio.Event()).set()
        elif method in SEND_METHODS and response.status == 200 and isinstance(chat, int):
            self.notices[chat] += 1
        return super()._record(
            token, method, params, files, response, user_agent=user_agent, result=result
        )

    async def _get_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        updates = await super()._get_updates(params)
        now = time.monotonic()
        for update in updates:
            self.taken.setdefault(int(update["update_id"]), now)
        return updates

    async def notified(self, chats: Collection[int], count: int, *, within: float) -> bool:
        """Wait until each of `chats` has had `count` notifications (True), or `within`
        seconds passed (False)."""
        deadline = time.monotonic() + within
        while any(self.notices[chat] < count for chat in chats):
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def mark(self, chat: int) -> int:
        """How many replies the chat has had."""
        return len(self.replies.get(chat, ()))

    async def reply(
        self, chat: int, since: int, fragments: Sequence[str], *, within: float
    ) -> Reply:
        """The first reply to `chat` after the first `since` that shows one of `fragments`
        (`Reply.shows`); BenchError after `within` seconds."""
        news = self._news.setdefault(chat, asyncio.Event())
        deadline = time.monotonic() + within
        while True:
            news.clear()
            for found in self.replies.get(chat, [])[since:]:
                if any(found.shows(fragment) for fragment in fragments):
                    return found
            left = deadline - time.monotonic()
            if left <= 0:
                seen = [r.text[:80] for r in self.replies.get(chat, [])[since:]]
                raise BenchError(f"chat {chat}: no reply with {list(fragments)!r}; got {seen}")
            try:
                await asyncio.wait_for(news.wait(), left)
            except TimeoutError:
                continue


def _buttons(params: Mapping[str, Any]) -> tuple[str, ...]:
    markup = params.get("reply_markup")
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
    return tuple(str(b.get("callback_data", "")) for row in rows for b in row)


def stem(t: Translator, key: str) -> str:
    """The fixed start of a catalogue message (up to its first placeholder)."""
    return t.catalogue.text(t.language, key).split("{", 1)[0]


@dataclass
class Writer:
    """One person writing to the bot in their language, timing the steps they are asked to."""

    api: ChatsBotApi
    user: TelegramUser
    t: Translator
    samples: list[Sample] = field(default_factory=list)

    @property
    def chat(self) -> int:
        """Their private chat (its id is theirs)."""
        return self.user.id

    async def act(
        self,
        push: Callable[[], int],
        *expected: str,
        step: str = "",
        round_no: int = 0,
        within: float = 30.0,
    ) -> Reply:
        """Do what `push` does (an update), wait for the reply that shows one of `expected`
        (a text, or a button's data); a `step` is timed."""
        since = self.api.mark(self.chat)
        pushed = time.monotonic()
        update_id = push()
        found = await self.api.reply(self.chat, since, expected, within=within)
        if step:
            taken = self.api.taken.get(update_id, found.at)
            self.samples.append(
                Sample(step, (found.at - pushed) * 1e3, (taken - pushed) * 1e3, round_no)
            )
        return found

    def say(self, text: str) -> Callable[[], int]:
        """Typing `text`."""
        return lambda: self.user.text(text)

    def press(self, data: str) -> Callable[[], int]:
        """Pressing the newest button with `data`."""
        return lambda: self.user.press(data)
