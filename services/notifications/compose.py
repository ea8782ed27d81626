"""Deciding how one claimed delivery goes out, and writing it for its channel (pure).

`prepare` answers, for a delivery and what is known of its recipient right now: suppress it
(an unknown or blocked person, a staff-only text for a resident, a muted kind, no channel),
hold it until quiet hours end, give up on it (no channel left that reaches them), or send it on
a channel, with the message written in the reader's language.
"""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.notifications.channels.base import Button, ChannelKind, OutboundMessage
from services.notifications.delivery_rows import Claimed
from services.notifications.people import Contact
from services.notifications.plan import PHOTO, buttons_data
from services.notifications.preference_store import Stored
from services.notifications.preferences import Channel, Delay, Deliver, Suppressed, decide
from services.notifications.templates import Catalogue, Rendered, normalize_language, render


@dataclass(frozen=True)
class Suppress:
    """Not sent on purpose; `reason` is kept on the delivery."""

    reason: str


@dataclass(frozen=True)
class Hold:
    """Not yet: quiet hours until `until`."""

    until: datetime


@dataclass(frozen=True)
class Exhausted:
    """The channels chosen earlier no longer reach the person: a dead letter."""

    reason: str


@dataclass(frozen=True)
class Send:
    """Send `message` on `channels[index]`."""

    channels: tuple[ChannelKind, ...]
    index: int
    message: OutboundMessage
    language: str
    rendered: Rendered


Prepared = Suppress | Hold | Exhausted | Send

# Telegram's limit for a photo's caption.
CAPTION_MAX = 1024


def address_of(channel: ChannelKind, contact: Contact, named: Mapping[str, str]) -> str:
    """Where `channel` reaches the person ("" when it cannot): an address the event itself
    named first (a reset goes to the address that asked), then their profile's."""
    if named.get(channel.value):
        return named[channel.value]
    if channel is ChannelKind.TELEGRAM:
        return contact.telegram_chat
    if channel is ChannelKind.EMAIL:
        return contact.email
    return contact.phone


def reachable(
    contact: Contact,
    named: Mapping[str, str],
    configured: Collection[ChannelKind],
    unreachable: Collection[Channel],
) -> list[Channel]:
    """The channels that can reach the person now."""
    return [
        Channel(kind.value)
        for kind in configured
        if Channel(kind.value) not in unreachable and address_of(kind, contact, named)
    ]


def reader_language(delivery: Claimed, stored: Stored, contact: Contact) -> str:
    """The language to write in: what the event knows, the person's choice, their profile's."""
    return normalize_language(
        delivery.language_hint or stored.preferences.language or contact.language
    )


def prepare(
    delivery: Claimed,
    contact: Contact | None,
    stored: Stored,
    *,
    catalogue: Catalogue,
    configured: Collection[ChannelKind],
    now: datetime,
) -> Prepared:
    """What to do with `delivery` this round (see the module docstring)."""
    if contact is None:
        return Suppress("the recipient is not known to the users service")
    if contact.blocked:
        return Suppress("the recipient is blocked")
    if delivery.staff_only and not contact.is_staff:
        return Suppress("staff only")
    can_reach = reachable(contact, delivery.contacts, configured, stored.unreachable)
    if delivery.channels:
        channels = tuple(ChannelKind(c) for c in delivery.channels)
        index = _next_usable(channels, delivery.channel_index, can_reach)
        if index is None:
            return Exhausted("no channel chosen for this message reaches the person any more")
    else:
        allowed = (
            [Channel(c) for c in delivery.allowed_channels]
            if delivery.allowed_channels is not None
            else None
        )
        decision = decide(
            stored.preferences,
            kind=delivery.kind,
            urgent=delivery.urgent,
            now=now,
            reachable=can_reach,
            allowed=allowed,
        )
        if isinstance(decision, Suppressed):
            return Suppress(decision.detail)
        if isinstance(decision, Delay):
            return Hold(decision.until)
        assert isinstance(decision, Deliver)
        channels, index = tuple(ChannelKind(c.value) for c in decision.channels), 0
    language = reader_language(delivery, stored, contact)
    rendered = written(delivery, catalogue, language)
    channel = channels[index]
    message = outbound(
        delivery,
        rendered,
        channel,
        address_of(channel, contact, delivery.contacts),
        buttons(catalogue, language, delivery.actions, delivery.subject),
    )
    return Send(channels, index, message, language, rendered)


def _next_usable(
    channels: Sequence[ChannelKind], start: int, usable: Collection[Channel]
) -> int | None:
    for index in range(start, len(channels)):
        if Channel(channels[index].value) in usable:
            return index
    return None


def buttons(
    catalogue: Catalogue, language: str, actions: Sequence[str], subject: str
) -> tuple[tuple[Button, ...], ...]:
    """One row of inline buttons for the delivery's actions, labelled in `language`."""
    row = []
    for action, data in buttons_data(actions, subject):
        label = _label(catalogue, language, action)
        row.append(Button(label, data))
    return (tuple(row),) if row else ()


def _label(catalogue: Catalogue, language: str, action: str) -> str:
    for lang in (language, "ru"):
        label = catalogue.labels.get(lang, {}).get("actions", {}).get(action)
        if label:
            return str(label)
    return action


def outbound(
    delivery: Claimed,
    rendered: Rendered,
    channel: ChannelKind,
    address: str,
    inline: tuple[tuple[Button, ...], ...],
) -> OutboundMessage:
    """The message as `channel` carries it."""
    if channel is ChannelKind.TELEGRAM:
        photo = delivery.data.get(PHOTO)
        return OutboundMessage(
            address=address,
            text=rendered.html,
            idempotency_key=delivery.dedup_key,
            buttons=inline,
            # A caption holds less than a message: a long text goes without its photo.
            photo=photo if isinstance(photo, str) and len(rendered.html) <= CAPTION_MAX else None,
        )
    if channel is ChannelKind.EMAIL:
        return OutboundMessage(
            address=address,
            text=rendered.text,
            idempotency_key=delivery.dedup_key,
            html=_email_html(rendered),
            subject=delivery.subject_line or rendered.subject,
        )
    return OutboundMessage(address=address, text=rendered.text, idempotency_key=delivery.dedup_key)


def _email_html(rendered: Rendered) -> str:
    # Telegram's HTML subset is valid HTML; line breaks need tags in a mail reader.
    body = rendered.html.replace("\n", "<br>\n")
    return f'<html><body style="font-family: sans-serif">{body}</body></html>'


def without_secrets(data: Mapping[str, Any], secret_fields: Sequence[str]) -> dict[str, Any]:
    """`data` with its secret fields removed (once a delivery is over, secrets are not kept)."""
    return {k: v for k, v in data.items() if k not in secret_fields}


def written(delivery: Claimed, catalogue: Catalogue, language: str) -> Rendered:
    """The delivery's text in `language`: its template with its data, or its direct text."""
    if delivery.body is not None:
        text = delivery.body.strip()
        first_line = text.splitlines()[0] if text else ""
        subject = delivery.subject_line or first_line
        return Rendered(html.escape(text, quote=False), text, subject, language)
    return render(catalogue, delivery.template, language, delivery.data)
