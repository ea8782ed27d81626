"""The bot's settings: the kit's mechanism and names, polling unless a webhook is configured,
and never a webhook without Telegram's secret token."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import BotSettings
from services.kit.settings import Settings


def test_defaults_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UKM_TELEGRAM_BOT_TOKEN", "1:secret")
    monkeypatch.setenv("UKM_MESH_ADDRESS", "envoy:8444")
    settings = BotSettings()
    assert isinstance(settings, Settings)
    assert settings.telegram_bot_token.get_secret_value() == "1:secret"
    assert "1:secret" not in repr(settings)
    assert settings.mesh_address == "envoy:8444"
    assert (settings.webhook_mode, settings.custom_api) == (False, False)
    assert BotSettings(telegram_api_base="http://127.0.0.1:8081").custom_api


def test_a_webhook_needs_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("UKM_BOT_WEBHOOK_URL", "https://bot.example/hook")
    with pytest.raises(ValidationError, match="UKM_BOT_WEBHOOK_SECRET"):
        BotSettings()
    monkeypatch.setenv("UKM_BOT_WEBHOOK_SECRET", "s3cret")
    assert BotSettings().webhook_mode
