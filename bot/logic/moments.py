"""Dates and numbers the way people read them: Tashkent time, `№251125-007`."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from services.kit.timezone import BUSINESS_TZ

__all__ = ["display_number", "idempotency_key", "local_time"]


def local_time(seconds: int) -> str:
    """A timestamp (epoch seconds) as `25.11.2026 14:30`, Asia/Tashkent; "" when unset."""
    if seconds <= 0:
        return ""
    moment = datetime.fromtimestamp(seconds, UTC).astimezone(BUSINESS_TZ)
    return moment.strftime("%d.%m.%Y %H:%M")


def display_number(number: str) -> str:
    """A request number as people see it (DOMAIN.md): `№251125-007`."""
    return f"№{number}"


def idempotency_key(flow_id: str, draft: dict[str, Any]) -> str:
    """The key of one filing: the same flow and the same content give the same key, so a
    retried confirm returns the request already filed; a changed draft gets a new key."""
    digest = hashlib.sha256(json.dumps(draft, sort_keys=True).encode()).hexdigest()[:24]
    return f"bot:{flow_id}:{digest}"
