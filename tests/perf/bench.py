"""`make bench`: the requests service through Envoy, measured against a baseline of the same run.

    python -m tests.perf.bench [--quick] [--client auto|h2load|python] [--no-install]
                               [--profile] [--output PATH]

It starts its own stack (see tests/perf/stack.py), then, with 64 calls in flight through Envoy's
plaintext edge listener (h2c) to the mTLS upstream:

- baseline: `grpc.health.v1.Health/Check` (the cheapest call the service answers);
- `GetRequest` of an existing request; `CreateRequest` (each call files a new request);

each warmed up once, then measured in rounds (baseline, get, create — interleaved so that drift
touches all three alike); the medians and the ratios to the baseline are reported. Then the
outbox → JetStream lag under a steady, paced create load. Figures are printed with the targets
(PASS/MISS) and written as JSON; nothing about speed is asserted. The exit status is 0 unless
something is broken (a failed call, a lost event, a component that does not start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import nats
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.client import Client as NatsClient
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from mesh.process import ProcessFailed
from tests.perf import profile
from tests.perf.access_log import AccessLog
from tests.perf.cpu import OTHER, CpuSnapshot
from tests.perf.lag import measure_lag
from tests.perf.load import (
    BenchError,
    H2LoadClient,
    LoadClient,
    LoadResult,
    PythonLoadClient,
    Target,
    ensure_h2load,
)
from tests.perf.report import BASELINE, CREATE, GET, LABELS, build_report, table, write_json
from tests.perf.stack import ROOT, BenchStack
from tests.requests.factories import create_request

RESULTS = ROOT / ".ukm" / "bench" / "latest.json"
HEALTH_PATH = "/grpc.health.v1.Health/Check"
SERVICE_PATH = "/ukm.requests.v1.RequestService/"

Say = Callable[[str], None]


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
    lag_rate: float = 200.0
    lag_seconds: float = 10.0
    client: str = "auto"  # auto (h2load, else Python), h2load, python
    install: bool = True  # apt-get install nghttp2-client when h2load is missing
    profile: bool = False
    # Also run the Python client once against the baseline (proves the fallback works).
    check_fallback: bool = False
    quick: bool = False


QUICK = Config(
    rounds=3,
    requests=300,
    creates=100,
    warmup=60,
    create_warmup=20,
    lag_rate=50.0,
    lag_seconds=1.5,
    install=False,
    check_fallback=True,
    quick=True,
)


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
        self.log = AccessLog(stack.access_log)
        self.created = 0  # requests filed so far (each one an event)
        self.loadavg = os.getloadavg()
        self.drains: list[float] = []

    async def verify(self) -> str:
        """One call of each method with a real gRPC client: each must return status OK (h2load
        only sees HTTP 200). Returns the number of the request GetRequest will read."""
        async with grpc.aio.insecure_channel(self.stack.edge_address) as channel:
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(), timeout=10, wait_for_ready=True
            )
            if health.status != health_pb2.HealthCheckResponse.SERVING:
                raise BenchError(f"health through Envoy says {health.status}, not SERVING")
            stub = rpc.RequestServiceStub(channel)
            created = await stub.CreateRequest(create_request(), timeout=10)
            number = str(created.request.request_number)
            fetched = await stub.GetRequest(pb.GetRequestRequest(request_number=number), timeout=10)
            if fetched.request.request_number != number:
                raise BenchError(f"GetRequest({number}) returned {fetched.request.request_number}")
        self.created += 1
        paths = (HEALTH_PATH, SERVICE_PATH + "CreateRequest", SERVICE_PATH + "GetRequest")
        await self.log.expect_calls(dict.fromkeys(paths, 1))
        self.say(f"  · verified: Health SERVING, CreateRequest → {number}, GetRequest OK")
        return number

    def client(self) -> LoadClient:
        """h2load if wanted and available, else the Python client."""
        config = self.config
        binary = None
        if config.client in ("auto", "h2load"):
            binary = ensure_h2load(install=config.install, say=self.say)
            if binary is None and config.client == "h2load":
                raise BenchError("h2load was asked for but is not available")
        if binary is None:
            self.say("  ! using the Python load client: it competes for the CPU, figures are low")
            return self.python_client()
        return H2LoadClient(
            binary,
            self.stack.edge_address,
            self.stack.workdir / "h2load",
            connections=config.connections,
            streams=config.streams,
        )

    def python_client(self) -> PythonLoadClient:
        """The fallback client with the configured concurrency."""
        return PythonLoadClient(
            self.stack.edge_address,
            connections=self.config.connections,
            streams=self.config.streams,
        )

    async def load(self, client: LoadClient, target: Target, count: int) -> LoadResult:
        """One run, checked call by call in Envoy's access log, with its CPU by component."""
        groups = self.stack.process_groups()
        before = CpuSnapshot.take(groups)
        result = await client.run(target, count)
        spent = before.until(CpuSnapshot.take(groups))
        other = spent.pop(OTHER)
        result = replace(
            result,
            cpu_us={name: seconds / count * 1e6 for name, seconds in spent.items()},
            other_cores=other / result.seconds if result.seconds > 0 else 0.0,
        )
        await self.log.expect(target.path, count)
        if target.name == CREATE:
            self.created += count
            self.drains.append(await self.wait_for_events())
        return result

    async def wait_for_events(self, within: float = 120.0) -> float:
        """Wait until the stream holds an event per request filed; returns the seconds waited.

        Also keeps the relay's catching up out of the next run's figures."""
        js = self.nc.jetstream()
        started = time.monotonic()
        while True:
            stored = (await js.stream_info(self.stack.stream)).state.messages
            if stored >= self.created:
                return time.monotonic() - started
            if time.monotonic() - started > within:
                raise BenchError(f"only {stored} of {self.created} events reached JetStream")
            await asyncio.sleep(0.02)

    async def run(self) -> dict[str, Any]:
        """Every measurement; returns the report."""
        config = self.config
        number = await self.verify()
        targets = {
            BASELINE: Target(
                BASELINE, HEALTH_PATH, health_pb2.HealthCheckRequest().SerializeToString()
            ),
            GET: Target(
                GET,
                SERVICE_PATH + "GetRequest",
                pb.GetRequestRequest(request_number=number).SerializeToString(),
            ),
            CREATE: Target(
                CREATE, SERVICE_PATH + "CreateRequest", create_request().SerializeToString()
            ),
        }
        counts = {BASELINE: config.requests, GET: config.requests, CREATE: config.creates}
        client = self.client()
        self.say(f"  · warm-up ({client.name})")
        for name, target in targets.items():
            await self.load(
                client, target, config.create_warmup if name == CREATE else config.warmup
            )
        self.drains.clear()
        runs: dict[str, list[LoadResult]] = {name: [] for name in targets}
        for round_no in range(1, config.rounds + 1):
            for name, target in targets.items():
                result = await self.load(client, target, counts[name])
                runs[name].append(result)
                self.say(
                    f"  · round {round_no}/{config.rounds} {LABELS[name]:<24} "
                    f"{result.qps:>8,.0f} QPS  p50 {result.p50_ms:6.1f} ms  "
                    f"p99 {result.p99_ms:6.1f} ms"
                )
        drains = list(self.drains)
        extra: dict[str, Any] = {}
        if config.check_fallback:
            fallback = await self.load(self.python_client(), targets[BASELINE], config.requests)
            extra["python_client_baseline"] = fallback.as_dict()
            self.say(f"  · Python client, baseline: {fallback.qps:,.0f} QPS")
        if config.profile:
            extra["profile"] = await self.profile(client, targets, counts)
        self.say(f"  · event lag: {config.lag_rate:g} creates/s for {config.lag_seconds:g} s")
        lag = await measure_lag(
            self.nc,
            self.stack.edge_address,
            targets[CREATE],
            rate=config.lag_rate,
            seconds=config.lag_seconds,
        )
        await self.log.expect(targets[CREATE].path, lag.creates)
        meta = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": config.quick,
            "client": client.name,
            "rounds": config.rounds,
            "connections": config.connections,
            "streams_per_connection": config.streams,
            "in_flight": config.connections * config.streams,
            "requests_per_run": counts,
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "loadavg_at_start": list(self.loadavg),
            },
        }
        return build_report(meta=meta, runs=runs, lag=lag, drains=drains, extra=extra)

    async def profile(
        self, client: LoadClient, targets: dict[str, Target], counts: dict[str, int]
    ) -> dict[str, Any]:
        """One extra sampled run per method (py-spy), outside the figures."""
        binary = profile.py_spy()
        pid = self.stack.service_pid
        if binary is None or pid is None:
            self.say("  ! --profile: py-spy is not installed (pip install py-spy); skipped")
            return {}
        found: dict[str, Any] = {}
        for name, target in targets.items():
            # Kept next to the JSON: collapsed stacks, for flamegraph.pl or speedscope.
            output = self.artifacts / f"profile-{name}.txt"
            output.parent.mkdir(parents=True, exist_ok=True)
            async with profile.sampling(binary, pid, output):
                await self.load(client, target, counts[name])
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


async def measure(stack: BenchStack, config: Config, say: Say, artifacts: Path) -> dict[str, Any]:
    """Connect to the stack's NATS and run the bench."""
    nc = await nats.connect(stack.nats_url, name="ukm-bench")
    try:
        return await Bench(stack, config, nc, say, artifacts).run()
    finally:
        await nc.close()


def run(
    config: Config | None = None,
    *,
    output: Path = RESULTS,
    say: Say = print,
    quick: bool = False,
) -> dict[str, Any]:
    """Start a stack, measure, stop the stack (always), print the table, write the JSON."""
    config = config or (QUICK if quick else Config())
    stack = BenchStack()
    say(f"UKM bench{' (quick)' if config.quick else ''}: starting the stack")
    keep = False  # the logs, when something broke
    try:
        stack.start(say)
        report = asyncio.run(measure(stack, config, say, output.parent))
        report["workdir"] = str(stack.workdir)
    except KeyboardInterrupt:
        raise
    except BaseException:
        keep = True
        raise
    finally:
        say("  · stopping the stack")
        stack.stop(keep_workdir=keep)
    say("")
    say(table(report))
    write_json(report, output)
    say(f"\nfigures written to {output}")
    return report


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    parser.add_argument("--client", choices=["auto", "h2load", "python"], default="auto")
    parser.add_argument("--no-install", action="store_true", help="never apt-get h2load")
    parser.add_argument("--profile", action="store_true", help="sample the service (py-spy)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    config = replace(
        config,
        client=args.client,
        install=config.install and not args.no_install,
        profile=args.profile,
    )
    # SIGTERM ends the run like Ctrl-C does, so the stack is stopped either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run(config, output=args.output)
    except KeyboardInterrupt:
        print("\ninterrupted; everything started was stopped", file=sys.stderr)
        return 130
    except (BenchError, ProcessFailed, OSError, grpc.RpcError) as exc:
        print(f"\nbench: broken: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
