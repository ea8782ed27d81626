"""Runs whose calls are spread over many requests: each call addresses a request of its own.

A workflow step changes the request it acts on, so the same call cannot simply be repeated:
the second `MANAGER_ASSIGN` of the same executor is refused (ALREADY_ASSIGNED), and 64 calls in
flight on one request would only measure them queueing for its row lock. Each call of a run
therefore acts on a different request, every one of which can take the step.

h2load sends one fixed body per run, but it takes a list of URIs and walks it in order, each
connection from the top. Over REST the request number is in the path
(`POST /v1/requests/{number}:transition`, `GET /v1/requests/{number}`), so:
`H2LoadSpreadClient` splits the numbers into one disjoint list per connection and runs one
h2load per list (`-c 1 -m <streams>`), all at once: the same connections × streams in flight as
every other run, no request called twice. The calls are REST through Envoy's transcoder, so a
ratio is only taken between spread runs (both sides pay for the JSON).

`PythonSpreadClient`, the fallback when h2load is missing, sends gRPC with a message per call
(a Python client has no fixed-body limit); its figures are compared with each other only.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import grpc

from tests.perf.load import (
    BenchError,
    LoadResult,
    Metadata,
    parse_h2load_log,
    parse_h2load_output,
    result_from_latencies,
    run_process,
)

REST = "rest"
GRPC = "grpc"


@dataclass(frozen=True)
class SpreadTarget:
    """One method, called once for each of `numbers`.

    `rest_path` has a `{number}` placeholder; `rest_body` is the JSON body of every call (None
    for a GET). `grpc_message` gives the serialized gRPC request of one number.
    """

    name: str
    numbers: tuple[str, ...]
    rest_path: str
    rest_body: bytes | None
    grpc_path: str
    grpc_message: Callable[[str], bytes]
    metadata: Metadata = ()

    def paths(self, numbers: Sequence[str] | None = None) -> list[str]:
        """The REST paths of `numbers` (all of the target's by default)."""
        return [self.rest_path.format(number=n) for n in (numbers or self.numbers)]


class SpreadClient(Protocol):
    """Runs a spread target: every number once, `connections × streams` calls in flight."""

    name: str
    protocol: str  # REST or GRPC: what the calls travel as

    async def run(self, target: SpreadTarget) -> LoadResult: ...


def split(numbers: Sequence[str], parts: int) -> list[list[str]]:
    """`numbers` dealt round-robin into `parts` disjoint lists (empty ones dropped)."""
    return [list(numbers[i::parts]) for i in range(parts) if numbers[i::parts]]


class H2LoadSpreadClient:
    """One h2load per connection, each walking its own list of REST URIs."""

    name = "h2load"
    protocol = REST

    def __init__(
        self, binary: str, address: str, workdir: Path, *, connections: int, streams: int
    ) -> None:
        self.binary = binary
        self.address = address
        self.workdir = workdir
        self.connections = connections
        self.streams = streams
        self._runs = 0

    def argv(self, target: SpreadTarget, count: int, uris: Path, log: Path) -> list[str]:
        """The command line of one connection's h2load."""
        headers = [arg for key, value in target.metadata for arg in ("-H", f"{key}: {value}")]
        body: list[str] = []
        if target.rest_body is not None:
            path = self.workdir / f"{target.name}.json"
            path.write_bytes(target.rest_body)
            body = ["-d", str(path), "-H", "content-type: application/json"]
        return [
            self.binary,
            *("-n", str(count), "-c", "1", "-m", str(self.streams), "-t", "1"),
            *("-i", str(uris)),
            *body,
            *headers,
            *("--log-file", str(log)),
        ]

    async def run(self, target: SpreadTarget) -> LoadResult:
        """The h2loads of one run, started together; BenchError unless every call got a 2xx."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._runs += 1
        commands: list[tuple[list[str], Path, int]] = []
        for part, numbers in enumerate(split(target.numbers, self.connections)):
            stem = self.workdir / f"{target.name}-{self._runs}-{part}"
            uris = stem.with_suffix(".uris")
            uris.write_text(
                "".join(f"http://{self.address}{path}\n" for path in target.paths(numbers))
            )
            log = stem.with_suffix(".tsv")
            commands.append((self.argv(target, len(numbers), uris, log), log, len(numbers)))
        outputs = await asyncio.gather(*(run_process(argv) for argv, _, _ in commands))
        latencies: list[float] = []
        seconds = 0.0
        for output, (_, log, count) in zip(outputs, commands, strict=True):
            summary = parse_h2load_output(output)
            if summary.succeeded != count:
                raise BenchError(
                    f"h2load {target.name}: {summary.succeeded}/{count} succeeded "
                    f"({summary.failed} failed, {summary.errored} errored):\n{output[-2000:]}"
                )
            latencies += parse_h2load_log(log.read_text())
            log.unlink()
            # They started together: the run lasts as long as the slowest connection's h2load.
            seconds = max(seconds, summary.seconds)
        total = len(target.numbers)
        if len(latencies) != total:
            raise BenchError(f"h2load logs have {len(latencies)} entries, expected {total}")
        return result_from_latencies(latencies, seconds)


def _identity(data: bytes) -> bytes:
    return data


class PythonSpreadClient:
    """grpc.aio: one channel per connection, `streams` callers each, a message per call."""

    name = "python"
    protocol = GRPC

    def __init__(self, address: str, *, connections: int, streams: int) -> None:
        self.address = address
        self.connections = connections
        self.streams = streams

    async def run(self, target: SpreadTarget) -> LoadResult:
        """One run; BenchError if any call fails."""
        # Built before the clock starts: what is measured is the calls, not the serializing.
        messages = iter([target.grpc_message(n) for n in target.numbers])
        channels = [
            grpc.aio.insecure_channel(self.address, options=[("grpc.use_local_subchannel_pool", 1)])
            for _ in range(self.connections)
        ]
        latencies: list[float] = []
        failures: Counter[str] = Counter()
        try:
            for channel in channels:
                await asyncio.wait_for(channel.channel_ready(), 10)
            calls = [
                channel.unary_unary(
                    target.grpc_path, request_serializer=_identity, response_deserializer=_identity
                )
                for channel in channels
            ]

            async def caller(call: Any) -> None:
                for message in messages:  # shared: each message is sent once, by someone
                    started = time.perf_counter()
                    try:
                        await call(message, timeout=30, metadata=target.metadata or None)
                    except grpc.aio.AioRpcError as exc:
                        failures[exc.code().name] += 1
                        continue
                    latencies.append((time.perf_counter() - started) * 1000)

            started = time.perf_counter()
            await asyncio.gather(
                *(caller(calls[i % len(calls)]) for i in range(self.connections * self.streams))
            )
            seconds = time.perf_counter() - started
        finally:
            for channel in channels:
                await channel.close()
        if failures:
            raise BenchError(f"{target.name}: failed calls {dict(failures)}")
        return result_from_latencies(latencies, seconds)
