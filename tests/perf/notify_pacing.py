"""Within Telegram's limits when configured for production (30 messages a second per bot, one a
second per chat: the channel's defaults): a burst of announcements to tens of chats, queued at
once (tests/perf/notify_direct.py), and what the Bot API saw — the most calls in any one-second
window, overall and per chat, the shortest gap between two calls to one chat, the sustained
rate — and that nothing was lost: every delivery reached a final state, every announcement
arrived exactly once. Calls the service held back itself (our pacer's wait would have been too
long) go back to the queue and come again later; they are not provider calls.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.notifications.delivery import FINAL_STATES
from tests.perf.bot_api import Arrival, TimedBotApi
from tests.perf.load import BenchError, Metadata
from tests.perf.notify_direct import broadcast, settled_states
from tests.perf.notify_people import Recipient
from tests.perf.notify_throughput import rate_of

BURST = "990003"
SUBJECT = "bench-burst"


def busiest_window(times: Sequence[float], width: float = 1.0) -> int:
    """The most of `times` (seconds, any order) inside any half-open window [t, t + width)."""
    ordered = sorted(times)
    best = 0
    for i, start in enumerate(ordered):
        best = max(best, bisect.bisect_left(ordered, start + width, lo=i) - i)
    return best


def by_chat(arrivals: Sequence[Arrival]) -> dict[int | str | None, list[float]]:
    """Arrival times per chat."""
    chats: dict[int | str | None, list[float]] = {}
    for arrival in arrivals:
        chats.setdefault(arrival.chat_id, []).append(arrival.at)
    return chats


def gaps(times: Sequence[float]) -> list[float]:
    """The times between consecutive `times`, in order."""
    return [b - a for a, b in itertools.pairwise(sorted(times))]


@dataclass(frozen=True)
class PacingResult:
    """What the Bot API saw of the burst."""

    deliveries: int
    chats: int
    per_chat: int
    limit_per_s: float
    chat_limit_per_s: float
    seconds: float  # first to last call
    per_s: float  # sustained
    peak_1s: int  # most calls in any one-second window
    chat_peak_1s: int  # the same, for the busiest chat
    chat_gap_min_ms: float  # shortest time between two calls to one chat
    chat_gaps: int  # consecutive calls to one chat, all chats
    chat_gaps_short: int  # … closer than the chat limit allows (1 s)
    chat_gaps_short_first: int  # … of which between a chat's first and second call
    states: dict[str, int]
    unsettled: int  # deliveries not in a final state once the burst was over
    missing: int  # announcements that never reached their chat

    def as_dict(self) -> dict[str, Any]:
        """The JSON section."""
        return dict(vars(self))


async def measure_pacing(
    bot: TimedBotApi,
    engine: AsyncEngine,
    edge_address: str,
    metadata: Callable[[], Awaitable[Metadata]],
    recipients: Sequence[Recipient],
    *,
    per_chat: int,
    limit_per_s: float,
    chat_limit_per_s: float,
) -> PacingResult:
    """`per_chat` announcements to each recipient, queued at once, under production pacing."""
    expected = len(recipients) * per_chat
    mark = len(bot.arrivals)
    await broadcast(
        edge_address,
        metadata,
        [r.user_id for r in recipients],
        [f"{BURST}-{k + 1}" for k in range(per_chat)],
        subject=SUBJECT,
    )

    def arrived() -> list[Arrival]:
        return [a for a in bot.since(mark, BURST) if a.status == 200]

    # Twice what the limits need, and time for the held-back ones to come back.
    needed = max(expected / limit_per_s, per_chat / chat_limit_per_s)
    await bot.wait_for(lambda: len(arrived()) >= expected, within=2 * needed + 20, poll=0.05)
    calls = arrived()
    if len({(a.chat_id, a.number) for a in calls}) != len(calls):
        raise BenchError("an announcement of the burst reached a chat twice")
    found = await settled_states(engine, SUBJECT, expected)
    final = sum(n for state, n in found.items() if state in FINAL_STATES)
    per_chat_gaps = [gaps(times) for times in by_chat(calls).values()]
    every_gap = [g for found_gaps in per_chat_gaps for g in found_gaps]
    interval = 1 / chat_limit_per_s
    rate = rate_of(calls)
    return PacingResult(
        deliveries=expected,
        chats=len(recipients),
        per_chat=per_chat,
        limit_per_s=limit_per_s,
        chat_limit_per_s=chat_limit_per_s,
        seconds=rate.seconds,
        per_s=rate.per_s,
        peak_1s=busiest_window([a.at for a in calls]),
        chat_peak_1s=max((busiest_window(t) for t in by_chat(calls).values()), default=0),
        chat_gap_min_ms=min(every_gap) * 1000 if every_gap else 0.0,
        chat_gaps=len(every_gap),
        chat_gaps_short=sum(1 for g in every_gap if g < interval),
        chat_gaps_short_first=sum(1 for found in per_chat_gaps if found and found[0] < interval),
        states=found,
        unsettled=expected - final,
        missing=expected - len(calls),
    )
