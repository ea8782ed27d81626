"""`ukm telegram`: talk to the bot of a running `make up` through its local Telegram, as one of
the demo people (or anyone, by a Telegram user id) — when no bot token is configured.

    ukm telegram --as resident say /start
    ukm telegram --as resident press "New request"
    ukm telegram --as resident phone            # share the contact (the demo person's phone)
    ukm telegram --as resident photo
    ukm telegram --as resident chat             # the conversation so far
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from mesh.demo import DEMO_PEOPLE, DemoPerson
from mesh.running import running_state
from mesh.topology import load_topology

# Somebody new: not one of the demo people, so the bot meets them for the first time.
NEWCOMER = 5_100_001


def who(name: str) -> tuple[int, DemoPerson | None]:
    """The Telegram user id of a demo person's key, or of a number given as is."""
    if name.isdigit():
        return int(name), next((p for p in DEMO_PEOPLE if p.telegram_id == int(name)), None)
    for person in DEMO_PEOPLE:
        if person.key == name:
            return person.telegram_id, person
    if name == "newcomer":
        return NEWCOMER, None
    known = ", ".join([*(p.key for p in DEMO_PEOPLE), "newcomer", "<a Telegram user id>"])
    raise SystemExit(f"ukm telegram: who is {name!r}? one of: {known}")


def run(root: Path, name: str, command: str, argument: str | None) -> int:
    """One `ukm telegram` command; its exit status."""
    if running_state(root) is None:
        return 1
    port = load_topology().telegram_port
    base = f"http://127.0.0.1:{port}/sandbox"
    user, person = who(name)
    if command == "chat":
        return _print_chat(base, user)
    action: dict[str, Any] = {
        "user": user,
        "name": person.full_name.split()[0] if person else "Guest",
        "language": person.language if person else "ru",
    }
    if command == "say":
        if not argument:
            raise SystemExit("ukm telegram say: what to say? e.g. /start")
        action.update(action="text", text=argument)
    elif command == "press":
        if not argument:
            raise SystemExit("ukm telegram press: which button? (part of its label)")
        action.update(action="press", label=argument)
    elif command == "phone":
        phone = argument or (person.phone if person and person.phone else "+998901000000")
        action.update(action="contact", phone=phone)
    elif command == "photo":
        action.update(action="photo")
    else:
        raise SystemExit(f"ukm telegram: unknown command {command!r}")
    try:
        _post(f"{base}/act", action)
    except urllib.error.HTTPError as refused:
        print(f"ukm telegram: {json.loads(refused.read()).get('error')}", file=sys.stderr)
        return 1
    except OSError:
        print(
            "ukm telegram: the local Telegram is not running (make up starts it when "
            "UKM_TELEGRAM_BOT_TOKEN is not set)",
            file=sys.stderr,
        )
        return 1
    # Give the bot a moment to answer, then show the newest of the chat.
    time.sleep(1.0)
    return _print_chat(base, user, last=1)


def _print_chat(base: str, user: int, last: int | None = None) -> int:
    try:
        with urllib.request.urlopen(f"{base}/chat/{user}", timeout=5) as response:
            chat = json.loads(response.read())
    except OSError:
        print("ukm telegram: the local Telegram is not running", file=sys.stderr)
        return 1
    messages = chat["bot"][-last:] if last else chat["bot"]
    if not messages:
        print("(the bot has said nothing yet)")
    for message in messages:
        print(message["text"])
        for row in message["buttons"]:
            print("  " + "  ".join(f"[{label}]" for label in row))
        print()
    return 0


def _post(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=5):
        pass
