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
callback data over 64 bytes → 400). Every call is recorded in `server.calls`.

Knobs for failure paths: `fail_next(failure, times)` for the next calls, `fail_chat(chat,
failure)` for one chat until `heal_chat`; failures are 429 with retry_after, 403 blocked or
deactivated, 400 chat not found, a JSON 500, an HTML 502 from a proxy, or a stall (the call
takes effect but the answer comes late, as when a client times out). `push_update` feeds
`getUpdates` (long polling honoured) for bot tests; `handlers[method]` overrides a method.

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

SEND_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup"})
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
        "answerCallbackQuery",
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
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _next_update_id: int = 1
    _update_arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def bot_id(self) -> int:
        """The bot's user id: the number before the colon of its token."""
        return int(self.token.split(":", 1)[0])

    def fail_next(
        self, failure: Failure, times: int = 1, methods: Collection[str] = SEND_METHODS
    ) -> None:
        """Answer the next `times` calls of `methods` with `failure`."""
        self._planned.append(_Planned(failure, times, frozenset(methods)))

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
        self._updates.append({**update, "update_id": update_id})
        self._update_arrived.set()
        return update_id

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        return app

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        token, method = request.match_info["token"], request.match_info["method"]
        params, files = await _read_parameters(request)
        if token != self.token:
            return self._record(token, method, params, files, _error(401, "Unauthorized"))
        failure = self._failure_for(method, params.get("chat_id"))
        if failure is not None and not failure.stall_seconds:
            return self._record(token, method, params, files, _failure_response(failure))
        try:
            result = await self._dispatch(method, params, files)
        except _BotApiError as refusal:
            return self._record(token, method, params, files, _error(refusal.status, str(refusal)))
        response = web.json_response({"ok": True, "result": result})
        self._record(token, method, params, files, response)
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
    ) -> web.Response:
        self.calls.append(BotApiCall(token, method, params, files, response.status))
        return response

    def _failure_for(self, method: str, chat_id: object) -> Failure | None:
        chat_failure = self._chat_failures.get(chat_id) if isinstance(chat_id, int | str) else None
        if method in SEND_METHODS and chat_failure is not None:
            return chat_failure
        for planned in self._planned:
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
        if method == "editMessageText":
            text = _checked_html(
                params, "text", MAX_TEXT, "message text is empty", "message is too long"
            )
            return self._message(params, int(params.get("message_id", 0)), text=text)
        if method in _TRUE_METHODS:
            return True
        raise _BotApiError(404, "Not Found")

    def _bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "UKM", "username": self.username}

    def _new_message(self, params: Mapping[str, Any], **content: Any) -> dict[str, Any]:
        chat_id = _chat(params)
        _check_buttons(params.get("reply_markup"))
        self._message_ids[chat_id] += 1
        return self._message(params, self._message_ids[chat_id], **content)

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
        limit = int(params.get("limit", 100) or 100)
        timeout = min(float(params.get("timeout", 0) or 0), LONG_POLL_CAP)
        # An offset confirms every update before it: Telegram forgets them for good.
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates and timeout > 0:
            self._update_arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._update_arrived.wait(), timeout)
        return self._updates[:limit]


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
        await runner.cleanup()
