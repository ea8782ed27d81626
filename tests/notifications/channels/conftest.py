"""A monotonic clock tests move by hand, and a `sleep` that moves it instead of waiting (the
providers' stand-ins are in tests/notifications/conftest.py)."""

from __future__ import annotations

import pytest


class FakeMonotonic:
    """A monotonic clock that moves only when told; `sleep` moves it and remembers the waits."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock on."""
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        """Stand-in for `asyncio.sleep`: no waiting, the clock jumps."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeMonotonic:
    """A fresh fake monotonic clock."""
    return FakeMonotonic()
