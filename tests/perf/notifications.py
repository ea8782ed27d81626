"""The notifications service's figures, against its real process in the bench stack
(`ukm serve notifications`, what a container runs), with the local Telegram Bot API served by
this process (tests/perf/bot_api.py) standing in for Telegram through `UKM_TELEGRAM_API_BASE`:

1. within Telegram's limits when configured for production (30 messages a second per bot, one
   a second per chat; the stack starts the service so): a burst to tens of chats
   (tests/perf/notify_pacing.py);
2. then the service is started again with our own pacing lifted (`UKM_TELEGRAM_MESSAGES_PER_
   SECOND` and `UKM_TELEGRAM_CHAT_MESSAGES_PER_SECOND` = 10 000: a self-hosted Bot API, or
   Telegram's paid broadcasts), for event → provider call latency at a steady 100 events/s
   against the broker's own delivery latency (tests/perf/notify_latency.py), and sustained
   deliveries per second against a plain client's ceiling (tests/perf/notify_throughput.py).

The worker keeps its defaults throughout (`UKM_NOTIFY_*` unset: batch 100, 64 calls in
flight, 20 messages a minute per person, contacts reused 30 s); each figure has its own people
(executors for the events, residents for the announcements), few enough messages each that the
per-person limit never holds one back. They are made first, and the service has read the
users' events about them before anything is timed. This runs before every other measurement:
the rest of the bench notifies only the bench's own people (no Telegram chat), and nothing of
this part is left queued when it ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from services.kit.crypto import Keyring
from services.kit.db import create_engine
from services.notifications.settings import DeliverySettings
from tests.perf import profile
from tests.perf.bot_api import TimedBotApi, serving
from tests.perf.notify_latency import PROFILED as PROFILED_EVENTS
from tests.perf.notify_latency import LatencyResult, measure_latency
from tests.perf.notify_pacing import PacingResult, measure_pacing
from tests.perf.notify_people import Chats, Recipient, make_recipients, settled
from tests.perf.notify_throughput import PROFILED, ThroughputResult, measure_throughput
from tests.perf.stack import NOTIFICATIONS, PRODUCTION_PACING

if TYPE_CHECKING:
    from tests.perf.measure import Bench

LIFTED_PACING = {
    "UKM_TELEGRAM_MESSAGES_PER_SECOND": "10000",
    "UKM_TELEGRAM_CHAT_MESSAGES_PER_SECOND": "10000",
}
# The worker's knobs the figures depend on, as the service has them (all defaults).
WORKER_KNOBS = (
    "batch_size",
    "concurrency",
    "poll_seconds",
    "recipient_limit",
    "recipient_window_seconds",
    "contacts_ttl_seconds",
)


def worker_defaults() -> dict[str, Any]:
    """The defaults of `UKM_NOTIFY_*` the service runs with (not this process's environment)."""
    fields = DeliverySettings.model_fields
    return {name: fields[name].default for name in WORKER_KNOBS}


@dataclass(frozen=True)
class NotificationFigures:
    """Everything the notifications part measured."""

    latency: LatencyResult
    throughput: ThroughputResult
    pacing: PacingResult
    people: int
    people_s: float
    restart_s: float
    events_published: int  # into the requests stream (the bench's drain check counts them)
    profile: dict[str, Any] | None = None

    def figures(self) -> dict[str, float]:
        """The values of the notifications goals (tests/perf/report.py GOALS)."""
        return {
            "notify_p99_ms": self.latency.p99_ms,
            "notify_per_s": self.throughput.service.per_s,
            "telegram_peak_1s": float(self.pacing.peak_1s),
            "telegram_chat_peak_1s": float(self.pacing.chat_peak_1s),
        }

    def as_dict(self) -> dict[str, Any]:
        """The report's `notifications` section."""
        section: dict[str, Any] = {
            "worker_settings": {
                "UKM_NOTIFY_*": "defaults",
                **worker_defaults(),
            },
            "pacing": {
                "burst": PRODUCTION_PACING,
                "latency_and_throughput": LIFTED_PACING,
            },
            "people": self.people,
            "people_s": self.people_s,
            "restart_s": self.restart_s,
            "latency": self.latency.as_dict(),
            "throughput": self.throughput.as_dict(),
            "telegram_limits": self.pacing.as_dict(),
        }
        if self.profile is not None:
            section["profile"] = self.profile
        return {"notifications": section}


async def measure_notifications(bench: Bench) -> NotificationFigures:
    """The three figures (and, with --profile, a sampled flood)."""
    stack, config, say = bench.stack, bench.config, bench.say
    engine = create_engine(stack.database_url, pool_size=4, application_name="ukm-bench")
    try:
        chats = Chats()
        keyring = Keyring.parse(stack.data_keys)
        say(
            f"  · notifications: {config.notify_chats} + {config.notify_executors} + "
            f"{config.notify_residents} people with Telegram chats"
        )
        started = time.monotonic()
        burst_people = await make_recipients(
            engine, keyring, chats, config.notify_chats, role="applicant", label="neighbour"
        )
        executors = await make_recipients(
            engine,
            keyring,
            chats,
            config.notify_executors,
            role="executor",
            label="plumber",
            specializations=("plumber",),
        )
        residents = await make_recipients(
            engine, keyring, chats, config.notify_residents, role="applicant", label="resident"
        )
        await settled(engine, bench.nc)
        people_s = time.monotonic() - started
        people = len(burst_people) + len(executors) + len(residents)
        metadata = bench.session.metadata
        concurrency = int(worker_defaults()["concurrency"])
        async with serving(stack.ports.bot_api) as bot:
            say(
                f"  · notifications, production pacing: {config.notify_per_chat} announcements "
                f"to each of {config.notify_chats} chats at once"
            )
            pacing = await measure_pacing(
                bot,
                engine,
                stack.edge_address,
                metadata,
                burst_people,
                per_chat=config.notify_per_chat,
                limit_per_s=float(PRODUCTION_PACING["UKM_TELEGRAM_MESSAGES_PER_SECOND"]),
                chat_limit_per_s=float(PRODUCTION_PACING["UKM_TELEGRAM_CHAT_MESSAGES_PER_SECOND"]),
            )
            say(
                f"    {pacing.per_s:.1f}/s sustained, at most {pacing.peak_1s} calls in a second "
                f"and {pacing.chat_peak_1s} per chat; restarting the service, pacing lifted"
            )
            started = time.monotonic()
            await asyncio.to_thread(stack.restart, NOTIFICATIONS, LIFTED_PACING)
            restart_s = time.monotonic() - started
            say(
                f"  · notifications, event → sendMessage: {config.notify_rate:g} events/s for "
                f"{config.notify_seconds:g} s to {config.notify_executors} executors"
            )
            latency = await measure_latency(
                bench.nc,
                stack.nats_url,
                bot,
                engine,
                stack.process_groups(),
                executors,
                stack.people.manager.user_id,
                rate=config.notify_rate,
                seconds=config.notify_seconds,
                warmup=config.notify_warmup,
            )
            say(
                f"    p50 {latency.p50_ms:.1f} ms  p99 {latency.p99_ms:.1f} ms (broker alone "
                f"p99 {latency.broker_p99_ms:.1f} ms)"
            )
            flood = config.notify_residents * config.notify_per_resident
            say(
                f"  · notifications, sustained: {flood:,} deliveries queued at once "
                f"({config.notify_per_resident} to each of {config.notify_residents} residents),"
                f" and a plain httpx client's ceiling"
            )
            throughput = await measure_throughput(
                bot,
                engine,
                stack.process_groups,
                stack.edge_address,
                metadata,
                residents,
                per_recipient=config.notify_per_resident,
                concurrency=concurrency,
            )
            say(
                f"    {throughput.service.per_s:,.0f} deliveries/s; plain client "
                f"{throughput.baseline.per_s:,.0f}/s"
            )
            sampled, extra_events = None, 0
            if config.profile:
                sampled, extra_events = await _profiled(
                    bench, bot, engine, executors, residents, concurrency
                )
        return NotificationFigures(
            latency=latency,
            throughput=throughput,
            pacing=pacing,
            people=people,
            people_s=people_s,
            restart_s=restart_s,
            events_published=latency.events + config.notify_warmup + extra_events,
            profile=sampled,
        )
    finally:
        await engine.dispose()


async def _profiled(
    bench: Bench,
    bot: TimedBotApi,
    engine: AsyncEngine,
    executors: Sequence[Recipient],
    residents: Sequence[Recipient],
    concurrency: int,
) -> tuple[dict[str, Any], int]:
    """The paced events and the flood once more each, the service sampled by py-spy (outside
    the figures); returns the profiles and how many events were published."""
    stack, config = bench.stack, bench.config
    binary = profile.py_spy()
    pid = stack.pid(NOTIFICATIONS)
    if binary is None or pid is None:
        bench.say("  ! --profile: py-spy is not installed (pip install py-spy); skipped")
        return {}, 0
    published = 0

    async def events() -> None:
        nonlocal published
        result = await measure_latency(
            bench.nc,
            stack.nats_url,
            bot,
            engine,
            stack.process_groups(),
            executors,
            stack.people.manager.user_id,
            rate=config.notify_rate,
            seconds=config.notify_seconds,
            warmup=0,
            prefix=PROFILED_EVENTS,
        )
        published += result.events

    async def flood() -> None:
        await measure_throughput(
            bot,
            engine,
            stack.process_groups,
            stack.edge_address,
            bench.session.metadata,
            residents,
            per_recipient=config.notify_per_resident,
            concurrency=concurrency,
            prefix=PROFILED,
        )

    found: dict[str, Any] = {}
    for name, run in (("events", events), ("flood", flood)):
        output = bench.artifacts / f"profile-notifications-{name}.txt"
        output.parent.mkdir(parents=True, exist_ok=True)
        async with profile.sampling(binary, pid, output):
            await run()
        summary = profile.summarize(output.read_text() if output.exists() else "")
        bench.say(profile.format_profile(f"notifications, {name}", summary))
        found[name] = {
            "collapsed_stacks": str(output),
            "samples": summary.samples,
            "inclusive": dict(summary.inclusive),
            "self": dict(summary.self_time),
        }
    return found, published
