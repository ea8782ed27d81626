"""A wall clock tests set and advance (services take `clock=` in their `build`)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """Returns `now` until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        """Move the clock on by `delta` (negative: back)."""
        self.now += delta
