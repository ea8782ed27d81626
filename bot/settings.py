"""The bot's settings: the kit's `Settings` (Redis, mesh address, PKI, logging) plus what only
the bot needs, from the same `UKM_` environment variables.

Polling is the mode unless `UKM_BOT_WEBHOOK_URL` is set; a webhook then requires
`UKM_BOT_WEBHOOK_SECRET`, which Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from services.kit.settings import Settings

__all__ = ["BotSettings"]


class BotSettings(Settings):
    """What the bot process needs to know (one settings mechanism with the services)."""

    # The Bot API. The base URL is replaceable by a self-hosted Bot API server or the tests'.
    # The names are the notifications service's too: one token for the one bot.
    telegram_bot_token: SecretStr = SecretStr("")
    telegram_api_base: str = "https://api.telegram.org"
    telegram_timeout_seconds: float = Field(default=30.0, gt=0)

    # Webhook mode (empty URL: long polling). Telegram allows 1–256 characters A-Z a-z 0-9 _ -
    # for the secret token.
    bot_webhook_url: str = ""
    bot_webhook_secret: SecretStr = SecretStr("")
    bot_webhook_host: str = "127.0.0.1"
    bot_webhook_port: int = Field(default=8088, ge=0, le=65535)
    bot_webhook_path: str = "/telegram/webhook"
    # Long polling: how long one getUpdates waits for news.
    bot_polling_timeout: int = Field(default=25, ge=0, le=50)

    # Every mesh call made for a person gets this deadline.
    bot_mesh_timeout_seconds: float = Field(default=4.0, gt=0)
    # A cached access token is replaced this long before it expires.
    bot_token_margin_seconds: float = Field(default=60.0, ge=0)

    # Redis keys of the bot (FSM, dedup, limits, sessions) start with this.
    bot_redis_prefix: str = "ukm:bot"
    # A conversation left alone this long is forgotten (seconds; 0 keeps it forever).
    bot_state_ttl_seconds: int = Field(default=7 * 24 * 3600, ge=0)
    # How long an update id is remembered to drop Telegram's redeliveries.
    bot_dedup_ttl_seconds: int = Field(default=24 * 3600, ge=1)
    # Per person: at most `limit` updates per `window`.
    bot_rate_limit: int = Field(default=30, ge=1, le=10_000)
    bot_rate_window_seconds: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> BotSettings:
        # Without the secret anyone who finds the URL could feed the bot forged updates.
        if self.bot_webhook_url and not self.bot_webhook_secret.get_secret_value():
            raise ValueError("UKM_BOT_WEBHOOK_URL needs UKM_BOT_WEBHOOK_SECRET")
        return self

    @property
    def webhook_mode(self) -> bool:
        """True when Telegram pushes updates to us (a webhook URL is configured)."""
        return bool(self.bot_webhook_url)

    @property
    def custom_api(self) -> bool:
        """True when the Bot API is not Telegram's own (a local server, the tests')."""
        return self.telegram_api_base.rstrip("/") != "https://api.telegram.org"
