"""The development outbox: a channel that writes messages to a file instead of a provider.

`make up` on a machine without provider credentials uses it for every channel it cannot
reach for real (`UKM_NOTIFY_DEV_OUTBOX`), so a status change made with curl shows up as a
notification that anyone can read (`ukm outbox`) — nothing is silently dropped. Each message
is one JSON line: when, the channel, the address, the subject, the text and its buttons.
Never configured in production (the messages hold personal data in clear).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from services.notifications.channels.base import ChannelKind, OutboundMessage, Outcome, Sent


class OutboxChannel:
    """Appends `kind`'s messages to `path`; shares one lock per file between its channels."""

    _locks: ClassVar[dict[Path, asyncio.Lock]] = {}
    _numbers: ClassVar[Iterator[int]] = itertools.count(1)

    def __init__(self, kind: ChannelKind, path: Path) -> None:
        self._kind = kind
        self.path = path
        self._lock = self._locks.setdefault(path.resolve(), asyncio.Lock())

    @property
    def kind(self) -> ChannelKind:
        """The channel this outbox stands in for."""
        return self._kind

    async def send(self, message: OutboundMessage) -> Outcome:
        """Append the message; it is "sent" once written."""
        record = {
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
            "channel": self._kind.value,
            "to": message.address,
            "subject": message.subject or "",
            "text": message.text,
            "buttons": [[b.label for b in row] for row in message.buttons],
            "key": message.idempotency_key,
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        async with self._lock:
            await asyncio.to_thread(self._append, line)
        return Sent(f"outbox-{next(self._numbers)}")

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as file:
            file.write(line)

    async def aclose(self) -> None:
        """Nothing to release."""
