"""The pacer's token buckets under a fake clock: per-chat and per-bot limits, no sleeping."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.notifications.channels.pacer import Pacer, Rate, TokenBucket
from services.notifications.channels.telegram import HEADROOM, telegram_pacer
from tests.notifications.channels.conftest import FakeMonotonic

SPACING = 1 / HEADROOM  # seconds between two calls to one chat, a little over Telegram's 1


def test_one_message_per_second_per_chat_with_headroom(clock: FakeMonotonic) -> None:
    pacer = telegram_pacer(clock=clock)
    assert pacer.acquire(42) == 0
    assert pacer.acquire(42) == pytest.approx(SPACING)
    clock.advance(0.4)
    assert pacer.acquire(42) == pytest.approx(SPACING - 0.4)
    clock.advance(SPACING - 0.4)
    assert pacer.acquire(42) == 0


def test_other_chats_are_not_held_back_by_a_busy_one(clock: FakeMonotonic) -> None:
    pacer = telegram_pacer(clock=clock)
    assert pacer.acquire(1) == 0
    clock.advance(1 / (30 * HEADROOM))  # only the bot's own spacing
    assert pacer.acquire(2) == 0


def test_under_thirty_messages_per_second_per_bot(clock: FakeMonotonic) -> None:
    pacer = telegram_pacer(clock=clock)
    granted = 0
    for chat in range(1000):
        while (wait := pacer.acquire(chat)) > 0:
            clock.advance(wait)
        granted += 1
        if clock.now - 1000.0 >= 1.0:
            break
    # The first at 0 s, then one every 1/28.5 s: 29 in [0, 1) — under 30 in any second —
    # and the 30th just after 1 s.
    assert granted == 30


def test_a_refused_slot_takes_nothing(clock: FakeMonotonic) -> None:
    pacer = Pacer(overall=Rate(1.0), per_key=Rate(10.0), clock=clock)
    assert pacer.acquire("a") == 0
    # "b" is refused by the overall bucket; its own bucket must stay full.
    assert pacer.acquire("b") == pytest.approx(1.0)
    clock.advance(1.0)
    assert pacer.acquire("b") == 0


def test_bursts_are_allowed_up_to_the_bucket_size(clock: FakeMonotonic) -> None:
    bucket = TokenBucket(Rate(1.0, burst=3), clock())
    for _ in range(3):
        assert bucket.wait(clock()) == 0
        bucket.take(clock())
    assert bucket.wait(clock()) == pytest.approx(1.0)


def test_idle_chats_are_forgotten(clock: FakeMonotonic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("services.notifications.channels.pacer._PRUNE_THRESHOLD", 3)
    pacer = Pacer(overall=Rate(1000.0), per_key=Rate(1.0), clock=clock)
    for chat in range(3):
        pacer.acquire(chat)
    clock.advance(5.0)  # every bucket refilled: as good as new
    pacer.acquire("new")
    assert pacer.tracked_keys == 1


def test_rates_must_make_sense() -> None:
    with pytest.raises(ValueError, match="positive"):
        Rate(0)
    with pytest.raises(ValueError, match="burst"):
        Rate(1.0, burst=0.5)


@given(
    steps=st.lists(
        st.tuples(st.floats(min_value=0, max_value=0.2), st.integers(min_value=0, max_value=3)),
        max_size=300,
    )
)
def test_no_one_second_window_ever_exceeds_the_limits(steps: list[tuple[float, int]]) -> None:
    clock = FakeMonotonic(0.0)
    pacer = telegram_pacer(per_second=30, per_chat_per_second=1, clock=clock)
    granted: list[tuple[float, int]] = []
    for pause, chat in steps:
        clock.advance(pause)
        if pacer.acquire(chat) == 0:
            granted.append((clock.now, chat))
    window = 1.0 - 1e-9  # float rounding may put a grant a hair early
    for start, _ in granted:
        inside = [chat for moment, chat in granted if start <= moment < start + window]
        per_chat: defaultdict[int, int] = defaultdict(int)
        for chat in inside:
            per_chat[chat] += 1
        assert len(inside) <= 30
        assert max(per_chat.values()) <= 1
