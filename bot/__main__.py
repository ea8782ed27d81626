"""`python -m bot`: the Telegram bot, in polling or webhook mode by its settings."""

from __future__ import annotations

import asyncio
import sys

from bot.app import build
from bot.serve import run
from bot.settings import BotSettings
from services.kit.logs import configure_logging


def main() -> int:
    """Run until SIGTERM/SIGINT; exit 2 without a bot token."""
    settings = BotSettings()
    configure_logging("bot", settings.log_level)
    if not settings.telegram_bot_token.get_secret_value():
        print("UKM_TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    asyncio.run(run(build(settings)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
