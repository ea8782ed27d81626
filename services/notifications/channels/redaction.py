"""Keeping secrets out of logs that libraries write on our behalf.

HTTP clients log request URLs (httpx every one at INFO; aiohttp's client some on errors), and
a Bot API URL carries the bot token in its path (`/bot123456:AA.../sendMessage`): anyone reading
the logs could then drive the bot. The filter here rewrites such paths before a record is
formatted. The Telegram channel installs it once on both clients' loggers; it matches any
token-shaped path, not one token, so it needs no state.
"""

from __future__ import annotations

import logging
import re

# Bot tokens are `<bot id>:<35 or so URL-safe characters>`; match generously.
_BOT_PATH = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")
_REDACTED = "/bot<redacted>"


def redact_bot_tokens(text: str) -> str:
    """`text` with every Bot API token path replaced by a placeholder."""
    return _BOT_PATH.sub(_REDACTED, text)


class BotTokenFilter(logging.Filter):
    """Rewrites Bot API token paths in a record's message and arguments; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact in place; always keep the record."""
        if isinstance(record.msg, str):
            record.msg = redact_bot_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _redact_arg(value) for key, value in record.args.items()}
        return True


def _redact_arg(arg: object) -> object:
    # httpx passes `httpx.URL` objects; what matters is their text. Untouched arguments keep
    # their type, so `%d` placeholders still get numbers.
    text = str(arg)
    redacted = redact_bot_tokens(text)
    return redacted if redacted != text else arg


def install_bot_token_filter(logger_names: tuple[str, ...] = ("httpx", "aiohttp.client")) -> None:
    """Attach one `BotTokenFilter` to each of `logger_names` (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, BotTokenFilter) for existing in logger.filters):
            logger.addFilter(BotTokenFilter())
