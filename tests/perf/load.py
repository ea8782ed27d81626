"""Load clients for unary gRPC calls: h2load (cheap, preferred) and a Python fallback.

Both keep the same number of calls in flight over the same number of HTTP/2 connections and
return the same figures: QPS and latency percentiles from per-request latencies.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import grpc


class BenchError(RuntimeError):
    """Something is broken (a failed call, a missing event): the figures would mean nothing."""


Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Target:
    """One unary method and the serialized request sent to it on every call."""

    name: str
    path: str  # /package.Service/Method
    message: bytes
    # Sent with every call (e.g. `authorization: Bearer …`).
    metadata: Metadata = ()
    # Acts as the bench's signed-in manager: the current access token is put into `metadata`
    # right before each run (tokens expire; a full bench may outlive one).
    signed_in: bool = False


@dataclass(frozen=True)
class LoadResult:
    """What one load run measured."""

    requests: int
    seconds: float
    qps: float
    p50_ms: float
    p99_ms: float
    # CPU µs per call by component (service, envoy, postgres, nats, client), when measured.
    cpu_us: dict[str, float] = field(default_factory=dict)
    # Cores kept busy by processes outside the benchmark during the run (a shared machine).
    other_cores: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly, rounded."""
        return {
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "qps": round(self.qps, 1),
            "p50_ms": round(self.p50_ms, 3),
            "p99_ms": round(self.p99_ms, 3),
            "cpu_us_per_call": {k: round(v, 1) for k, v in self.cpu_us.items()},
            "other_cores": round(self.other_cores, 2),
        }


class LoadClient(Protocol):
    """Runs `count` calls of a target, `connections × streams` of them in flight."""

    name: str

    async def run(self, target: Target, count: int) -> LoadResult: ...


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank `p`-th percentile (0 < p ≤ 100) of `values` (not empty)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return float(ordered[rank - 1])


def result_from_latencies(latencies_ms: Sequence[float], seconds: float) -> LoadResult:
    """QPS and percentiles of one run."""
    count = len(latencies_ms)
    return LoadResult(
        requests=count,
        seconds=seconds,
        qps=count / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(latencies_ms, 50),
        p99_ms=percentile(latencies_ms, 99),
    )


def grpc_frame(message: bytes) -> bytes:
    """A length-prefixed gRPC message: uncompressed flag, 4-byte big-endian length, bytes."""
    return b"\x00" + len(message).to_bytes(4, "big") + message


# --- h2load ----------------------------------------------------------------------------------


def ensure_h2load(*, install: bool, say: Callable[[str], None] = print) -> str | None:
    """The h2load binary; installs Debian's nghttp2-client when missing and `install` is set.

    Returns None when h2load is not available (the caller falls back to the Python client).
    """
    found = shutil.which("h2load")
    if found or not install:
        return found
    if shutil.which("apt-get") is None:
        say("  ! h2load is missing and there is no apt-get; using the Python load client")
        return None
    say("  · h2load is missing: installing Debian package nghttp2-client with apt-get …")
    prefix: list[str] = []
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            say("  ! not root and no sudo: cannot install h2load; using the Python load client")
            return None
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install_cmd = [*prefix, "apt-get", "install", "-y", "-q", "nghttp2-client"]
    for attempt in ([install_cmd], [[*prefix, "apt-get", "update", "-q"], install_cmd]):
        if all(_quiet_run(cmd, env) for cmd in attempt) and (found := shutil.which("h2load")):
            say(f"  · installed {found}")
            return found
    say("  ! apt-get could not install nghttp2-client; using the Python load client")
    return None


def _quiet_run(argv: list[str], env: dict[str, str]) -> bool:
    try:
        result = subprocess.run(argv, capture_output=True, env=env, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


_FINISHED = re.compile(r"finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s")
_REQUESTS = re.compile(
    r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
    r"(\d+) errored, (\d+) timeout"
)
_UNIT_SECONDS = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass(frozen=True)
class H2LoadSummary:
    """The lines of h2load's summary that matter here."""

    seconds: float
    qps: float
    total: int
    succeeded: int
    failed: int
    errored: int


def parse_h2load_output(text: str) -> H2LoadSummary:
    """Parse h2load's summary (raises BenchError quoting it when it is not there)."""
    finished = _FINISHED.search(text)
    requests = _REQUESTS.search(text)
    if finished is None or requests is None:
        raise BenchError(f"h2load printed no summary:\n{text[-2000:]}")
    return H2LoadSummary(
        seconds=float(finished.group(1)) * _UNIT_SECONDS[finished.group(2)],
        qps=float(finished.group(3)),
        total=int(requests.group(1)),
        succeeded=int(requests.group(4)),
        failed=int(requests.group(5)),
        errored=int(requests.group(6)),
    )


def parse_h2load_log(text: str) -> list[float]:
    """Latencies (ms) from an h2load `--log-file`: tab-separated start time (µs since the epoch),
    HTTP status and duration (µs) per request."""
    latencies: list[float] = []
    for line in text.splitlines():
        fields = line.split("\t")
        if len(fields) >= 3 and fields[2].strip().isdigit():
            latencies.append(int(fields[2]) / 1000.0)
    return latencies


class H2LoadClient:
    """h2load over h2c (prior knowledge) against one address."""

    name = "h2load"

    def __init__(
        self, binary: str, address: str, workdir: Path, *, connections: int, streams: int
    ) -> None:
        self.binary = binary
        self.address = address
        self.workdir = workdir
        self.connections = connections
        self.streams = streams
        self._runs = 0

    def argv(self, target: Target, count: int, body: Path, log: Path) -> list[str]:
        """The command line of one run."""
        headers = [arg for key, value in target.metadata for arg in ("-H", f"{key}: {value}")]
        return [
            self.binary,
            "-n",
            str(count),
            "-c",
            str(self.connections),
            "-m",
            str(self.streams),
            "-t",
            "1",
            "-d",  # makes every request a POST of this body
            str(body),
            "-H",
            "content-type: application/grpc",
            "-H",
            "te: trailers",
            *headers,
            "--log-file",
            str(log),
            f"http://{self.address}{target.path}",
        ]

    async def run(self, target: Target, count: int) -> LoadResult:
        """One h2load run; BenchError unless every request got HTTP 200."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._runs += 1
        body = self.workdir / f"{target.name}.grpc"
        body.write_bytes(grpc_frame(target.message))
        log = self.workdir / f"{target.name}-{self._runs}.tsv"
        output = await run_process(self.argv(target, count, body, log))
        summary = parse_h2load_output(output)
        if summary.succeeded != count:
            raise BenchError(
                f"h2load {target.name}: {summary.succeeded}/{count} succeeded "
                f"({summary.failed} failed, {summary.errored} errored):\n{output[-2000:]}"
            )
        latencies = parse_h2load_log(log.read_text())
        log.unlink()
        if len(latencies) != count:
            raise BenchError(f"h2load log has {len(latencies)} entries, expected {count}")
        figures = result_from_latencies(latencies, summary.seconds)
        # QPS as h2load reports it (from its start to the last answer); percentiles from its log.
        return LoadResult(count, summary.seconds, summary.qps, figures.p50_ms, figures.p99_ms)


async def run_process(argv: list[str]) -> str:
    """Run a command to completion and return its output; it never outlives this coroutine."""
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        output, _ = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    text = output.decode(errors="replace")
    if process.returncode != 0:
        raise BenchError(f"{argv[0]} exited with {process.returncode}:\n{text[-2000:]}")
    return text


# --- the Python fallback ---------------------------------------------------------------------


def _identity(data: bytes) -> bytes:
    return data


class PythonLoadClient:
    """grpc.aio with one channel (own connection) per connection and `streams` callers each.

    It needs most of a core for itself, so on a small machine it lowers every figure; ratios
    between targets stay meaningful, absolute numbers less so.
    """

    name = "python"

    def __init__(self, address: str, *, connections: int, streams: int) -> None:
        self.address = address
        self.connections = connections
        self.streams = streams

    async def run(self, target: Target, count: int) -> LoadResult:
        """One run; BenchError if any call fails."""
        # A local subchannel pool gives each channel its own TCP connection.
        channels = [
            grpc.aio.insecure_channel(self.address, options=[("grpc.use_local_subchannel_pool", 1)])
            for _ in range(self.connections)
        ]
        try:
            for channel in channels:
                await asyncio.wait_for(channel.channel_ready(), 10)
            calls = [
                channel.unary_unary(
                    target.path, request_serializer=_identity, response_deserializer=_identity
                )
                for channel in channels
            ]
            latencies: list[float] = []
            failures: Counter[str] = Counter()
            remaining = count

            async def caller(call: Any) -> None:
                nonlocal remaining
                while remaining > 0:
                    remaining -= 1
                    started = time.perf_counter()
                    try:
                        await call(target.message, timeout=30, metadata=target.metadata or None)
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
