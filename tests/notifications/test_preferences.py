"""Preferences: channel order, mutes and quiet hours (Asia/Tashkent, across midnight)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kit.errors import InvalidArgument
from services.notifications.preferences import (
    DEFAULT_ORDER,
    Channel,
    Delay,
    Deliver,
    Preferences,
    QuietHours,
    Suppressed,
    SuppressReason,
    decide,
    edited,
    parse_preferences,
)

TASHKENT = ZoneInfo("Asia/Tashkent")
ALL = frozenset(Channel)
NIGHT = QuietHours(time(22, 0), time(8, 0))
KINDS = frozenset({"request.commented", "request.assigned"})


def at(hour: int, minute: int = 0, day: int = 25) -> datetime:
    """A Tashkent wall-clock moment on 2025-11-`day`, in UTC."""
    return datetime(2025, 11, day, hour, minute, tzinfo=TASHKENT).astimezone(UTC)


def test_nothing_chosen_means_telegram_then_email_then_sms() -> None:
    decision = decide(
        Preferences(), kind="request.assigned", urgent=False, now=at(12), reachable=ALL
    )
    assert decision == Deliver(DEFAULT_ORDER)


def test_the_persons_order_is_kept_and_unreachable_channels_skipped() -> None:
    prefs = Preferences(channels=(Channel.SMS, Channel.EMAIL, Channel.TELEGRAM))
    decision = decide(
        prefs,
        kind="request.assigned",
        urgent=False,
        now=at(12),
        reachable={Channel.TELEGRAM, Channel.SMS},
    )
    assert decision == Deliver((Channel.SMS, Channel.TELEGRAM))


def test_a_channel_left_out_is_off_for_normal_messages() -> None:
    prefs = Preferences(channels=(Channel.TELEGRAM,))
    decision = decide(
        prefs, kind="request.assigned", urgent=False, now=at(12), reachable={Channel.SMS}
    )
    assert isinstance(decision, Suppressed) and decision.reason is SuppressReason.NO_CHANNEL


def test_urgent_messages_use_any_reachable_channel_as_a_last_resort() -> None:
    prefs = Preferences(channels=(Channel.TELEGRAM,))
    decision = decide(prefs, kind="request.sla_breached", urgent=True, now=at(3), reachable=ALL)
    assert decision == Deliver((Channel.TELEGRAM, Channel.EMAIL, Channel.SMS))


def test_a_message_limited_to_email_goes_by_email_even_to_a_telegram_person() -> None:
    prefs = Preferences(channels=(Channel.TELEGRAM,))
    decision = decide(
        prefs,
        kind="auth.password_reset",
        urgent=True,
        now=at(12),
        reachable=ALL,
        allowed={Channel.EMAIL},
    )
    assert decision == Deliver((Channel.EMAIL,))


def test_muted_kinds_are_suppressed_unless_urgent() -> None:
    prefs = Preferences(muted=frozenset({"request.commented"}))
    muted = decide(prefs, kind="request.commented", urgent=False, now=at(12), reachable=ALL)
    urgent = decide(prefs, kind="request.commented", urgent=True, now=at(12), reachable=ALL)
    other = decide(prefs, kind="request.assigned", urgent=False, now=at(12), reachable=ALL)
    assert isinstance(muted, Suppressed) and muted.reason is SuppressReason.MUTED
    assert isinstance(urgent, Deliver) and isinstance(other, Deliver)


@pytest.mark.parametrize(
    ("now", "until"),
    [
        (at(23, 30), at(8, 0, day=26)),  # before midnight: the end is tomorrow morning
        (at(2, 15), at(8, 0)),  # after midnight: this morning
        (at(22, 0), at(8, 0, day=26)),  # the start is inside
    ],
)
def test_quiet_hours_across_midnight_delay_normal_messages(now: datetime, until: datetime) -> None:
    prefs = Preferences(quiet_hours=NIGHT)
    decision = decide(prefs, kind="request.commented", urgent=False, now=now, reachable=ALL)
    assert decision == Delay(until)


@pytest.mark.parametrize("now", [at(8, 0), at(12), at(21, 59)])
def test_outside_quiet_hours_messages_go(now: datetime) -> None:
    prefs = Preferences(quiet_hours=NIGHT)
    decision = decide(prefs, kind="request.commented", urgent=False, now=now, reachable=ALL)
    assert isinstance(decision, Deliver)


def test_urgent_messages_ignore_quiet_hours() -> None:
    prefs = Preferences(quiet_hours=NIGHT)
    decision = decide(prefs, kind="request.assigned", urgent=True, now=at(3), reachable=ALL)
    assert isinstance(decision, Deliver)


def test_a_daytime_window_and_an_empty_one() -> None:
    lunch = QuietHours(time(13, 0), time(14, 0))
    assert lunch.contains(at(13, 30)) and not lunch.contains(at(14, 0))
    assert lunch.end_after(at(13, 30)) == at(14, 0)
    assert not QuietHours(time(9, 0), time(9, 0)).contains(at(9, 0))


def test_quiet_hours_need_an_aware_moment() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        NIGHT.contains(datetime(2025, 11, 25, 3, 0))


@given(
    start=st.times(),
    end=st.times(),
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
    ),
)
def test_a_delay_always_ends_quiet_hours_within_a_day(
    start: time, end: time, moment: datetime
) -> None:
    quiet = QuietHours(start, end)
    decision = decide(
        Preferences(quiet_hours=quiet), kind="k", urgent=False, now=moment, reachable=ALL
    )
    if isinstance(decision, Delay):
        assert moment < decision.until <= moment + timedelta(days=1)
        assert not quiet.contains(decision.until)
    else:
        assert not quiet.contains(moment)


def test_an_edit_is_parsed() -> None:
    prefs = parse_preferences(
        channels=["email", "telegram"],
        language="uz",
        quiet_start="22:00",
        quiet_end="07:30",
        muted=["request.commented"],
        known_kinds=KINDS,
    )
    assert prefs == Preferences(
        (Channel.EMAIL, Channel.TELEGRAM),
        "uz",
        QuietHours(time(22), time(7, 30)),
        frozenset({"request.commented"}),
    )


def test_a_bad_edit_lists_every_problem() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_preferences(
            channels=["pigeon", "sms", "sms"],
            language="de",
            quiet_start="22:00",
            quiet_end="late",
            muted=["request.nope"],
            known_kinds=KINDS,
        )
    fields = [v.field for v in error.value.violations]
    assert fields == ["channels", "channels", "language", "quiet_end", "muted"]
    assert "pigeon" in str(error.value)


def test_quiet_hours_are_both_or_neither() -> None:
    with pytest.raises(InvalidArgument) as error:
        parse_preferences(channels=[], language="ru", quiet_start="22:00", known_kinds=KINDS)
    assert error.value.violations[0].field == "quiet_end"


def test_an_edit_changes_only_the_fields_it_names() -> None:
    current = Preferences(
        (Channel.EMAIL,), "uz", QuietHours(time(22), time(7)), frozenset({"request.commented"})
    )
    quiet_off = edited(
        current,
        ["quiet_hours"],
        channels=[],
        language="",
        quiet_start="",
        quiet_end="",
        muted=[],
        known_kinds=KINDS,
    )
    assert quiet_off == Preferences((Channel.EMAIL,), "uz", None, frozenset({"request.commented"}))
    to_profile = edited(
        current,
        ["language"],
        channels=[],
        language="",
        quiet_start="",
        quiet_end="",
        muted=[],
        known_kinds=KINDS,
    )
    assert to_profile.language == "" and to_profile.quiet_hours == current.quiet_hours
    with pytest.raises(InvalidArgument) as error:
        edited(
            current,
            ["colour"],
            channels=[],
            language="",
            quiet_start="",
            quiet_end="",
            muted=[],
            known_kinds=KINDS,
        )
    assert error.value.violations[0].field == "update_mask"
