"""The stand-in's own ceiling: a plain httpx client sending `sendMessage` to the local Bot API
with the notifications worker's concurrency, nothing else (no database, no pacing, no
rendering). Run as its own process on uvloop, as the service is, so that it does not share the
bench's core with the server:

    python -m tests.perf.notify_baseline < job.json

`job.json`: {"url", "token", "concurrency", "chats": [...], "texts": [...]} — every text goes
to every chat (the text carries the request number the server counts by). The payload is the
channel's own (`build_call`), the client an `httpx.AsyncClient` as the channel makes it. Prints
how many calls failed (0 expected) and the CPU seconds the sending took (imports left out); the
rate is measured where the calls arrive.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

import httpx
import uvloop

from services.notifications.channels.base import OutboundMessage
from services.notifications.channels.telegram import build_call


async def send_all(job: dict[str, Any]) -> int:
    """Send every text to every chat, `concurrency` calls at a time; returns the failures."""
    url = f"{job['url'].rstrip('/')}/bot{job['token']}"
    calls: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
    for text in job["texts"]:
        for chat in job["chats"]:
            calls.put_nowait((int(chat), str(text)))
    failures = 0

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal failures
        while not calls.empty():
            chat, text = calls.get_nowait()
            message = OutboundMessage(address=str(chat), text=text, idempotency_key=f"{chat}")
            method, payload = build_call(message, chat)
            try:
                answer = await http.post(f"{url}/{method}", json=payload)
                if answer.status_code != 200:
                    failures += 1
            except httpx.HTTPError:
                failures += 1

    async with httpx.AsyncClient(timeout=10.0) as http:
        await asyncio.gather(*(worker(http) for _ in range(int(job["concurrency"]))))
    return failures


def main() -> int:
    """Read the job from stdin, send, print the failures."""
    job = json.loads(sys.stdin.read())
    started = time.process_time()
    failures = uvloop.run(send_all(job))
    print(json.dumps({"failures": failures, "cpu_s": time.process_time() - started}))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
