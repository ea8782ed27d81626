"""How the delivery worker behaves (`UKM_NOTIFY_*`, pydantic-settings like services.kit.settings).

Provider credentials are elsewhere (`channels.settings.ChannelSettings`, `UKM_TELEGRAM_*`,
`UKM_SMTP_*`, `UKM_SMS_*`); these are the knobs of tracking, retries and limits.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notifications.retry import BackoffPolicy


class DeliverySettings(BaseSettings):
    """The delivery worker's batch sizes, retries, leases and per-person limits."""

    model_config = SettingsConfigDict(env_prefix="UKM_NOTIFY_", extra="ignore")

    # Deliveries claimed per round, and provider calls in flight at once.
    batch_size: int = Field(default=100, ge=1, le=1000)
    concurrency: int = Field(default=64, ge=1, le=1000)
    # A worker holds claimed deliveries this long; after that another worker recovers them.
    lease_seconds: float = Field(default=60.0, gt=0)
    # How often the worker looks for due work when no NOTIFY woke it.
    poll_seconds: float = Field(default=1.0, gt=0)
    # Retries on one channel before moving to the next: full-jitter exponential backoff.
    max_attempts: int = Field(default=6, ge=1, le=50)
    backoff_base_seconds: float = Field(default=1.0, gt=0)
    backoff_cap_seconds: float = Field(default=300.0, gt=0)
    # A provider asking for a longer pause than this gets the next channel instead.
    max_retry_after_seconds: float = Field(default=3600.0, gt=0)
    # Non-urgent messages one person gets at most per window (the rest wait, never dropped).
    recipient_limit: int = Field(default=20, ge=1, le=10_000)
    recipient_window_seconds: float = Field(default=60.0, gt=0)
    # How long a person's contact details (read from the users service) are reused, and the
    # list of who holds a role (the managers).
    contacts_ttl_seconds: float = Field(default=30.0, ge=0)
    role_holders_ttl_seconds: float = Field(default=10.0, ge=0)
    # Where people reset their password: a URL with `{token}`, e.g.
    # `https://app.ukm.uz/reset-password#token={token}` (empty: the message gives the code only).
    reset_url: str = ""
    # Development: messages for channels without credentials are appended to this file
    # (JSON lines) instead of being suppressed. `make up` sets it; production leaves it empty.
    dev_outbox: Path | None = None

    def backoff(self) -> BackoffPolicy:
        """The retry policy these settings describe."""
        return BackoffPolicy(
            base=self.backoff_base_seconds,
            cap=max(self.backoff_cap_seconds, self.backoff_base_seconds),
            max_attempts=self.max_attempts,
            max_retry_after=self.max_retry_after_seconds,
        )
