"""A local Telegram Bot API server for tests: the real wire protocol, on 127.0.0.1.

It stands in for api.telegram.org so that our real clients are exercised: the notifications
channel (httpx, JSON bodies) now, and later the aiogram bot, which points its
`TelegramAPIServer.from_base(server.base_url)` here and sends multipart forms. Both shapes are
read: `/bot<token>/<method>` with parameters in the query string, a urlencoded or multipart
form (JSON-serialised fields such as `reply_markup` are decoded, as Telegram does) or a JSON
body.

It answers like Telegram: `{"ok": true, "result": ...}` with realistic objects (messages with
ids counted per chat, the bot's own user, updates), and Telegram's own errors for what Telegram
refuses (unknown token → 401, missing chat id, empty or too long text, HTML it cannot parse,
callback data over 64 bytes → 400). Every call is recorded in `server.calls`, with the
client's `User-Agent` (who called: aiogram says so in its own) and what was answered.

Knobs for failure paths: `fail_next(failure, times)` for the next calls, `fail_chat(chat,
failure)` for one chat until `heal_chat`; failures are 429 with retry_after, 403 blocked or
deactivated, 400 chat not found, a JSON 500, an HTML 502 from a proxy, or a stall (the call
takes effect but the answer comes late, as when a client times out); `fail_next` may be
limited to one chat. `push_update` feeds `getUpdates` (long polling honoured) for bot tests;
`handlers[method]` overrides a method; `reset()` forgets everything, so that one server can
serve test after test.

For the bot: messages the server sent are kept per chat, so `editMessageText` and
`editMessageReplyMarkup` work on them (and refuse unknown or unchanged messages as Telegram
does), `answerCallbackQuery`, `sendMediaGroup` and `getFile` answer, and `TelegramUser`
builds the updates a person causes (text, commands, contacts, photos, videos, button presses
on the bot's own messages) for `push_update`.

This is written from the Bot API documentation, not from our client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Collection, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import BodyPartReader, web

SEND_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendVideo", "sendMediaGroup"}
)
# Parameters Telegram takes as JSON-serialised strings when they come in a form.
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "link_preview_options",
        "entities",
        "caption_entities",
        "reply_parameters",
        "allowed_updates",
        "media",
        "commands",
        "scope",
    }
)
_HTML_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "code",
        "pre",
        "blockquote",
        "tg-emoji",
    }
)
_TRUE_METHODS = frozenset(
    {
        "deleteWebhook",
        "setWebhook",
        "setMyCommands",
        "deleteMyCommands",
        "deleteMessage",
        "sendChatAction",
        "setChatMenuButton",
        "logOut",
        "close",
    }
)
MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
LONG_POLL_CAP = 5.0  # seconds; tests never want to wait Telegram's full 50


@dataclass(frozen=True)
class Failure:
    """How to answer a call instead of succeeding."""

    status: int
    description: str
    retry_after: int | None = None
    html_body: bool = False  # a proxy's HTML page instead of a Bot API answer
    stall_seconds: float = 0.0  # succeed, but answer this late

    @classmethod
    def too_many_requests(cls, retry_after: int) -> Failure:
        """Telegram's flood control."""
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    @classmethod
    def blocked(cls) -> Failure:
        """The person blocked the bot."""
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def deactivated(cls) -> Failure:
        """The person deleted their account."""
        return cls(403, "Forbidden: user is deactivated")

    @classmethod
    def chat_not_found(cls) -> Failure:
        """No such chat (or the bot never met it)."""
        return cls(400, "Bad Request: chat not found")

    @classmethod
    def server_error(cls) -> Failure:
        """Telegram's own internal error, as JSON."""
        return cls(500, "Internal Server Error")

    @classmethod
    def bad_gateway(cls) -> Failure:
        """A proxy in front of Telegram failing, with an HTML page."""
        return cls(502, "Bad Gateway", html_body=True)

    @classmethod
    def stall(cls, seconds: float) -> Failure:
        """The call takes effect, but its answer arrives `seconds` late."""
        return cls(200, "", stall_seconds=seconds)


@dataclass(frozen=True)
class BotApiCall:
    """One call the server received, with decoded parameters and the HTTP status it answered."""

    token: str
    method: str
    params: Mapping[str, Any]
    files: Mapping[str, bytes]
    status: int
    # The client's User-Agent header ("" when it sent none).
    user_agent: str = ""
    # The `result` of a successful answer (a Message, a list of them, True…), else None.
    result: Any = None

    @property
    def chat_id(self) -> int | str | None:
        """The `chat_id` parameter, if any."""
        value = self.params.get("chat_id")
        return value if isinstance(value, int | str) else None


@dataclass
class _Planned:
    failure: Failure
    remaining: int
    methods: Collection[str]
    chat_id: int | str | None = None


@dataclass
class LocalBotApi:
    """The server's state; tests read `calls` and turn the knobs."""

    token: str = "123456789:AAHtestTokenForTheLocalBotApiServer01"
    username: str = "ukm_test_bot"
    base_url: str = ""  # known once the server listens
    calls: list[BotApiCall] = field(default_factory=list)
    handlers: dict[str, Callable[[Mapping[str, Any]], Any]] = field(default_factory=dict)
    _planned: list[_Planned] = field(default_factory=list)
    _chat_failures: dict[int | str, Failure] = field(default_factory=dict)
    _message_ids: defaultdict[int | str, int] = field(default_factory=lambda: defaultdict(int))
    # What the bot sent, by (chat, message id): edits and button presses refer to these.
    messages: dict[tuple[int | str, int], dict[str, Any]] = field(default_factory=dict)
    # Callback query ids the bot may still answer, and what it answered.
    _open_queries: set[str] = field(default_factory=set)
    answers: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _pushed: dict[int, dict[str, Any]] = field(default_factory=dict)
    _redeliveries: list[dict[str, Any]] = field(default_factory=list)
    _next_update_id: int = 1
    _update_arrived: asyncio.Event = field(default_factory=asyncio.Event)
    # getUpdates calls waiting right now (a bot is polling once this is above zero).
    waiting_polls: int = 0
    # The highest offset a getUpdates asked from: every update below it is confirmed.
    confirmed_offset: int = 0

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before the colon of its token."""
        return int(self.token.split(":", 1)[0])

    def fail_next(
        self,
        failure: Failure,
        times: int = 1,
        methods: Collection[str] = SEND_METHODS,
        *,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next `times` calls of `methods` (to `chat_id` only, when given) with
        `failure`."""
        self._planned.append(_Planned(failure, times, frozenset(methods), chat_id))

    def fail_chat(self, chat_id: int | str, failure: Failure) -> None:
        """Answer every sending call to `chat_id` with `failure` until `heal_chat`."""
        self._chat_failures[chat_id] = failure

    def heal_chat(self, chat_id: int | str) -> None:
        """Let calls to `chat_id` succeed again."""
        self._chat_failures.pop(chat_id, None)

    def sent_to(self, chat_id: int | str) -> list[BotApiCall]:
        """Successful sending calls to `chat_id`, in order."""
        return [
            c
            for c in self.calls
            if c.method in SEND_METHODS and c.chat_id == chat_id and c.status == 200
        ]

    def calls_to(self, method: str) -> list[BotApiCall]:
        """Every recorded call of `method`."""
        return [c for c in self.calls if c.method == method]

    def push_update(self, update: Mapping[str, Any]) -> int:
        """Queue an update for `getUpdates` (its `update_id` is assigned here) and return its id."""
        update_id = self._next_update_id
        self._next_update_id += 1
        if isinstance(query := update.get("callback_query"), Mapping):
            self.open_query(str(query.get("id", "")))
        self._pushed[update_id] = {**update, "update_id": update_id}
        self._updates.append(self._pushed[update_id])
        self._update_arrived.set()
        return update_id

    def wake_pollers(self) -> None:
        """End every waiting long poll now (with what there is, usually nothing)."""
        self._update_arrived.set()

    def redeliver(self, update_id: int) -> None:
        """Deliver update `update_id` again, as Telegram does when it never heard that it was
        received (a webhook that answered too late, a poller that died before confirming its
        offset): the next `getUpdates` returns it whatever offset it asks from."""
        self._redeliveries.append(dict(self._pushed[update_id]))
        self._update_arrived.set()

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        return app

    def reset(self) -> None:
        """Forget every call, message, update, answer and planned failure (the token, the
        address and the counters of ids stay: ids are never handed out twice)."""
        self.calls.clear()
        self.handlers.clear()
        self._planned.clear()
        self._chat_failures.clear()
        self.messages.clear()
        self._open_queries.clear()
        self.answers.clear()
        self._updates.clear()
        self._pushed.clear()
        self._redeliveries.clear()
        self.confirmed_offset = 0

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        params, files = await _read_parameters(request)
        agent = request.headers.get("User-Agent", "")
        if token != self.token:
            return self._record(
                token, method, params, files, _error(401, "Unauthorized"), user_agent=agent
            )
        failure = self._failure_for(method, params.get("chat_id"))
        if failure is not None and not failure.stall_seconds:
            return self._record(
                token, method, params, files, _failure_response(failure), user_agent=agent
            )
        try:
            result = await self._dispatch(method, params, files)
        except _BotApiError as refusal:
            return self._record(
                token,
                method,
                params,
                files,
                _error(refusal.status, str(refusal)),
                user_agent=agent,
            )
        response = web.json_response({"ok": True, "result": result})
        self._record(token, method, params, files, response, user_agent=agent, result=result)
        if failure is not None:
            await asyncio.sleep(failure.stall_seconds)
        return response

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
        self.calls.append(
            BotApiCall(token, method, params, files, response.status, user_agent, result)
        )
        return response

    def _failure_for(self, method: str, chat_id: object) -> Failure | None:
        chat_failure = self._chat_failures.get(chat_id) if isinstance(chat_id, int | str) else None
        if method in SEND_METHODS and chat_failure is not None:
            return chat_failure
        for planned in self._planned:
            if planned.chat_id is not None and planned.chat_id != chat_id:
                continue
            if method in planned.methods and planned.remaining > 0:
                planned.remaining -= 1
                return planned.failure
        return None

    async def _dispatch(
        self, method: str, params: Mapping[str, Any], files: Mapping[str, bytes]
    ) -> Any:
        if (handler := self.handlers.get(method)) is not None:
            return handler(params)
        if method == "getMe":
            return self._bot_user() | {"can_join_groups": True, "supports_inline_queries": False}
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            text = _checked_html(
                params, "text", MAX_TEXT, "message text is empty", "message is too long"
            )
            return self._new_message(params, text=text)
        if method == "sendPhoto":
            if "photo" not in params and "photo" not in files:
                raise _BotApiError(400, "Bad Request: there is no photo in the request")
            caption = _checked_html(
                params, "caption", MAX_CAPTION, None, "message caption is too long"
            )
            return self._new_message(params, photo=_photo_sizes(params, files), caption=caption)
        if method in ("sendDocument", "sendVideo"):
            kind = "document" if method == "sendDocument" else "video"
            if kind not in params and kind not in files:
                raise _BotApiError(400, f"Bad Request: there is no {kind} in the request")
            caption = _checked_html(
                params, "caption", MAX_CAPTION, None, "message caption is too long"
            )
            sent = {"file_id": str(params.get(kind, f"uploaded-{kind}")), "file_unique_id": "AgADd"}
            return self._new_message(params, caption=caption, **{kind: sent})
        if method == "editMessageText":
            text = _checked_html(
                params, "text", MAX_TEXT, "message text is empty", "message is too long"
            )
            return self._edit(params, text=text)
        if method == "editMessageReplyMarkup":
            return self._edit(params)
        if method == "sendMediaGroup":
            return self._media_group(params)
        if method == "answerCallbackQuery":
            return self._answer_query(params)
        if method == "getFile":
            return _file(params)
        if method in _TRUE_METHODS:
            return True
        raise _BotApiError(404, "Not Found")

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "UKM", "username": self.username}

    def _new_message(self, params: Mapping[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = _chat(params)
        _check_buttons(params.get("reply_markup"))
        self._message_ids[chat_id] += 1
        message = self._message(params, self._message_ids[chat_id], **content)
        if not _inline(params.get("reply_markup")):
            # Only inline keyboards belong to a message; reply keyboards are the chat's.
            message.pop("reply_markup", None)
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit(self, params: Mapping[str, Any], **content: Any) -> dict[str, Any]:
        """editMessageText / editMessageReplyMarkup of a message the bot sent."""
        chat_id = _chat(params)
        key = (chat_id, int(params.get("message_id", 0) or 0))
        old = self.messages.get(key)
        if old is None:
            raise _BotApiError(400, "Bad Request: message to edit not found")
        markup = params.get("reply_markup")
        if markup is not None and not _inline(markup):
            raise _BotApiError(400, "Bad Request: inline keyboard expected")
        _check_buttons(markup)
        new = {**old, **{k: v for k, v in content.items() if v is not None}}
        if markup:
            new["reply_markup"] = markup
        else:
            new.pop("reply_markup", None)
        if new == old:
            raise _BotApiError(
                400,
                "Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message",
            )
        new["edit_date"] = int(time.time())
        self.messages[key] = new
        return new

    def _media_group(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        media = params.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise _BotApiError(400, "Bad Request: media group must include 2-10 items")
        group = f"{int(time.time() * 1000)}"
        sent = []
        for item in media:
            kind = item.get("type") if isinstance(item, dict) else None
            if kind not in {"photo", "video", "document", "audio"}:
                raise _BotApiError(400, "Bad Request: wrong type of the media")
            content: dict[str, Any] = {"media_group_id": group}
            if kind == "photo":
                content["photo"] = _photo_sizes({"photo": item.get("media")}, {})
            else:
                content[kind] = {"file_id": str(item.get("media")), "file_unique_id": "AgADv"}
            if item.get("caption"):
                content["caption"] = str(item["caption"])
            sent.append(self._new_message({"chat_id": params.get("chat_id")}, **content))
        return sent

    def _answer_query(self, params: Mapping[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        if query_id not in self._open_queries:
            raise _BotApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        if len(str(params.get("text", ""))) > MAX_CALLBACK_ANSWER:
            raise _BotApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        self.answers[query_id] = params
        return True

    def open_query(self, query_id: str) -> None:
        """A callback query the bot may answer once (`TelegramUser.press` opens one)."""
        self._open_queries.add(query_id)

    def replies_to(self, chat_id: int | str) -> list[BotApiCall]:
        """Successful messages and edits to `chat_id`, in order."""
        return [
            c
            for c in self.calls
            if c.chat_id == chat_id
            and c.status == 200
            and (c.method in SEND_METHODS or c.method.startswith("editMessage"))
        ]

    def last_message(self, chat_id: int | str) -> dict[str, Any]:
        """The newest message the bot sent to `chat_id` (as it is now, after edits)."""
        ids = [message_id for chat, message_id in self.messages if chat == chat_id]
        if not ids:
            raise LookupError(f"nothing was sent to {chat_id}")
        return self.messages[(chat_id, max(ids))]

    def message_with_button(self, chat_id: int | str, data: str) -> dict[str, Any]:
        """The newest message to `chat_id` that carries a button with callback `data`."""
        for (chat, _), message in sorted(
            self.messages.items(), key=lambda item: item[0][1], reverse=True
        ):
            if chat == chat_id and data in _button_data(message):
                return message
        raise LookupError(f"no message to {chat_id} has a button {data!r}")

    def _message(
        self, params: Mapping[str, Any], message_id: int, **content: Any
    ) -> dict[str, Any]:
        chat_id = _chat(params)
        chat: dict[str, Any] = (
            {"id": chat_id, "type": "private", "first_name": "Test"}
            if isinstance(chat_id, int) and chat_id > 0
            else {"id": chat_id, "type": "supergroup", "title": "Test group"}
        )
        message: dict[str, Any] = {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": chat,
            "date": int(time.time()),
        }
        message.update({key: value for key, value in content.items() if value is not None})
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    async def _get_updates(self, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        self.confirmed_offset = max(self.confirmed_offset, offset)
        limit = int(params.get("limit", 100) or 100)
        timeout = min(float(params.get("timeout", 0) or 0), LONG_POLL_CAP)
        # An offset confirms every update before it: Telegram forgets them for good.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and not self._redeliveries and timeout > 0:
            self._update_arrived.clear()
            self.waiting_polls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._update_arrived.wait(), timeout)
            finally:
                self.waiting_polls -= 1
        if self._redeliveries:
            again, self._redeliveries = self._redeliveries[:limit], self._redeliveries[limit:]
            return again
        return self._updates[:limit]


def _inline(markup: object) -> bool:
    return isinstance(markup, dict) and "inline_keyboard" in markup


def _button_data(message: Mapping[str, Any]) -> list[str]:
    markup = message.get("reply_markup") or {}
    return [
        str(button.get("callback_data"))
        for row in markup.get("inline_keyboard", [])
        for button in row
        if button.get("callback_data") is not None
    ]


def _file(params: Mapping[str, Any]) -> dict[str, Any]:
    file_id = str(params.get("file_id", ""))
    if not file_id:
        raise _BotApiError(400, "Bad Request: file_id not specified")
    return {
        "file_id": file_id,
        "file_unique_id": f"u{abs(hash(file_id)) % 10**8}",
        "file_size": 20480,
        "file_path": f"photos/{file_id}.jpg",
    }


class _BotApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _failure_response(failure: Failure) -> web.Response:
    if failure.html_body:
        page = f"<html><body><h1>{failure.status} {failure.description}</h1></body></html>"
        return web.Response(status=failure.status, text=page, content_type="text/html")
    if failure.retry_after is not None:
        response = _error(failure.status, failure.description, retry_after=failure.retry_after)
        response.headers["Retry-After"] = str(failure.retry_after)
        return response
    return _error(failure.status, failure.description)


async def _read_parameters(request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Parameters from the query, a form (urlencoded or multipart) or a JSON body."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, bytes] = {}
    if request.content_type == "application/json":
        body = await request.json()
        params.update(body if isinstance(body, dict) else {})
    elif request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is not None:
                files[part.name] = await part.read()
            else:
                params[part.name] = _decode_form_field(part.name, await part.text())
    elif request.can_read_body:
        for name, value in (await request.post()).items():
            if isinstance(value, str):
                params[name] = _decode_form_field(name, value)
    if isinstance(params.get("chat_id"), str) and params["chat_id"].lstrip("-").isdigit():
        params["chat_id"] = int(params["chat_id"])
    return params, files


def _decode_form_field(name: str, value: str) -> Any:
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _chat(params: Mapping[str, Any]) -> int | str:
    chat_id = params.get("chat_id")
    if chat_id in (None, ""):
        raise _BotApiError(400, "Bad Request: chat_id is empty")
    if isinstance(chat_id, str) and not chat_id.startswith("@"):
        raise _BotApiError(400, "Bad Request: chat not found")
    if not isinstance(chat_id, int | str):
        raise _BotApiError(400, "Bad Request: chat_id is empty")
    return chat_id


def _check_buttons(markup: object) -> None:
    if markup is None:
        return
    rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise _BotApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            data = button.get("callback_data")
            if not button.get("text"):
                raise _BotApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            if data is not None and not 1 <= len(str(data).encode()) <= MAX_CALLBACK_DATA:
                raise _BotApiError(400, "Bad Request: BUTTON_DATA_INVALID")


def _checked_html(
    params: Mapping[str, Any], name: str, limit: int, empty: str | None, too_long: str
) -> str | None:
    """The visible text of an HTML parameter, refused as Telegram refuses it."""
    raw = params.get(name)
    if raw is None or raw == "":
        if empty is not None:
            raise _BotApiError(400, f"Bad Request: {empty}")
        return None
    text = str(raw)
    if params.get("parse_mode") == "HTML":
        text = _visible_text(text)
    if not text.strip() and empty is not None:
        raise _BotApiError(400, f"Bad Request: {empty}")
    if len(text) > limit:
        raise _BotApiError(400, f"Bad Request: {too_long}")
    return text


def _visible_text(html: str) -> str:
    parser = _TelegramHtml()
    parser.feed(html)
    parser.close()
    if parser.open_tags:
        raise _BotApiError(
            400,
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{parser.open_tags[-1]}"',
        )
    return "".join(parser.text)


class _TelegramHtml(HTMLParser):
    """The subset of HTML the Bot API accepts with `parse_mode=HTML`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open_tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_TAGS:
            raise _BotApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.open_tags.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open_tags or self.open_tags[-1] != tag:
            raise _BotApiError(
                400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"'
            )
        self.open_tags.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _photo_sizes(params: Mapping[str, Any], files: Mapping[str, bytes]) -> list[dict[str, Any]]:
    reference = str(params.get("photo", "uploaded"))
    size = len(files.get("photo", b"")) or 20480
    return [
        {
            "file_id": f"{reference}-s",
            "file_unique_id": "AQADs",
            "width": 90,
            "height": 67,
            "file_size": size // 20,
        },
        {
            "file_id": f"{reference}-m",
            "file_unique_id": "AQADm",
            "width": 800,
            "height": 600,
            "file_size": size,
        },
    ]


@dataclass
class TelegramUser:
    """A person writing to the bot in a private chat: builds the updates their actions cause,
    shaped as the Bot API documents them (`Update`, `Message`, `Contact`, `PhotoSize`,
    `Video`, `CallbackQuery`), and pushes them to `api`."""

    api: LocalBotApi
    id: int
    first_name: str = "Test"
    last_name: str = ""
    language_code: str = "ru"
    _next_message_id: int = 10_000
    _next_file: int = 0

    def user(self) -> dict[str, Any]:
        """The `User` object of this person."""
        user: dict[str, Any] = {
            "id": self.id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }
        if self.last_name:
            user["last_name"] = self.last_name
        return user

    def chat(self) -> dict[str, Any]:
        """Their private chat with the bot (its id is the user's id)."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    def _message(self, **content: Any) -> dict[str, Any]:
        self._next_message_id += 1
        return {
            "message_id": self._next_message_id,
            "from": self.user(),
            "chat": self.chat(),
            "date": int(time.time()),
            **content,
        }

    def message_update(self, **content: Any) -> dict[str, Any]:
        """An update with a new message from this person (no `update_id` yet)."""
        return {"message": self._message(**content)}

    def text(self, text: str) -> int:
        """The person types `text` (a leading /command gets its `bot_command` entity)."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            length = len(text.split(maxsplit=1)[0])
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self.api.push_update(self.message_update(**content))

    def contact(self, phone_number: str, *, own: bool = True) -> int:
        """The person shares a contact (their own with the keyboard button, or someone's)."""
        contact: dict[str, Any] = {"phone_number": phone_number, "first_name": self.first_name}
        contact["user_id"] = self.id if own else self.id + 1
        return self.api.push_update(self.message_update(contact=contact))

    def _file_ids(self, kind: str) -> tuple[str, str]:
        self._next_file += 1
        return f"{kind}-{self.id}-{self._next_file}", f"uq{self.id}x{self._next_file}"

    def photo(self, *, media_group_id: str | None = None, caption: str | None = None) -> int:
        """The person sends a photo (Telegram delivers several sizes, the largest last)."""
        file_id, unique = self._file_ids("photo")
        sizes = [
            {
                "file_id": f"{file_id}-s",
                "file_unique_id": f"{unique}s",
                "width": 90,
                "height": 67,
                "file_size": 1200,
            },
            {
                "file_id": file_id,
                "file_unique_id": unique,
                "width": 1280,
                "height": 960,
                "file_size": 98_000,
            },
        ]
        content: dict[str, Any] = {"photo": sizes}
        if media_group_id:
            content["media_group_id"] = media_group_id
        if caption:
            content["caption"] = caption
        return self.api.push_update(self.message_update(**content))

    def video(self) -> int:
        """The person sends a short video."""
        file_id, unique = self._file_ids("video")
        video = {
            "file_id": file_id,
            "file_unique_id": unique,
            "width": 640,
            "height": 360,
            "duration": 5,
            "mime_type": "video/mp4",
            "file_size": 450_000,
        }
        return self.api.push_update(self.message_update(video=video))

    def document(self, *, file_name: str = "scan.pdf", mime_type: str = "application/pdf") -> int:
        """The person sends a file (a `Document`: a scan, a PDF…)."""
        file_id, unique = self._file_ids("document")
        document = {
            "file_id": file_id,
            "file_unique_id": unique,
            "file_name": file_name,
            "mime_type": mime_type,
            "file_size": 210_000,
        }
        return self.api.push_update(self.message_update(document=document))

    def sticker(self) -> int:
        """Something no step expects."""
        sticker = {
            "file_id": "sticker-1",
            "file_unique_id": "st1",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self.api.push_update(self.message_update(sticker=sticker))

    def press(self, data: str, *, message: Mapping[str, Any] | None = None) -> int:
        """The person presses the button with callback `data` on `message` (default: the
        newest message the bot sent them with such a button). Forged data needs `message`."""
        on = message if message is not None else self.api.message_with_button(self.id, data)
        self._next_message_id += 1
        query = {
            "id": f"{self.id}{self._next_message_id}",
            "from": self.user(),
            "message": dict(on),
            "chat_instance": f"ci{self.id}",
            "data": data,
        }
        return self.api.push_update({"callback_query": query})


@asynccontextmanager
async def running_bot_api(
    *, token: str | None = None, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[LocalBotApi]:
    """Serve a Bot API on a free port of 127.0.0.1 (HTTPS when `ssl_context` is given)."""
    server = LocalBotApi() if token is None else LocalBotApi(token=token)
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    # Port 0: the kernel picks and binds in one step, so nothing can take the port meanwhile.
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    host, port = runner.addresses[0][:2]
    scheme = "https" if ssl_context is not None else "http"
    server.base_url = f"{scheme}://{host}:{port}"
    try:
        yield server
    finally:
        # Long polls still open (a client that went away) would hold the shutdown up.
        server.wake_pollers()
        await runner.cleanup()
