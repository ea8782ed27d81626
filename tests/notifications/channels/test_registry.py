"""Settings decide which channels exist."""

from __future__ import annotations

import pytest

from services.notifications.channels import ChannelKind, ChannelSettings, configured_channels


async def test_only_configured_providers_get_a_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UKM_TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("UKM_SMS_LOGIN", raising=False)
    monkeypatch.delenv("UKM_SMS_API_KEY", raising=False)
    monkeypatch.delenv("UKM_SMTP_HOST", raising=False)
    assert configured_channels(ChannelSettings()) == {}

    monkeypatch.setenv("UKM_SMTP_HOST", "smtp.example.uz")
    monkeypatch.setenv("UKM_TELEGRAM_BOT_TOKEN", "42:token")
    monkeypatch.setenv("UKM_TELEGRAM_API_BASE", "http://127.0.0.1:1")
    monkeypatch.setenv("UKM_SMS_LOGIN", "ops@ukm.example.uz")
    monkeypatch.setenv("UKM_SMS_API_KEY", "key")
    channels = configured_channels(ChannelSettings())
    assert set(channels) == set(ChannelKind)
    for kind, channel in channels.items():
        assert channel.kind is kind
        await channel.aclose()


def test_empty_variables_configure_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_BOT_TOKEN", "SMTP_HOST", "SMTP_USERNAME", "SMS_LOGIN", "SMS_API_KEY"):
        monkeypatch.setenv(f"UKM_{name}", "")
    assert configured_channels(ChannelSettings()) == {}
