"""The company's business time zone (DOMAIN.md): request numbers count Tashkent days, quiet
hours and message times are Tashkent local time."""

from __future__ import annotations

from zoneinfo import ZoneInfo

BUSINESS_TZ = ZoneInfo("Asia/Tashkent")
