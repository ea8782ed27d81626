"""Envoy's access log as the proof that every call of a run really succeeded.

h2load counts HTTP 200 as success, but a gRPC error is also an HTTP 200 (the status travels in
the trailers). Envoy logs each call's `grpc_status`, so after every run we read the new lines
and require exactly the expected number of calls to the expected path, all with status 0.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from tests.perf.load import BenchError

_NAMES = {
    "0": "OK",
    "2": "UNKNOWN",
    "3": "INVALID_ARGUMENT",
    "4": "DEADLINE_EXCEEDED",
    "5": "NOT_FOUND",
    "8": "RESOURCE_EXHAUSTED",
    "13": "INTERNAL",
    "14": "UNAVAILABLE",
}


class AccessLog:
    """Reads an Envoy JSON access log incrementally (complete lines only)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def _read_new(self) -> list[dict[str, str]]:
        try:
            with self.path.open("rb") as handle:
                handle.seek(self.offset)
                data = handle.read()
        except FileNotFoundError:
            return []
        end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
        self.offset += end
        return [json.loads(line) for line in data[:end].splitlines() if line.strip()]

    async def expect(self, path: str, count: int, *, within: float = 10.0) -> None:
        """Wait for `count` new entries (Envoy flushes its log periodically) and check them:
        all for `path`, all `grpc_status` 0. Raises BenchError otherwise."""
        await self.expect_calls({path: count}, within=within)

    async def expect_calls(self, calls: dict[str, int], *, within: float = 10.0) -> None:
        """`expect` for several paths at once (`calls` maps path → count)."""
        total = sum(calls.values())
        entries: list[dict[str, str]] = []
        deadline = time.monotonic() + within
        while len(entries) < total and time.monotonic() < deadline:
            entries += self._read_new()
            if len(entries) < total:
                await asyncio.sleep(0.05)
        seen = Counter((e.get("path", "?"), str(e.get("grpc_status", "?"))) for e in entries)
        good = all(seen.get((path, "0"), 0) == count for path, count in calls.items())
        if not good or len(entries) != total:
            described = ", ".join(
                f"{n}× {p} grpc-status {_NAMES.get(s, s)}" for (p, s), n in seen.most_common(6)
            )
            wanted = ", ".join(f"{n}× {p}" for p, n in calls.items())
            raise BenchError(
                f"expected OK calls {wanted} in Envoy's access log, "
                f"found {len(entries)}: {described or 'nothing'}"
            )
