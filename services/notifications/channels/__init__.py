"""Delivery channels: one provider interface (`Channel.send(OutboundMessage) -> Outcome`) with
Telegram (Bot API), e-mail (SMTP with STARTTLS) and SMS (Eskiz) behind it.

Channels deliver what they are given and say how it went; retries, fallbacks, tracking and
templates belong to the layers above.
"""

from services.notifications.channels.base import (
    MAX_CALLBACK_DATA_BYTES,
    Button,
    Channel,
    ChannelKind,
    OutboundMessage,
    Outcome,
    Permanent,
    Sent,
    Transient,
    Unreachable,
)
from services.notifications.channels.email import EmailChannel
from services.notifications.channels.pacer import Pacer, Rate
from services.notifications.channels.registry import configured_channels
from services.notifications.channels.settings import ChannelSettings
from services.notifications.channels.sms import EskizSmsChannel
from services.notifications.channels.telegram import TelegramChannel

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "Button",
    "Channel",
    "ChannelKind",
    "ChannelSettings",
    "EmailChannel",
    "EskizSmsChannel",
    "OutboundMessage",
    "Outcome",
    "Pacer",
    "Permanent",
    "Rate",
    "Sent",
    "TelegramChannel",
    "Transient",
    "Unreachable",
    "configured_channels",
]
