"""Sustained deliveries per second to the local Bot API, our own pacing lifted.

Thousands of deliveries are queued at once: announcements sent directly (tests/perf/
notify_direct.py) to hundreds of residents, each resident getting several in a row (so the
worker meets per-chat order as it would). The rate is measured where the calls arrive, from
the first to the last. Baseline, in the same run: a plain httpx client in its own process
(tests/perf/notify_baseline.py) sending as many `sendMessage` calls, same payloads and the
worker's concurrency, to the same server: the stand-in's own ceiling. CPU per delivery of each
component is read from /proc meanwhile (the bench process is the Bot API server).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.perf.bot_api import BOT_TOKEN, Arrival, TimedBotApi
from tests.perf.cpu import CLIENT, OTHER, CpuSnapshot
from tests.perf.load import BenchError, Metadata
from tests.perf.notify_direct import announcement, broadcast, settled_states
from tests.perf.notify_people import Recipient
from tests.perf.stack import ROOT

FLOOD = "990002"
BASELINE = "990004"
PROFILED = "990005"  # a second flood, sampled (--profile), outside the figures
# CPU by component: the service, what it calls (users for contacts, Envoy between them), the
# stores, and the bench process (the Bot API server answering every call).
CPU_COMPONENTS = ("notifications", "postgres", "redis", "nats", "users", "envoy")
BOT_API = "bot_api"


@dataclass(frozen=True)
class Rate:
    """Calls that arrived and how fast (first to last)."""

    calls: int
    seconds: float

    @property
    def per_s(self) -> float:
        """Calls per second between the first and the last."""
        return (self.calls - 1) / self.seconds if self.seconds > 0 else 0.0


def rate_of(arrivals: Sequence[Arrival]) -> Rate:
    """The rate of `arrivals` (in arrival order)."""
    if len(arrivals) < 2:
        return Rate(len(arrivals), 0.0)
    return Rate(len(arrivals), arrivals[-1].at - arrivals[0].at)


def out_of_order_chats(arrivals: Sequence[Arrival]) -> int:
    """Chats whose announcements arrived in another order than they were sent."""
    seen: dict[int | str | None, list[int]] = {}
    for arrival in arrivals:
        seen.setdefault(arrival.chat_id, []).append(int(arrival.number.rsplit("-", 1)[1]))
    return sum(1 for order in seen.values() if order != sorted(order))


@dataclass(frozen=True)
class ThroughputResult:
    """Figures of the flood and of its baseline."""

    deliveries: int
    recipients: int
    per_recipient: int
    concurrency: int  # the worker's (UKM_NOTIFY_CONCURRENCY default), the baseline's too
    queued_s: float  # until every direct send had answered
    service: Rate
    baseline: Rate
    baseline_cpu_us_per_call: float  # the plain client's own
    out_of_order_chats: int
    states: dict[str, int]
    cpu_us_per_delivery: dict[str, float]
    other_cores: float

    @property
    def ratio(self) -> float:
        """The service's rate over the stand-in's ceiling."""
        return self.service.per_s / self.baseline.per_s if self.baseline.per_s > 0 else 0.0

    def as_dict(self) -> dict[str, Any]:
        """The JSON section."""
        return {
            "deliveries": self.deliveries,
            "recipients": self.recipients,
            "per_recipient": self.per_recipient,
            "concurrency": self.concurrency,
            "queued_s": self.queued_s,
            "per_s": self.service.per_s,
            "seconds": self.service.seconds,
            "baseline_per_s": self.baseline.per_s,
            "baseline_seconds": self.baseline.seconds,
            "ratio": self.ratio,
            "baseline_cpu_us_per_call": self.baseline_cpu_us_per_call,
            "out_of_order_chats": self.out_of_order_chats,
            "states": self.states,
            "cpu_us_per_delivery": self.cpu_us_per_delivery,
            "other_cores": self.other_cores,
        }


async def stand_in_ceiling(
    bot: TimedBotApi, chats: Sequence[int], rounds: int, concurrency: int
) -> tuple[Rate, float]:
    """The baseline: `rounds` messages to every chat from a plain client process; returns the
    rate and the client's CPU µs per call."""
    mark = len(bot.arrivals)
    job = {
        "url": bot.base_url,
        "token": BOT_TOKEN,
        "concurrency": concurrency,
        "chats": list(chats),
        "texts": [announcement(f"{BASELINE}-{k + 1}") for k in range(rounds)],
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.perf.notify_baseline",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate(json.dumps(job).encode())
    if process.returncode != 0:
        raise BenchError(f"the httpx baseline failed: {out.decode()[-500:]} {err.decode()[-500:]}")
    arrivals = [a for a in bot.since(mark, BASELINE) if a.status == 200]
    if len(arrivals) != len(chats) * rounds:
        raise BenchError(f"the httpx baseline: {len(arrivals)} of {len(chats) * rounds} arrived")
    cpu_s = float(json.loads(out.decode().strip().splitlines()[-1])["cpu_s"])
    return rate_of(arrivals), cpu_s / len(arrivals) * 1e6


async def measure_throughput(
    bot: TimedBotApi,
    engine: AsyncEngine,
    groups: Callable[[], dict[str, int]],
    edge_address: str,
    metadata: Callable[[], Awaitable[Metadata]],
    recipients: Sequence[Recipient],
    *,
    per_recipient: int,
    concurrency: int,
    prefix: str = FLOOD,
) -> ThroughputResult:
    """The baseline, then the flood: `per_recipient` announcements to every recipient
    (numbered `<prefix>-k`)."""
    chats = [r.chat_id for r in recipients]
    baseline, baseline_cpu = await stand_in_ceiling(bot, chats, per_recipient, concurrency)
    expected = len(recipients) * per_recipient
    numbers = [f"{prefix}-{k + 1}" for k in range(per_recipient)]
    subject = f"bench-flood-{prefix}"
    mark = len(bot.arrivals)
    before = CpuSnapshot.take(groups())
    started = time.monotonic()
    queued = await broadcast(
        edge_address, metadata, [r.user_id for r in recipients], numbers, subject=subject
    )

    def arrived() -> list[Arrival]:
        return [a for a in bot.since(mark, prefix) if a.status == 200]

    within = 60.0 + expected / 50
    await bot.wait_for(lambda: len(arrived()) >= expected, within=within, poll=0.02)
    spent = before.until(CpuSnapshot.take(groups()))
    busy = time.monotonic() - started
    calls = arrived()
    distinct = {(a.chat_id, a.number) for a in calls}
    if len(distinct) != expected:
        raise BenchError(f"{len(distinct)} of {expected} announcements reached the Bot API")
    if len(calls) != expected:
        raise BenchError(f"{len(calls) - expected} announcements were sent twice")
    found = await settled_states(engine, subject, expected)
    service = rate_of(calls)
    cpu = {name: spent.get(name, 0.0) / expected * 1e6 for name in CPU_COMPONENTS}
    cpu[BOT_API] = spent[CLIENT] / expected * 1e6
    return ThroughputResult(
        deliveries=expected,
        recipients=len(recipients),
        per_recipient=per_recipient,
        concurrency=concurrency,
        queued_s=queued,
        service=service,
        baseline=baseline,
        baseline_cpu_us_per_call=baseline_cpu,
        out_of_order_chats=out_of_order_chats(calls),
        states=found,
        cpu_us_per_delivery=cpu,
        other_cores=spent[OTHER] / busy if busy > 0 else 0.0,
    )
