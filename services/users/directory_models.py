"""Tables of the address directory (yards, buildings, apartments, bindings, yard grants)."""

from __future__ import annotations

from services.users.models import metadata  # noqa: F401  (the directory's tables go here)
