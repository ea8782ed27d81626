"""The measurements of `make bench`, against a running stack (tests/perf/stack.py): the mesh's
figures here, the request lifecycle's in tests/perf/lifecycle.py, the notifications service's in
tests/perf/notifications.py, the Telegram bot's in tests/perf/bot_latency.py."""

from __future__ import annotations

import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grpc_health.v1 import health_pb2
from nats.aio.client import Client as NatsClient
from ukm.requests.v1 import requests_service_pb2 as pb

from services.auth.settings import AuthSettings
from tests.perf import profile
from tests.perf.access_log import AccessLog
from tests.perf.bot_latency import BotFigures, measure_bot
from tests.perf.cpu import CLIENT, OTHER, CpuSnapshot
from tests.perf.lag import measure_lag
from tests.perf.lifecycle import Lifecycle
from tests.perf.load import (
    BenchError,
    H2LoadClient,
    LoadClient,
    LoadResult,
    PythonLoadClient,
    Target,
    ensure_h2load,
)
from tests.perf.login import LoginResult, measure_logins
from tests.perf.notifications import measure_notifications
from tests.perf.people import ManagerSession
from tests.perf.report import (
    BASELINE,
    CREATE,
    GET,
    GET_PREVERIFIED,
    LABELS,
    ORDER,
    build_report,
    rounded,
    targets,
)
from tests.perf.stack import ENVOY, OPEN_ENVOY, PREVERIFIED, SERVICE, BenchStack
from tests.perf.verify import HEALTH_PATH, SERVICE_PATH, verify_paths
from tests.requests.factories import create_request

Say = Callable[[str], None]
IDENTITY_SERVICES = ("auth", "users")
# Filing publishes RequestCreated and RequestAssigned (the new request goes to its category's
# pool in the same transaction).
EVENTS_PER_CREATE = 2


@dataclass(frozen=True)
class Config:
    """How much to measure."""

    rounds: int = 3
    requests: int = 20_000  # per baseline and GetRequest run
    creates: int = 3_000  # per CreateRequest run (each one files a request)
    warmup: int = 1_000
    create_warmup: int = 300
    connections: int = 4
    streams: int = 16  # per connection: 64 in flight
    logins: int = 100  # sequential, timed
    login_warmup: int = 5
    # A signed run starts with a token valid at least this much longer, else it is renewed
    # first (`Refresh`). Tokens live 15 minutes; no run takes 5.
    token_margin: float = 300.0
    lag_rate: float = 200.0
    lag_seconds: float = 10.0
    # The lifecycle (tests/perf/lifecycle.py): requests reassigned per Transition run (taken
    # from those the create runs filed), the generated data set ListRequests pages through,
    # timed calls per filter combination, and the due clocks the SLA scheduler catches up.
    transitions: int = 2_000
    dataset: int = 100_000
    list_calls: int = 200
    list_warmup: int = 5
    due_clocks: int = 10_000
    # The notifications service (tests/perf/notifications.py): events per second and for how
    # long, the executors they go to and the warm-up events; residents, each getting
    # `notify_per_resident` announcements queued at once; chats of the production-paced burst
    # and announcements per chat.
    notify_rate: float = 100.0
    notify_seconds: float = 5.0
    notify_executors: int = 100
    notify_warmup: int = 20
    notify_residents: int = 500
    notify_per_resident: int = 6
    notify_chats: int = 30
    notify_per_chat: int = 10
    # The bot (tests/perf/bot_latency.py): people writing to it at once, create-request
    # conversations each, and the think time before each step (seconds, drawn uniformly).
    bot_people: int = 50
    bot_rounds: int = 3
    bot_think: tuple[float, float] = (0.5, 1.5)
    only: str = ""  # "notifications" or "bot": that part alone (`--only notifications`)
    client: str = "auto"  # auto (h2load, else Python), h2load, python
    install: bool = True  # apt-get install nghttp2-client when h2load is missing
    profile: bool = False
    # Also run the Python client once against the baseline (proves the fallback works).
    check_fallback: bool = False
    quick: bool = False


@dataclass(frozen=True)
class Route:
    """Where a target's calls go (an Envoy's edge and its access log) and which processes
    answer them (CPU groups)."""

    address: str
    log: AccessLog
    service: str
    envoy: str


class Bench:
    """The measurements, against a running stack."""

    def __init__(
        self, stack: BenchStack, config: Config, nc: NatsClient, say: Say, artifacts: Path
    ) -> None:
        self.stack = stack
        self.artifacts = artifacts
        self.config = config
        self.nc = nc
        self.say = say
        self.main = Route(stack.edge_address, AccessLog(stack.access_log), SERVICE, ENVOY)
        self.open = Route(
            stack.open_edge_address, AccessLog(stack.open_access_log), PREVERIFIED, OPEN_ENVOY
        )
        self.routes = {name: self.main for name in ORDER} | {GET_PREVERIFIED: self.open}
        self.session = ManagerSession(
            stack.edge_address, stack.people.manager, margin=config.token_margin
        )
        self.created = 0  # requests filed so far (each one an event)
        self.published_events = 0  # events the bench itself put into the requests stream
        self.loadavg = os.getloadavg()
        self.drains: list[float] = []
        self.h2load: str | None = None  # the binary, once `clients()` found it
        self.lifecycle = Lifecycle(self)

    async def close(self) -> None:
        """Release the manager's channel and the lifecycle's database connections."""
        await self.session.close()
        await self.lifecycle.close()

    def clients(self) -> dict[str, LoadClient]:
        """A load client per edge: h2load if wanted and available, else the Python client."""
        config = self.config
        binary = None
        if config.client in ("auto", "h2load"):
            binary = ensure_h2load(install=config.install, say=self.say)
            if binary is None and config.client == "h2load":
                raise BenchError("h2load was asked for but is not available")
        if binary is None:
            self.say("  ! using the Python load client: it competes for the CPU, figures are low")
        self.h2load = binary
        clients: dict[str, LoadClient] = {}
        for route in (self.main, self.open):
            if binary is None:
                clients[route.address] = self.python_client(route.address)
            else:
                clients[route.address] = H2LoadClient(
                    binary,
                    route.address,
                    self.stack.workdir / "h2load",
                    connections=config.connections,
                    streams=config.streams,
                )
        return clients

    def python_client(self, address: str) -> PythonLoadClient:
        """The fallback client with the configured concurrency."""
        return PythonLoadClient(
            address, connections=self.config.connections, streams=self.config.streams
        )

    async def signed(self, target: Target) -> Target:
        """`target` with the manager's current token, if it acts as the manager."""
        if not target.signed_in:
            return target
        return replace(target, metadata=await self.session.metadata())

    async def load(self, client: LoadClient, target: Target, count: int) -> LoadResult:
        """One run, checked call by call in Envoy's access log, with its CPU by component."""
        route = self.routes[target.name]
        target = await self.signed(target)
        result = await self.with_cpu(route, count, lambda: client.run(target, count))
        await route.log.expect(target.path, count)
        if target.name == CREATE:
            self.created += count
            self.drains.append(await self.wait_for_events())
        return result

    async def with_cpu(
        self, route: Route, count: int, run: Callable[[], Awaitable[LoadResult]]
    ) -> LoadResult:
        """`run()`'s result with the CPU per call of each component, and the cores other
        processes took meanwhile."""
        groups = self.stack.process_groups()
        before = CpuSnapshot.take(groups)
        result = await run()
        spent = before.until(CpuSnapshot.take(groups))
        other = spent.pop(OTHER)
        return replace(
            result,
            cpu_us={name: seconds / count * 1e6 for name, seconds in _components(spent, route)},
            other_cores=other / result.seconds if result.seconds > 0 else 0.0,
        )

    async def wait_for_events(self, within: float = 120.0) -> float:
        """Wait until the stream holds the events of every request filed; returns the seconds
        waited.

        Also keeps the relay's catching up out of the next run's figures."""
        js = self.nc.jetstream()
        expected = self.created * EVENTS_PER_CREATE + self.published_events
        started = time.monotonic()
        while True:
            stored = (await js.stream_info(self.stack.stream)).state.messages
            if stored >= expected:
                return time.monotonic() - started
            if time.monotonic() - started > within:
                raise BenchError(f"only {stored} of {expected} events reached JetStream")
            await asyncio.sleep(0.02)

    def targets(self, number: str) -> dict[str, Target]:
        """The four measured calls (GetRequest reads request `number`)."""
        get = pb.GetRequestRequest(request_number=number).SerializeToString()
        return {
            BASELINE: Target(
                BASELINE, HEALTH_PATH, health_pb2.HealthCheckRequest().SerializeToString()
            ),
            GET: Target(GET, SERVICE_PATH + "GetRequest", get, signed_in=True),
            # No token at all: the open edge has no jwt_authn and the service reads none.
            GET_PREVERIFIED: Target(GET_PREVERIFIED, SERVICE_PATH + "GetRequest", get),
            CREATE: Target(
                CREATE,
                SERVICE_PATH + "CreateRequest",
                create_request().SerializeToString(),
                signed_in=True,
            ),
        }

    async def run(self) -> dict[str, Any]:
        """Every measurement; returns the report."""
        config = self.config
        await self.session.start()
        number = await verify_paths(
            self.stack, await self.session.metadata(), self.main.log, self.open.log
        )
        self.created += 1
        self.say(
            f"  · verified: Health SERVING, CreateRequest → {number}, GetRequest OK with the "
            "manager's token and refused without one; pre-verified GetRequest OK"
        )
        # First: its people must not hear what the other parts cause, and it leaves nothing
        # queued behind it.
        notifications = await measure_notifications(self)
        self.published_events += notifications.events_published
        bot = await self.bot()
        await self.lifecycle.listing()
        targets = self.targets(number)
        counts = {
            BASELINE: config.requests,
            GET: config.requests,
            GET_PREVERIFIED: config.requests,
            CREATE: config.creates,
        }
        clients = self.clients()
        client_of = {name: clients[self.routes[name].address] for name in targets}
        self.say(f"  · warm-up ({client_of[BASELINE].name})")
        for name, target in targets.items():
            warmup = config.create_warmup if name == CREATE else config.warmup
            await self.load(client_of[name], target, warmup)
        self.drains.clear()
        runs: dict[str, list[LoadResult]] = {name: [] for name in targets}
        for round_no in range(1, config.rounds + 1):
            for name in round_order(round_no):
                result = await self.load(client_of[name], targets[name], counts[name])
                runs[name].append(result)
                self.say(
                    f"  · round {round_no}/{config.rounds} {LABELS[name]:<26} "
                    f"{result.qps:>8,.0f} QPS  p50 {result.p50_ms:6.1f} ms  "
                    f"p99 {result.p99_ms:6.1f} ms"
                )
        drains = list(self.drains)
        extra: dict[str, Any] = {}
        if config.check_fallback:
            fallback = await self.load(
                self.python_client(self.main.address), targets[BASELINE], config.requests
            )
            extra["python_client_baseline"] = fallback.as_dict()
            self.say(f"  · Python client, baseline: {fallback.qps:,.0f} QPS")
        if config.profile:
            extra["profile"] = await self.profile(client_of, targets, counts)
        login = await self.logins()
        self.say(f"  · event lag: {config.lag_rate:g} creates/s for {config.lag_seconds:g} s")
        lag = await measure_lag(
            self.nc,
            self.main.address,
            await self.signed(targets[CREATE]),
            rate=config.lag_rate,
            seconds=config.lag_seconds,
        )
        await self.main.log.expect(targets[CREATE].path, lag.creates)
        await self.lifecycle.workflow()
        lifecycle = self.lifecycle.results()
        extra.update(lifecycle.as_dict())
        extra.update(notifications.as_dict())
        extra.update(bot.as_dict())
        extra["token_renewals"] = self.session.renewals
        return build_report(
            meta=self.meta(client_of[BASELINE].name, counts),
            runs=runs,
            login=login,
            lag=lag,
            drains=drains,
            more_figures={**lifecycle.figures(), **notifications.figures(), **bot.figures()},
            extra=extra,
        )

    async def run_notifications(self) -> dict[str, Any]:
        """The notifications part alone (`--only notifications`); returns its report."""
        await self.session.start()
        found = await measure_notifications(self)
        report: dict[str, Any] = rounded(
            {
                **self.meta("none", {}),
                "only": "notifications",
                **found.as_dict(),
                "targets": targets(found.figures()),
            }
        )
        return report

    async def bot(self) -> BotFigures:
        """The bot's part; the requests it filed are counted as the bench's own."""
        figures = await measure_bot(self)
        self.created += figures.filed_in_all
        slowest = figures.steps[figures.slowest]
        self.say(
            f"    slowest step {figures.slowest!r}: p50 {slowest.p50_ms:.1f} ms  p99 "
            f"{slowest.p99_ms:.1f} ms; /help p99 {figures.baseline.p99_ms:.1f} ms"
        )
        return figures

    async def run_bot(self) -> dict[str, Any]:
        """The bot's part alone (`--only bot`); returns its report."""
        await self.session.start()
        found = await self.bot()
        report: dict[str, Any] = rounded(
            {
                **self.meta("none", {}),
                "only": "bot",
                **found.as_dict(),
                "targets": targets(found.figures()),
            }
        )
        return report

    async def logins(self) -> LoginResult:
        """Sequential Login calls of the password-only resident, auth pinned to one CPU."""
        pid = self.stack.pid("auth")
        if pid is None:
            raise BenchError("the auth service is not running")
        self.say(f"  · Login: {self.config.logins} sequential calls, auth pinned to one CPU")
        return await measure_logins(
            self.main.address,
            self.stack.people.resident,
            auth_pid=pid,
            count=self.config.logins,
            warmup=self.config.login_warmup,
        )

    def meta(self, client: str, counts: dict[str, int]) -> dict[str, Any]:
        """What was measured how, and where."""
        config = self.config
        argon2 = AuthSettings()  # the services got this process's environment (service_env)
        return {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": config.quick,
            "client": client,
            "rounds": config.rounds,
            "connections": config.connections,
            "streams_per_connection": config.streams,
            "in_flight": config.connections * config.streams,
            "requests_per_run": counts,
            "argon2": {
                "memory_kib": argon2.argon2_memory_kib,
                "time_cost": argon2.argon2_time_cost,
                "parallelism": argon2.argon2_parallelism,
            },
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_at_start": list(self.loadavg),
            },
        }

    async def profile(
        self,
        client_of: dict[str, LoadClient],
        targets: dict[str, Target],
        counts: dict[str, int],
    ) -> dict[str, Any]:
        """One extra sampled run per method (py-spy) of the service that answers it, outside
        the figures."""
        binary = profile.py_spy()
        if binary is None:
            self.say("  ! --profile: py-spy is not installed (pip install py-spy); skipped")
            return {}
        found: dict[str, Any] = {}
        for name, target in targets.items():
            pid = self.stack.pid(self.routes[name].service)
            if pid is None:
                continue
            # Kept next to the JSON: collapsed stacks, for flamegraph.pl or speedscope.
            output = self.artifacts / f"profile-{name}.txt"
            output.parent.mkdir(parents=True, exist_ok=True)
            async with profile.sampling(binary, pid, output):
                await self.load(client_of[name], target, counts[name])
            text = output.read_text() if output.exists() else ""
            summary = profile.summarize(text)
            self.say(profile.format_profile(LABELS[name], summary))
            found[name] = {
                "collapsed_stacks": str(output),
                "samples": summary.samples,
                "inclusive": dict(summary.inclusive),
                "self": dict(summary.self_time),
            }
        return found


def round_order(round_no: int) -> tuple[str, ...]:
    """The runs of one round. The two GetRequest runs swap places every other round: whichever
    comes first meets what the previous round's creates left behind (checkpoints, autovacuum,
    the relay), and the identity ratio must not depend on which one that is."""
    if round_no % 2:
        return ORDER
    swapped = {GET: GET_PREVERIFIED, GET_PREVERIFIED: GET}
    return tuple(swapped.get(name, name) for name in ORDER)


def _components(spent: dict[str, float], route: Route) -> list[tuple[str, float]]:
    """CPU seconds of a run by the report's components: the requests service and the Envoy on
    the run's route, the infrastructure, the identity services, the shifts service (who is on
    duty, asked by workflow steps) and the client. The other route's idle twins and Redis are
    left out."""
    return [
        ("service", spent.get(route.service, 0.0)),
        ("envoy", spent.get(route.envoy, 0.0)),
        ("postgres", spent.get("postgres", 0.0)),
        ("nats", spent.get("nats", 0.0)),
        ("identity", sum(spent.get(name, 0.0) for name in IDENTITY_SERVICES)),
        ("shifts", spent.get("shifts", 0.0)),
        (CLIENT, spent[CLIENT]),
    ]
