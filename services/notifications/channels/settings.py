"""Provider credentials and limits from the environment (`UKM_*`, pydantic-settings like
`services.kit.settings`). Tokens, passwords and keys are `SecretStr`: they never show up in a
repr, a log line or an error.

A channel whose credentials are missing is simply not configured (`telegram_configured` and
friends); the delivery layer then skips it rather than failing every message.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    """Everything the Telegram, e-mail and SMS channels need to reach their providers."""

    # An empty variable is an unset one (a ConfigMap or .env line left blank configures nothing).
    model_config = SettingsConfigDict(env_prefix="UKM_", extra="ignore", env_ignore_empty=True)

    # Telegram Bot API. The base URL is replaceable for a self-hosted Bot API server or tests.
    telegram_bot_token: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_timeout_seconds: float = Field(default=10.0, gt=0)
    # Telegram's published limits; lower them for a bot that shares its quota.
    telegram_messages_per_second: float = Field(default=30.0, gt=0)
    telegram_chat_messages_per_second: float = Field(default=1.0, gt=0)
    # Longer pacing waits are not slept through: the message comes back as Transient instead.
    telegram_max_pacing_wait_seconds: float = Field(default=2.0, ge=0)

    # SMTP relay (empty: no e-mail). STARTTLS is required unless switched off (a local relay
    # on loopback).
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "UKM <noreply@ukm.local>"
    smtp_starttls: bool = True
    # A CA bundle to trust instead of the system's (a private relay, tests).
    smtp_ca_file: Path | None = None
    smtp_timeout_seconds: float = Field(default=15.0, gt=0)

    # SMS through Eskiz (notify.eskiz.uz): the account e-mail and its secret key from the
    # cabinet, exchanged for a bearer token; `sms_sender` is the approved "from" (nickname).
    sms_base_url: str = "https://notify.eskiz.uz/api"
    sms_login: str | None = None
    sms_api_key: SecretStr | None = None
    sms_sender: str = "4546"
    sms_timeout_seconds: float = Field(default=10.0, gt=0)

    @model_validator(mode="after")
    def _no_password_in_clear(self) -> ChannelSettings:
        # Without STARTTLS the password would cross the network in clear text.
        if not self.smtp_starttls and self.smtp_password is not None:
            raise ValueError("UKM_SMTP_PASSWORD needs UKM_SMTP_STARTTLS=true")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("set both UKM_SMTP_USERNAME and UKM_SMTP_PASSWORD, or neither")
        return self

    @property
    def telegram_configured(self) -> bool:
        """A bot token is set."""
        return self.telegram_bot_token is not None

    @property
    def email_configured(self) -> bool:
        """A relay is named (anonymous relays on a trusted network need no credentials)."""
        return bool(self.smtp_host)

    @property
    def sms_configured(self) -> bool:
        """Eskiz credentials are set."""
        return self.sms_login is not None and self.sms_api_key is not None
