"""Telegram on one machine: what `make up` runs when no bot token is configured.

It is the local Bot API server the tests use (tests/support/telegram_api.py: the real wire
protocol, so the bot and the notifications service run their real clients against it), run as
a process on 127.0.0.1, plus a small control API under `/sandbox/` through which `ukm telegram`
acts as people: type a message, press a button, share a phone number, send a photo, read the
chat. Everything the bot or the notifications service sends also lands in the development
outbox (`.ukm/outbox.jsonl`, `ukm outbox`), next to the e-mails and SMS that had no provider.

    python -m mesh.sandbox --port 18081 --root .ukm

Development only: nothing here is for production, and the tests folder it borrows from is not
in the container images.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import signal
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.telegram_api import SEND_METHODS, BotApiCall, LocalBotApi, TelegramUser

TOKEN_FILE = "telegram-token"
USERNAME = "ukm_local_bot"


def sandbox_token(root: Path) -> str:
    """The local bot's token, made once per installation (a Bot API token's shape)."""
    path = root / TOKEN_FILE
    if path.exists() and path.read_text().strip():
        return path.read_text().strip()
    token = f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"
    root.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_text(token)
    return token


class Sandbox:
    """The Bot API server, the people acting in it, and the outbox log of what it delivered."""

    def __init__(self, root: Path) -> None:
        self.api = LocalBotApi(token=sandbox_token(root), username=USERNAME)
        # Update ids keep growing across restarts: a bot that outlives the sandbox must not
        # skip new updates as already confirmed.
        self.api._next_update_id = int(time.time())
        self.outbox = root / "outbox.jsonl"
        self.people: dict[int, TelegramUser] = {}
        self.said: list[dict[str, Any]] = []  # what people did, for `ukm telegram chat`
        self._logged = 0

    def person(self, user_id: int, name: str = "", language: str = "ru") -> TelegramUser:
        """The Telegram user `user_id` (made on first use)."""
        if user_id not in self.people:
            self.people[user_id] = TelegramUser(
                self.api, user_id, first_name=name or f"User {user_id}", language_code=language
            )
        return self.people[user_id]

    def app(self) -> web.Application:
        """The Bot API (`/bot<token>/<method>`) and the control API (`/sandbox/…`)."""
        app = self.api.app()
        app.middlewares.append(self._log_deliveries)
        app.router.add_get("/sandbox/health", self._health)
        app.router.add_post("/sandbox/act", self._act)
        app.router.add_get("/sandbox/chat/{user}", self._chat)
        return app

    @web.middleware
    async def _log_deliveries(
        self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        response = await handler(request)
        for call in self.api.calls[self._logged :]:
            if call.status == 200 and _delivers(call):
                self._append(call)
        self._logged = len(self.api.calls)
        return response

    def _append(self, call: BotApiCall) -> None:
        params = call.params
        markup = params.get("reply_markup")
        rows = markup.get("inline_keyboard", []) if isinstance(markup, dict) else []
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "channel": "telegram",
            "to": str(call.chat_id),
            "subject": "(edited)" if call.method.startswith("editMessage") else "",
            "text": str(params.get("text") or params.get("caption") or f"[{call.method}]"),
            "buttons": [[str(b.get("text", "")) for b in row] for row in rows],
        }
        with self.outbox.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry, ensure_ascii=False) + "\n")

    async def _health(self, request: web.Request) -> web.Response:
        return web.json_response({"ok": True, "bot_polling": self.api.waiting_polls > 0})

    async def _act(self, request: web.Request) -> web.Response:
        body = await request.json()
        who = self.person(int(body["user"]), str(body.get("name", "")), body.get("language", "ru"))
        action = body.get("action")
        try:
            if action == "text":
                update = who.text(str(body["text"]))
            elif action == "press":
                update = who.press(self._button(who.id, str(body["label"])))
            elif action == "contact":
                update = who.contact(str(body["phone"]))
            elif action == "photo":
                update = who.photo()
            else:
                refusal = {"ok": False, "error": f"unknown action {action}"}
                return web.json_response(refusal, status=400)
        except LookupError as missing:
            return web.json_response({"ok": False, "error": str(missing)}, status=404)
        self.said.append({"user": who.id, "action": action, "at": time.time(), **body})
        return web.json_response({"ok": True, "update_id": update})

    def _button(self, chat_id: int, label: str) -> str:
        """The callback data of the newest button to `chat_id` whose label contains `label`."""
        wanted = label.casefold()
        for (chat, _), message in sorted(
            self.api.messages.items(), key=lambda item: item[0][1], reverse=True
        ):
            if chat != chat_id:
                continue
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if wanted in str(button.get("text", "")).casefold() and button.get(
                        "callback_data"
                    ):
                        return str(button["callback_data"])
        raise LookupError(f"no button like {label!r} in the chat with {chat_id}")

    async def _chat(self, request: web.Request) -> web.Response:
        user = int(request.match_info["user"])
        bot_says = [
            {
                "from": "bot",
                "message_id": message_id,
                "text": message.get("text") or message.get("caption") or "",
                "buttons": [
                    [str(b.get("text", "")) for b in row]
                    for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
                ],
            }
            for (chat, message_id), message in sorted(
                self.api.messages.items(), key=lambda item: item[0][1]
            )
            if chat == user
        ]
        person_said = [
            {"from": "you", "action": s["action"], "text": s.get("text") or s.get("label", "")}
            for s in self.said
            if s["user"] == user
        ]
        return web.json_response({"bot": bot_says, "you": person_said})


def _delivers(call: BotApiCall) -> bool:
    return call.method in SEND_METHODS or call.method.startswith("editMessage")


async def serve(root: Path, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    sandbox = Sandbox(root)
    runner = web.AppRunner(sandbox.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    print(f"local Telegram Bot API on http://127.0.0.1:{port} (bot @{USERNAME})", flush=True)
    try:
        await stop.wait()
    finally:
        sandbox.api.wake_pollers()
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """`python -m mesh.sandbox --port P --root DIR`."""
    parser = argparse.ArgumentParser(prog="python -m mesh.sandbox")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.root, args.port))


if __name__ == "__main__":
    main()
