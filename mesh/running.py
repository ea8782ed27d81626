"""A running `ukm up` as other commands see it: the state file it writes under its root, and
the HTTP checks of its parts (`ukm status`, `ukm seed`, `ukm telegram`…)."""

from __future__ import annotations

import json
import sys
import urllib.request
from pathlib import Path
from typing import Any

STATE_FILE = "state.json"


def running_state(root: Path) -> dict[str, Any] | None:
    """What a running `ukm up` under `root` wrote about itself (ports, data-store URLs), or
    None when nothing runs there (after printing how to start it to stderr)."""
    path = root / STATE_FILE
    if not path.exists():
        print(f"not running (no {path}); start it with `make up`", file=sys.stderr)
        return None
    state: dict[str, Any] = json.loads(path.read_text())
    return state


def http_ok(url: str) -> bool:
    """Whether GET url answers 200."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def bot_polling(url: str) -> bool:
    """Whether the local Telegram at `url` (its `/sandbox/health`) sees the bot polling."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(json.loads(response.read()).get("bot_polling"))
    except (OSError, ValueError):
        return False
