"""Login latency on one core: sequential `Login` calls of a password-only account via Envoy.

`Login` is bound by Argon2id (deliberately slow: ~19 MiB and two passes per check), so what
matters is one person's wait, not throughput: a Python client makes the calls one after the
other through Envoy's edge, while the auth process (every thread of it, including the pool that
runs the hash) is pinned to one CPU. Each call must answer with tokens. The auth service's CPU
per login is measured too, which tells a slow machine from a slow service.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
from ukm.auth.v1 import auth_service_pb2_grpc as auth_rpc

from tests.perf.cpu import CpuSnapshot
from tests.perf.load import BenchError, percentile
from tests.perf.people import Account, log_in


@dataclass(frozen=True)
class LoginResult:
    """What the sequential logins measured."""

    count: int
    pinned_cpu: int | None  # None: the process could not be pinned
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    auth_cpu_ms: float  # CPU of the auth process per login


def _threads(pid: int) -> list[int]:
    try:
        return [int(entry.name) for entry in Path(f"/proc/{pid}/task").iterdir()]
    except OSError:
        return [pid]


def _set_affinity(pid: int, cpus: set[int]) -> None:
    # Per thread: sched_setaffinity on a pid moves only its main thread on Linux, and the
    # hashing runs in worker threads (threads started later inherit their creator's mask).
    for tid in _threads(pid):
        with contextlib.suppress(ProcessLookupError):  # a thread that just ended
            os.sched_setaffinity(tid, cpus)


@contextlib.contextmanager
def pinned(pid: int) -> Iterator[int | None]:
    """Pin every thread of `pid` to one CPU (the last it may use) while the block runs, then
    give it back all it had; yields the CPU, or None where pinning is not possible."""
    try:
        before = os.sched_getaffinity(pid)
        cpu = max(before)
        _set_affinity(pid, {cpu})
    except (OSError, AttributeError):  # not Linux, or not allowed
        yield None
        return
    try:
        yield cpu
    finally:
        with contextlib.suppress(OSError):
            _set_affinity(pid, before)


async def measure_logins(
    edge_address: str, account: Account, *, auth_pid: int, count: int, warmup: int
) -> LoginResult:
    """`warmup` unmeasured logins, then `count` timed ones, one at a time."""
    async with grpc.aio.insecure_channel(edge_address) as channel:
        auth = auth_rpc.AuthServiceStub(channel)
        for _ in range(warmup):
            await log_in(auth, account)
        latencies: list[float] = []
        with pinned(auth_pid) as cpu:
            before = CpuSnapshot.take({"auth": auth_pid})
            for _ in range(count):
                started = time.perf_counter()
                tokens = await log_in(auth, account)
                latencies.append((time.perf_counter() - started) * 1000)
                if not tokens.access_token:
                    raise BenchError("Login answered without an access token")
            spent = before.until(CpuSnapshot.take({"auth": auth_pid}))
    return LoginResult(
        count=count,
        pinned_cpu=cpu,
        p50_ms=percentile(latencies, 50),
        p95_ms=percentile(latencies, 95),
        p99_ms=percentile(latencies, 99),
        max_ms=max(latencies),
        auth_cpu_ms=spent["auth"] / count * 1000,
    )
