"""What an Eskiz answer means for delivery (pure: no I/O).

Eskiz (notify.eskiz.uz) answers a send with `{"id": "...", "message": "Waiting for SMS
provider", "status": "waiting"}`; refusals are JSON with a `message` (a phrase, or field errors
for validation) and an HTTP status: 400/422 for what will never go through (unmoderated text,
invalid number, no balance), 401 for an expired token (the channel logs in again), 429 for
throttling, 5xx for the gateway's own trouble.

The gateway's phrases can quote what we sent, so digits and address-like words are scrubbed
from them before they reach an error text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from services.notifications.channels.base import Outcome, Permanent, Sent, Transient

_MAX_DETAIL = 120
# Long digit runs (phone numbers, codes) and anything with an @ (e-mail addresses).
_SENSITIVE = re.compile(r"\+?\d[\d\s-]{3,}\d|\S+@\S+")


def outcome_of_send(status: int, body: object, retry_after_header: str | None) -> Outcome:
    """The outcome of `POST message/sms/send` answered with HTTP `status` and JSON `body`."""
    if 200 <= status < 300:
        message_id = body.get("id") if isinstance(body, Mapping) else None
        if isinstance(message_id, str | int) and not isinstance(message_id, bool):
            return Sent(str(message_id))
        return Transient("sms send: accepted without a message id", maybe_delivered=True)
    error = f"sms send: HTTP {status}" + _detail(body)
    if status == 429:
        return Transient(error, retry_after=_seconds(retry_after_header))
    if status in (400, 404, 413, 422):
        return Permanent(error)
    if status in (401, 403):
        # Reached only after logging in again did not help: the account itself is refused.
        return Permanent(error)
    return Transient(error)


def outcome_of_network_error(stage: str, error: httpx.HTTPError) -> Transient:
    """A call that failed below HTTP; `stage` says which (`login` or `send`)."""
    maybe_delivered = stage == "send" and isinstance(
        error, httpx.ReadTimeout | httpx.ReadError | httpx.RemoteProtocolError
    )
    return Transient(f"sms {stage}: {type(error).__name__}", maybe_delivered=maybe_delivered)


def token_of_login(body: object) -> str | None:
    """The bearer token in a successful `auth/login` answer."""
    data = body.get("data") if isinstance(body, Mapping) else None
    token = data.get("token") if isinstance(data, Mapping) else None
    return token if isinstance(token, str) and token else None


def scrub(text: str) -> str:
    """`text` without phone numbers, codes or e-mail addresses."""
    return _SENSITIVE.sub("…", text)


def _detail(body: object) -> str:
    message = body.get("message") if isinstance(body, Mapping) else None
    if isinstance(message, Mapping):  # field errors: name the fields only
        return f" (invalid: {', '.join(sorted(str(name) for name in message))})"
    if isinstance(message, str) and message:
        return f" ({scrub(message)[:_MAX_DETAIL]})"
    return ""


def _seconds(header: str | None) -> float | None:
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None
