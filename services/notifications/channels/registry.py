"""The channels the settings configure, by kind (the service wiring's one entry point)."""

from __future__ import annotations

from services.notifications.channels.base import Channel, ChannelKind
from services.notifications.channels.email import EmailChannel
from services.notifications.channels.settings import ChannelSettings
from services.notifications.channels.sms import EskizSmsChannel
from services.notifications.channels.telegram import TelegramChannel


def configured_channels(settings: ChannelSettings) -> dict[ChannelKind, Channel]:
    """A channel for every provider whose credentials are set; the others are left out."""
    channels: dict[ChannelKind, Channel] = {}
    if settings.telegram_configured:
        channels[ChannelKind.TELEGRAM] = TelegramChannel.from_settings(settings)
    if settings.email_configured:
        channels[ChannelKind.EMAIL] = EmailChannel.from_settings(settings)
    if settings.sms_configured:
        channels[ChannelKind.SMS] = EskizSmsChannel.from_settings(settings)
    return channels
