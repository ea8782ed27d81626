"""The delivery worker: claims due deliveries, sends them, records what happened.

One round: claim as many due deliveries as there are free slots (at most `concurrency` provider
calls are under way at once, `batch_size` claimed per round) under a lease; read their
recipients' contacts and preferences and the templates in force (one call or query each, for
the batch); decide each (`compose.prepare`); apply the per-person rate limit (Redis) to
non-urgent ones; stamp `started_at` on the ones about to go out and start their provider calls.
Each result is written as soon as it is known (`delivery.after_send`; results that arrive
together share a transaction), so one slow provider call holds up nobody else. Rounds follow
each other without pause while there is work; otherwise the worker sleeps until a NOTIFY (new
or retried work), a call finishing, or the poll interval. Any number of workers may run.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from prometheus_client import CollectorRegistry, Counter, Histogram

from services.kit.ratelimit import RateLimiter
from services.kit.wakeup import PgWakeup
from services.notifications import compose, outcomes
from services.notifications.channels.base import Channel, ChannelKind, Outcome, Transient
from services.notifications.delivery import FINAL_STATES
from services.notifications.delivery_queue import DeliveryQueue
from services.notifications.delivery_rows import Claimed, Recorded, Started
from services.notifications.people import People
from services.notifications.preference_store import PreferenceStore
from services.notifications.settings import DeliverySettings
from services.notifications.template_store import TemplateStore

log = logging.getLogger(__name__)

# When the users service cannot tell who the recipients are, the batch waits this long.
_DIRECTORY_PAUSE = timedelta(seconds=5)
_QUEUE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class WorkerMetrics:
    """What the worker did, for /metrics and the benchmarks."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        self.attempts = Counter(
            "ukm_notification_attempts",
            "Provider calls, by channel and outcome",
            ["channel", "outcome"],
            registry=self.registry,
        )
        self.finished = Counter(
            "ukm_notification_deliveries_finished",
            "Deliveries that reached a final state, by state",
            ["state"],
            registry=self.registry,
        )
        self.template_problems = Counter(
            "ukm_notification_template_problems",
            "Messages sent with a fallback (missing translation, broken template), by template",
            ["template"],
            registry=self.registry,
        )
        self.queued = Histogram(
            "ukm_notification_queue_seconds",
            "From recording a delivery to its first provider call",
            registry=self.registry,
            buckets=_QUEUE_BUCKETS,
        )


class DeliveryWorker:
    """Sends what is due until cancelled."""

    def __init__(
        self,
        *,
        queue: DeliveryQueue,
        preferences: PreferenceStore,
        templates: TemplateStore,
        people: People,
        channels: Mapping[ChannelKind, Channel],
        settings: DeliverySettings,
        wakeup: PgWakeup,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime],
        rng: random.Random | None = None,
        metrics: WorkerMetrics | None = None,
    ) -> None:
        self.queue = queue
        self.preferences = preferences
        self.templates = templates
        self.people = people
        self.channels = dict(channels)
        self.settings = settings
        self.wakeup = wakeup
        self.limiter = limiter
        self.clock = clock
        self.rng = rng or random.Random()
        self.metrics = metrics or WorkerMetrics()
        self.policy = settings.backoff()
        # Provider calls under way, and their results waiting to be written.
        self._in_flight: set[asyncio.Task[None]] = set()
        self._results: asyncio.Queue[Recorded] = asyncio.Queue()

    async def run(self) -> None:
        """Deliver until cancelled; every failure of a round is retried."""
        helpers = [
            asyncio.create_task(self.wakeup.run(), name="notifications-listen"),
            asyncio.create_task(self._recover_forever(), name="notifications-recover"),
            asyncio.create_task(self._write_results_forever(), name="notifications-results"),
        ]
        pause = 0.05
        try:
            while True:
                try:
                    full = await self.round()
                    pause = 0.05
                except Exception as exc:  # the database away: nothing was lost, try again
                    log.warning("delivery round failed: %r", exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 5.0)
                    continue
                if not full:
                    # New work (NOTIFY), a provider call finishing (a free slot) or the poll.
                    await self.wakeup.wait()
        finally:
            await self._finish_in_flight()
            for helper in helpers:
                helper.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)

    async def round(self) -> bool:
        """Claim as many due deliveries as there are free slots, record those that need no
        provider call, and start the calls of the others (each result is written as soon as
        it is known, by `_write_results_forever`). Returns whether the round was full (so the
        next one follows without waiting)."""
        free = self.settings.concurrency - len(self._in_flight)
        if free <= 0:
            return False
        limit = min(self.settings.batch_size, free)
        lease = timedelta(seconds=self.settings.lease_seconds)
        claimed = await self.queue.claim(limit=limit, now=self.clock(), lease=lease)
        if not claimed:
            return False
        now = self.clock()
        unsent, sends = await self.plan(claimed, now)
        await self.queue.record(unsent, now=now)
        await self.queue.mark_started(
            [Started(d.id, tuple(c.value for c in s.channels), s.index) for d, s in sends],
            now=now,
        )
        for delivery, send in sends:
            task = asyncio.create_task(self._deliver(delivery, send))
            self._in_flight.add(task)
            task.add_done_callback(self._call_finished)
        return len(claimed) == limit

    async def plan(
        self, claimed: Sequence[Claimed], now: datetime
    ) -> tuple[list[Recorded], list[tuple[Claimed, compose.Send]]]:
        """Decide each claimed delivery: what to record without sending, and what to send."""
        recipients = {d.recipient_id for d in claimed}
        try:
            contacts = await self.people.contacts(recipients)
        except Exception as exc:
            log.warning("cannot read recipients' contacts (%r); the batch waits", exc)
            return [outcomes.requeued(d, now + _DIRECTORY_PAUSE) for d in claimed], []
        stored = await self.preferences.load(recipients)
        catalogue = await self.templates.catalogue()
        unsent: list[Recorded] = []
        sends: list[tuple[Claimed, compose.Send]] = []
        for delivery in claimed:
            try:
                prepared = compose.prepare(
                    delivery,
                    contacts.get(delivery.recipient_id),
                    stored[delivery.recipient_id],
                    catalogue=catalogue,
                    configured=self.channels.keys(),
                    now=now,
                )
            except Exception as exc:  # a bug must cost one delivery, never the whole round
                log.exception("cannot prepare a delivery", extra={"delivery": delivery.id})
                unsent.append(self._counted(outcomes.broken(delivery, exc, now)))
                continue
            if isinstance(prepared, compose.Send):
                self._report_template(delivery, prepared)
                sends.append((delivery, prepared))
                continue
            unsent.append(self._counted(outcomes.unsent(delivery, prepared, now)))
        held = await self._rate_limited([d for d, _ in sends], now)
        unsent.extend(held.values())
        return unsent, [(d, s) for d, s in sends if d.id not in held]

    def _report_template(self, delivery: Claimed, send: compose.Send) -> None:
        """A missing translation or a broken edit is sent anyway (in Russian, or as the plain
        facts) and reported here, so someone fixes the template."""
        for warning in send.rendered.warnings:
            self.metrics.template_problems.labels(delivery.template).inc()
            log.warning(
                "template problem: %s",
                warning,
                extra={"template": delivery.template, "language": send.language},
            )

    async def _deliver(self, delivery: Claimed, send: compose.Send) -> None:
        outcome = await self._send(send)
        done = self.clock()
        if delivery.attempt_count == 0:
            self.metrics.queued.observe((done - delivery.created_at).total_seconds())
        judged = outcomes.judged(
            delivery, send, outcome, policy=self.policy, rng=self.rng, now=done
        )
        self._results.put_nowait(self._counted(judged))

    def _call_finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self.wakeup.set()  # a slot is free

    async def _send(self, send: compose.Send) -> Outcome:
        channel = self.channels[send.channels[send.index]]
        try:
            return await channel.send(send.message)
        except Exception as exc:  # a channel bug must not leave the delivery hanging
            log.exception("channel %s raised", channel.kind.value)
            return Transient(f"{channel.kind.value}: unexpected error {type(exc).__name__}")

    async def _write_results_forever(self) -> None:
        """Write results in batches of whatever has arrived (one transaction each)."""
        pause = 0.05
        while True:
            batch = [await self._results.get()]
            while not self._results.empty():
                batch.append(self._results.get_nowait())
            while True:
                try:
                    await self.queue.record(batch, now=self.clock())
                    pause = 0.05
                    break
                except Exception as exc:
                    # The database is away. The calls were made; keep their results until it
                    # is back (or until the lease runs out, when recovery settles them as
                    # possibly sent — never sent twice either way).
                    log.warning("cannot record %d results yet: %r", len(batch), exc)
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 5.0)

    async def _finish_in_flight(self, grace: float = 3.0) -> None:
        """At shutdown: let provider calls under way finish and write what they came to."""
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=grace)
        batch = []
        while not self._results.empty():
            batch.append(self._results.get_nowait())
        if batch:
            try:
                await self.queue.record(batch, now=self.clock())
            except Exception as exc:
                log.warning("results lost at shutdown (recovery settles them): %r", exc)

    async def _rate_limited(
        self, deliveries: Sequence[Claimed], now: datetime
    ) -> dict[str, Recorded]:
        """The deliveries put back because their recipient has had enough for now (by id);
        urgent ones are never held. One Redis round trip for the whole round."""
        limited = [d for d in deliveries if not d.urgent]
        if not limited or self.limiter is None:
            return {}
        try:
            decisions = await self.limiter.acquire_many(
                [f"notify:user:{d.recipient_id}" for d in limited],
                limit=self.settings.recipient_limit,
                per_seconds=self.settings.recipient_window_seconds,
            )
        except Exception as exc:  # Redis away: the limit is a courtesy, the message is not
            log.warning("rate limiter unavailable (%r); sending anyway", exc)
            return {}
        return {
            d.id: outcomes.requeued(d, now + timedelta(seconds=max(decision.retry_after, 0.1)))
            for d, decision in zip(limited, decisions, strict=True)
            if not decision.allowed
        }

    def _counted(self, recorded: Recorded) -> Recorded:
        """Count what a result says (a provider call, a final state) and pass it on."""
        if recorded.attempt is not None:
            attempt = recorded.attempt
            self.metrics.attempts.labels(attempt.channel.value, attempt.outcome.value).inc()
        if recorded.state in FINAL_STATES:
            self.metrics.finished.labels(recorded.state.value).inc()
        return recorded

    async def _recover_forever(self) -> None:
        interval = max(self.settings.lease_seconds / 2, 0.5)
        while True:
            try:
                requeued, settled = await self.queue.recover(now=self.clock())
                if requeued or settled:
                    log.warning(
                        "recovered deliveries of a stopped worker",
                        extra={"requeued": requeued, "settled": settled},
                    )
                    if requeued:
                        self.wakeup.set()
            except Exception as exc:
                log.warning("recovering stale deliveries failed: %r", exc)
            await asyncio.sleep(interval)
