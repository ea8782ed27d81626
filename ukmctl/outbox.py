"""`ukm outbox`: the development outbox of a running `make up` — every notification that a
channel without provider credentials would have sent (services/notifications/channels/outbox.py).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any, TextIO

OUTBOX_FILE = "outbox.jsonl"


def outbox_path(root: Path) -> Path:
    """Where `make up` keeps the development outbox."""
    return root / OUTBOX_FILE


def format_entry(entry: dict[str, Any]) -> str:
    """One message as people read it: when, how and to whom, then its text, indented."""
    head = f"{entry.get('time', '?')}  {entry.get('channel', '?')} → {entry.get('to', '?')}"
    lines = [head]
    if entry.get("subject"):
        lines.append(f"  subject: {entry['subject']}")
    lines.extend(f"  {line}" for line in str(entry.get("text", "")).splitlines())
    for row in entry.get("buttons") or []:
        lines.append("  " + "  ".join(f"[{label}]" for label in row))
    return "\n".join(lines)


def print_outbox(root: Path, *, follow: bool, raw: bool, out: TextIO = sys.stdout) -> int:
    """Print the outbox (and what arrives later with `follow`); 0 even when it is empty."""
    path = outbox_path(root)
    if not path.exists() and not follow:
        print(f"the outbox is empty (no {path} yet)", file=sys.stderr)
        return 0
    position = 0
    try:
        while True:
            if path.exists():
                with path.open(encoding="utf-8") as file:
                    file.seek(position)
                    for line in file:
                        if not line.endswith("\n"):
                            break  # half-written: read it next time
                        position += len(line.encode("utf-8"))
                        text = line.rstrip("\n") if raw else format_entry(json.loads(line))
                        print(text + ("" if raw else "\n"), file=out, flush=True)
            if not follow:
                return 0
            time.sleep(0.5)
    except BrokenPipeError:  # `ukm outbox | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 0
