"""Envoy's access log as the proof that every call of a run really succeeded.

h2load counts HTTP 200 as success, but a gRPC error is also an HTTP 200 (the status travels in
the trailers). Envoy logs each call's `grpc_status`, so after every run we read the new lines
and require exactly the expected number of calls to the expected path, all with status 0.

Only the client-facing plaintext edge listener counts, and only the paths a check is about:
the same log also records the traffic identity brings along, at times of its own choosing —
Envoy fetching the JWKS through its own edge, services fetching it through the mesh listener,
the auth service reading people from the users service, the bench's sign-in and refreshes.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from pathlib import Path

from tests.perf.load import BenchError

EDGE_LISTENER = "edge_http"
OK = "0"
UNAUTHENTICATED = "16"
_NAMES = {
    "0": "OK",
    "2": "UNKNOWN",
    "3": "INVALID_ARGUMENT",
    "4": "DEADLINE_EXCEEDED",
    "5": "NOT_FOUND",
    "7": "PERMISSION_DENIED",
    "8": "RESOURCE_EXHAUSTED",
    "13": "INTERNAL",
    "14": "UNAVAILABLE",
    "16": "UNAUTHENTICATED",
}

Outcome = tuple[str, str]  # (path, grpc_status)


class AccessLog:
    """Reads an Envoy JSON access log incrementally (complete lines only)."""

    def __init__(self, path: Path, listener: str = EDGE_LISTENER) -> None:
        self.path = path
        self.listener = listener
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
        entries = [json.loads(line) for line in data[:end].splitlines() if line.strip()]
        return [e for e in entries if e.get("listener", self.listener) == self.listener]

    def read(self) -> list[dict[str, str]]:
        """This listener's complete entries written since the last read (or `expect`)."""
        return self._read_new()

    async def expect(self, path: str, count: int, *, within: float = 10.0) -> None:
        """Wait for `count` new entries for `path` (Envoy flushes its log periodically) and
        check them: all `grpc_status` 0. Raises BenchError otherwise."""
        await self.expect_calls({path: count}, within=within)

    async def expect_calls(self, calls: dict[str, int], *, within: float = 10.0) -> None:
        """`expect` for several paths at once (`calls` maps path → count)."""
        await self.expect_outcomes({(path, OK): n for path, n in calls.items()}, within=within)

    async def expect_outcomes(self, outcomes: dict[Outcome, int], *, within: float = 10.0) -> None:
        """Exactly these new entries for these paths: (path, grpc_status) → count, e.g. a call
        Envoy refused (UNAUTHENTICATED) next to the ones that succeeded. Entries for other
        paths are passed over."""
        paths = {path for path, _ in outcomes}
        total = sum(outcomes.values())
        entries: list[dict[str, str]] = []
        deadline = time.monotonic() + within
        while len(entries) < total and time.monotonic() < deadline:
            entries += [e for e in self._read_new() if e.get("path") in paths]
            if len(entries) < total:
                await asyncio.sleep(0.05)
        # Calls still arriving after the expected number would be a bug in the bench itself;
        # one more read catches those already flushed.
        entries += [e for e in self._read_new() if e.get("path") in paths]
        seen = Counter((e.get("path", "?"), str(e.get("grpc_status", "?"))) for e in entries)
        if seen != Counter(outcomes):
            raise BenchError(
                f"expected {_describe(Counter(outcomes))} in Envoy's access log, "
                f"found {len(entries)}: {_describe(seen) or 'nothing'}"
            )


def _describe(outcomes: Counter[Outcome]) -> str:
    return ", ".join(
        f"{n}× {path} grpc-status {_NAMES.get(status, status)}"
        for (path, status), n in outcomes.most_common(6)
    )
