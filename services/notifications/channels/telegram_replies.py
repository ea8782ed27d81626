"""What a Bot API answer means for delivery (pure: no I/O).

The Bot API answers `{"ok": true, "result": ...}` or `{"ok": false, "error_code": N,
"description": "...", "parameters": {...}}`. The mapping:

- 200 ok → `Sent` with the message id;
- 429 → `Transient` after `parameters.retry_after` seconds;
- 403 (bot blocked, user deactivated, bot kicked, never started) → `Unreachable`;
- 400 (chat not found, malformed HTML, too long, bad button data…), 401/404 (the token or the
  method is wrong: no retry will fix that) → `Permanent`;
- 5xx and anything unrecognised → `Transient`.

Telegram's descriptions are fixed phrases without personal data, so they are kept (shortened)
in the error text; the chat id and the token never are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from services.notifications.channels.base import Outcome, Permanent, Sent, Transient, Unreachable

_MAX_DESCRIPTION = 160


def outcome_of_reply(method: str, status: int, body: object) -> Outcome:
    """The outcome of a Bot API call `method` that answered HTTP `status` with JSON `body`."""
    if not isinstance(body, Mapping) or "ok" not in body:
        # A proxy's error page or a truncated answer: the message may or may not have gone.
        return Transient(
            f"telegram {method}: HTTP {status} without a Bot API answer",
            maybe_delivered=200 <= status < 300,
        )
    if body.get("ok") is True:
        return _sent(method, body.get("result"))
    code = _int(body.get("error_code")) or status
    description = str(body.get("description") or "")[:_MAX_DESCRIPTION]
    parameters = body.get("parameters")
    parameters = parameters if isinstance(parameters, Mapping) else {}
    error = f"telegram {method}: {code} {description}".rstrip()
    if code == 429:
        return Transient(error, retry_after=_retry_after(parameters))
    if code == 403:
        return Unreachable(error)
    if "migrate_to_chat_id" in parameters:
        # A group became a supergroup with a new id: the stored chat id is dead for good.
        return Unreachable(error)
    if code in (400, 401, 404):
        return Permanent(error)
    return Transient(error)


def outcome_of_network_error(method: str, error: aiohttp.ClientError | TimeoutError) -> Transient:
    """A call that failed below HTTP. The exception's text is not used: it may name the URL."""
    # No connection was made: nothing reached Telegram. Anything later (the answer timed out,
    # the connection broke while reading) may have followed a delivery.
    not_sent = isinstance(error, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError)
    return Transient(f"telegram {method}: {type(error).__name__}", maybe_delivered=not not_sent)


def _sent(method: str, result: Any) -> Outcome:
    if isinstance(result, Mapping) and (message_id := _int(result.get("message_id"))) is not None:
        return Sent(str(message_id))
    return Transient(f"telegram {method}: ok without a message id", maybe_delivered=True)


def _retry_after(parameters: Mapping[str, Any]) -> float | None:
    value = parameters.get("retry_after")
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
