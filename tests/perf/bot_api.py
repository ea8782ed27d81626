"""The Telegram Bot API the notifications figures send to: the tests' local server
(tests/support/telegram_api.py, Telegram's real wire protocol) noting when each sending call
arrived, served by the bench process on the port the stack chose for it.

Arrival times are this process's monotonic clock, the same clock the bench reads when it
publishes an event, so a latency is one subtraction. Messages are told apart by the bench's
request numbers in their text (`NUMBER`).
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from tests.support.telegram_api import SEND_METHODS, LocalBotApi

# The local server's own default token: a bot id, a colon, a secret (Telegram's shape).
BOT_TOKEN = LocalBotApi.token
# The bench's request numbers: `990<phase>-<n>` (no real request is numbered 990…).
NUMBER = re.compile(r"(?<![\d-])(990\d{3}-\d{1,7})(?!\d)")


@dataclass(frozen=True, slots=True)
class Arrival:
    """One sending call as the server received it."""

    at: float  # time.monotonic() of this process
    wall: float  # time.time(), to compare with the service's own timestamps
    chat_id: int | str | None
    number: str  # the bench's request number in the text ("" when there is none)
    status: int  # what the server answered


@dataclass
class TimedBotApi(LocalBotApi):
    """The local Bot API, also keeping `arrivals` (sending calls only, in arrival order)."""

    arrivals: list[Arrival] = field(default_factory=list)

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
        if method in SEND_METHODS:
            text = str(params.get("text") or params.get("caption") or "")
            found = NUMBER.search(text)
            chat = params.get("chat_id")
            self.arrivals.append(
                Arrival(
                    time.monotonic(),
                    time.time(),
                    chat if isinstance(chat, int | str) else None,
                    found.group(1) if found else "",
                    response.status,
                )
            )
        return super()._record(
            token, method, params, files, response, user_agent=user_agent, result=result
        )

    def since(self, mark: int, prefix: str = "") -> list[Arrival]:
        """Arrivals after the first `mark` ones, with a number starting with `prefix`."""
        return [a for a in self.arrivals[mark:] if a.number.startswith(prefix)]

    async def wait_for(
        self, done: Callable[[], bool], *, within: float, poll: float = 0.01
    ) -> bool:
        """Wait until `done()` holds (True) or `within` seconds passed (False)."""
        deadline = time.monotonic() + within
        while not done():
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(poll)
        return True


@asynccontextmanager
async def serving(port: int, host: str = "127.0.0.1") -> AsyncIterator[TimedBotApi]:
    """Serve the Bot API on `host:port` in this event loop while the block runs."""
    async with serving_api(TimedBotApi(), port, host) as server:
        yield server


Api = TypeVar("Api", bound=LocalBotApi)


@asynccontextmanager
async def serving_api(server: Api, port: int, host: str = "127.0.0.1") -> AsyncIterator[Api]:
    """Serve `server` (a local Bot API) on `host:port` in this event loop while the block
    runs."""
    runner = web.AppRunner(server.app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True, backlog=1024)
    await site.start()
    server.base_url = f"http://{host}:{port}"
    try:
        yield server
    finally:
        server.wake_pollers()
        await runner.cleanup()
