"""A person's notification preferences and the decision for one message (pure).

Preferences: the channels in the order to try them (a channel left out is off), the language,
quiet hours in business-local time (Asia/Tashkent; a window may span midnight, e.g. 22:00–08:00)
and the kinds the person muted. For one message `decide` answers: the channels to try in order,
or "suppressed" with the reason, or "delay until" the end of the quiet hours.

Urgent messages (critical requests, SLA breaches, security) always go through: they ignore
quiet hours and mutes, and when none of the person's chosen channels can reach them, any other
channel that can is used rather than staying silent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum

from services.kit.errors import FieldViolation, InvalidArgument
from services.kit.timezone import BUSINESS_TZ

LANGUAGES = ("ru", "uz", "en")


class Channel(StrEnum):
    """A way to reach a person."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    SMS = "sms"


# Telegram is the company's primary channel; SMS costs money, so it comes last.
DEFAULT_ORDER: tuple[Channel, ...] = (Channel.TELEGRAM, Channel.EMAIL, Channel.SMS)


@dataclass(frozen=True)
class QuietHours:
    """A daily window of business-local time, `start` inclusive, `end` exclusive.

    `start` after `end` spans midnight; `start == end` is an empty window (never quiet).
    """

    start: time
    end: time

    def contains(self, moment: datetime) -> bool:
        """Whether `moment` (timezone-aware) falls in the window."""
        local = _local(moment).time().replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def end_after(self, moment: datetime) -> datetime:
        """When the window that holds `moment` ends (UTC); `moment` must be inside it."""
        local = _local(moment)
        day = local.date()
        if self.start > self.end and local.time().replace(tzinfo=None) >= self.start:
            day += timedelta(days=1)
        return datetime.combine(day, self.end, tzinfo=BUSINESS_TZ).astimezone(UTC)


@dataclass(frozen=True)
class Preferences:
    """What one person chose (the defaults suit someone who chose nothing)."""

    channels: tuple[Channel, ...] = DEFAULT_ORDER
    # "" follows the language of the person's profile.
    language: str = ""
    quiet_hours: QuietHours | None = None
    muted: frozenset[str] = field(default_factory=frozenset)


class SuppressReason(StrEnum):
    """Why a message is not sent at all."""

    MUTED = "muted"
    NO_CHANNEL = "no_channel"


@dataclass(frozen=True)
class Deliver:
    """Try these channels in order; move to the next when one fails for good."""

    channels: tuple[Channel, ...]


@dataclass(frozen=True)
class Suppressed:
    """Do not send; `detail` says why in words for the delivery record."""

    reason: SuppressReason
    detail: str


@dataclass(frozen=True)
class Delay:
    """Send at `until` (UTC), when the person's quiet hours end."""

    until: datetime


Decision = Deliver | Suppressed | Delay


def decide(
    preferences: Preferences,
    *,
    kind: str,
    urgent: bool,
    now: datetime,
    reachable: Collection[Channel],
    allowed: Collection[Channel] | None = None,
) -> Decision:
    """How to deliver one message of `kind` to a person with `preferences` at `now`.

    `reachable` are the channels the person can be reached on (an address known, the bot not
    blocked); `allowed`, when given, the only channels the message may use (a reset link goes
    by e-mail only, even to someone who prefers Telegram).
    """
    if not urgent and kind in preferences.muted:
        return Suppressed(SuppressReason.MUTED, f"{kind} is muted")
    usable = [c for c in reachable if allowed is None or c in allowed]
    if allowed is not None:
        # The message itself chose its channel: the person's order only ranks the options.
        order = [c for c in preferences.channels if c in usable]
        order += [c for c in DEFAULT_ORDER if c in usable and c not in order]
    else:
        order = [c for c in preferences.channels if c in usable]
        if urgent:
            order += [c for c in DEFAULT_ORDER if c in usable and c not in order]
    if not order:
        return Suppressed(SuppressReason.NO_CHANNEL, "no chosen channel can reach the person")
    quiet = preferences.quiet_hours
    if not urgent and quiet is not None and quiet.contains(now):
        return Delay(quiet.end_after(now))
    return Deliver(tuple(order))


def parse_preferences(
    *,
    channels: Sequence[str],
    language: str,
    quiet_start: str = "",
    quiet_end: str = "",
    muted: Iterable[str] = (),
    known_kinds: Collection[str],
) -> Preferences:
    """Preferences from an edit; InvalidArgument lists every problem.

    Quiet hours are `HH:MM` local times, both or neither; language "" follows the profile.
    """
    violations: list[FieldViolation] = []
    chosen: list[Channel] = []
    for name in channels:
        if name not in Channel.__members__.values():
            known = ", ".join(c.value for c in Channel)
            violations.append(FieldViolation("channels", f"unknown channel {name!r}; use {known}"))
        elif Channel(name) in chosen:
            violations.append(FieldViolation("channels", f"{name} is listed twice"))
        else:
            chosen.append(Channel(name))
    if language and language not in LANGUAGES:
        violations.append(
            FieldViolation(
                "language", f"use one of {', '.join(LANGUAGES)}, or none for the profile's"
            )
        )
    quiet = _quiet(quiet_start, quiet_end, violations)
    mutes = frozenset(muted)
    unknown = sorted(mutes - frozenset(known_kinds))
    if unknown:
        violations.append(FieldViolation("muted", f"unknown notification kinds: {unknown}"))
    if violations:
        raise InvalidArgument.of(violations)
    return Preferences(tuple(chosen), language, quiet, mutes)


# What an edit may change (`UpdatePreferences.update_mask`).
EDITABLE = ("channels", "language", "quiet_hours", "muted_kinds")


def edited(
    current: Preferences,
    changes: Collection[str],
    *,
    channels: Sequence[str],
    language: str,
    quiet_start: str,
    quiet_end: str,
    muted: Iterable[str],
    known_kinds: Collection[str],
) -> Preferences:
    """`current` with the fields named in `changes` (of EDITABLE) replaced by the values given,
    checked as a whole; InvalidArgument for unknown field names or bad values."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise InvalidArgument.field(
            "update_mask", f"unknown fields {unknown}; use {', '.join(EDITABLE)}"
        )
    quiet = current.quiet_hours
    kept = (quiet.start.strftime("%H:%M"), quiet.end.strftime("%H:%M")) if quiet else ("", "")
    start, end = (quiet_start, quiet_end) if "quiet_hours" in changes else kept
    return parse_preferences(
        channels=channels if "channels" in changes else [c.value for c in current.channels],
        language=language if "language" in changes else current.language,
        quiet_start=start,
        quiet_end=end,
        muted=muted if "muted_kinds" in changes else sorted(current.muted),
        known_kinds=known_kinds,
    )


def _quiet(start: str, end: str, violations: list[FieldViolation]) -> QuietHours | None:
    if not start and not end:
        return None
    parsed: list[time] = []
    for name, value in (("quiet_start", start), ("quiet_end", end)):
        try:
            moment = time.fromisoformat(value)
        except ValueError:
            violations.append(FieldViolation(name, f"{value!r} is not a time like 22:00"))
            continue
        if moment.tzinfo is not None:
            violations.append(FieldViolation(name, "a local time without a time zone"))
            continue
        parsed.append(moment)
    if len(parsed) != 2:
        return None
    return QuietHours(parsed[0], parsed[1])


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware moment is required")
    return moment.astimezone(BUSINESS_TZ)
