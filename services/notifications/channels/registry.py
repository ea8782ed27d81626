"""The channels the settings configure, by kind (the service wiring's one entry point)."""

from __future__ import annotations

from pathlib import Path

from services.notifications.channels.base import Channel, ChannelKind
from services.notifications.channels.email import EmailChannel
from services.notifications.channels.outbox import OutboxChannel
from services.notifications.channels.settings import ChannelSettings
from services.notifications.channels.sms import EskizSmsChannel
from services.notifications.channels.telegram import TelegramChannel


def configured_channels(
    settings: ChannelSettings, *, dev_outbox: Path | None = None
) -> dict[ChannelKind, Channel]:
    """A channel for every provider whose credentials are set; the others are left out, or,
    with `dev_outbox` (development only), written to that file instead."""
    channels: dict[ChannelKind, Channel] = {}
    if settings.telegram_configured:
        channels[ChannelKind.TELEGRAM] = TelegramChannel.from_settings(settings)
    if settings.email_configured:
        channels[ChannelKind.EMAIL] = EmailChannel.from_settings(settings)
    if settings.sms_configured:
        channels[ChannelKind.SMS] = EskizSmsChannel.from_settings(settings)
    if dev_outbox is not None:
        for kind in ChannelKind:
            channels.setdefault(kind, OutboxChannel(kind, dev_outbox))
    return channels
