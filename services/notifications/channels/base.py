"""The one provider interface every delivery channel implements, and what a send can come to.

A channel takes an `OutboundMessage` already rendered for it and answers with an `Outcome`; it
never raises for a delivery problem (only for a programming error), so the delivery layer above
decides about retries, fallbacks and dead letters from the outcome alone:

- `Sent` — the provider accepted the message (its id is kept for tracking);
- `Transient` — try again later (after `retry_after` seconds when the provider said so);
- `Permanent` — this message will never go through this channel; fall back to the next one;
- `Unreachable` — this *recipient* cannot be reached on this channel any more (they blocked
  the bot, the mailbox does not exist): stop using the channel for them until they come back.

Error texts are written by the channels themselves from status codes and provider error kinds;
they never carry a token, a password, an address or message text, so they are safe to store
and to log.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

# Telegram refuses callback data over 64 bytes (BUTTON_DATA_INVALID); we refuse it earlier.
MAX_CALLBACK_DATA_BYTES = 64


class ChannelKind(enum.StrEnum):
    """The delivery channels, by the name preferences and tracking use."""

    TELEGRAM = "telegram"
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button: what the person sees, and the data the bot receives when it is pressed."""

    label: str
    callback_data: str

    def __post_init__(self) -> None:
        if not self.label.strip():
            raise ValueError("a button needs a label")
        size = len(self.callback_data.encode("utf-8"))
        if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
            raise ValueError(
                f"callback data must be 1-{MAX_CALLBACK_DATA_BYTES} bytes of UTF-8, got {size}"
            )


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """One message to one recipient, rendered for the channel that will carry it.

    `address` is what the channel dials: a Telegram chat id, an e-mail address, or an E.164
    phone number (`+998901234567`). `text` is in the channel's own format: Telegram HTML (the
    subset the Bot API accepts, sent with `parse_mode=HTML`), the plain-text part of an e-mail,
    or the SMS body. `html` is the e-mail's HTML part; `subject` the e-mail subject. `photo` is
    a Telegram file id or an HTTPS URL (Telegram only; `text` becomes its caption). `buttons` are
    rows of inline buttons (Telegram only). `idempotency_key` identifies this notification to
    this recipient: channels pass it on where the provider can use it (the e-mail Message-ID).
    """

    address: str
    text: str
    idempotency_key: str
    html: str | None = None
    subject: str | None = None
    photo: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()

    def __post_init__(self) -> None:
        if not self.address:
            raise ValueError("a message needs an address")
        if not self.idempotency_key:
            raise ValueError("a message needs an idempotency key")
        if any(not row for row in self.buttons):
            raise ValueError("a row of buttons cannot be empty")


@dataclass(frozen=True, slots=True)
class Sent:
    """The provider accepted the message; `provider_message_id` is its id for it."""

    provider_message_id: str


@dataclass(frozen=True, slots=True)
class Transient:
    """Not sent this time; worth retrying.

    `retry_after` is the wait the provider (or our own pacer) asked for, in seconds, or None
    when the caller's backoff decides. `maybe_delivered` is true when the request may have
    reached the provider before the failure (a timeout while waiting for the answer): a retry
    could then deliver the message twice, which the caller may prefer to avoid. `held_back`
    is true when the provider was never called (our own pacing said "not yet"): the caller
    should send it again later without counting it as a failed attempt.
    """

    error: str
    retry_after: float | None = None
    maybe_delivered: bool = False
    held_back: bool = False


@dataclass(frozen=True, slots=True)
class Permanent:
    """This message will never go through this channel (bad address, refused content, a
    configuration the provider rejects); retrying is pointless, another channel may work."""

    error: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The recipient cannot be reached on this channel any more (blocked the bot, deactivated
    account, mailbox gone): do not try this channel for them again until they come back."""

    error: str


Outcome = Sent | Transient | Permanent | Unreachable


class Channel(Protocol):
    """A delivery channel: one provider behind one method."""

    @property
    def kind(self) -> ChannelKind:
        """Which channel this is."""
        ...

    async def send(self, message: OutboundMessage) -> Outcome:
        """Deliver `message`; report every delivery problem as an outcome, never as an error."""
        ...

    async def aclose(self) -> None:
        """Release connections; the channel is not used afterwards."""
        ...
