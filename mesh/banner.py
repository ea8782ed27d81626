"""What `ukm up` prints once everything is healthy: where things are, who the demo people are,
and commands to paste (each works as printed, run from the repository root)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mesh.demo import CREDENTIALS_FILE, DEMO_PEOPLE
from mesh.seed import Seeded
from mesh.topology import Topology


def banner(
    topology: Topology,
    root: Path,
    seconds: float,
    seeded: Seeded | None,
    *,
    local_telegram: bool = False,
) -> str:
    """The endpoints, the demo people and ready-to-paste curl and grpcurl commands."""
    edge = topology.edge
    rest = f"http://127.0.0.1:{edge.http_port}"
    pki = _relative(root / "pki")
    state = _relative(root)
    # `--root` only when the state is not where the commands look by default.
    at = "" if root.resolve() == (Path.cwd() / ".ukm").resolve() else f" --root {state}"
    services = ", ".join(
        f"{s.name} :{s.grpc_port} (ops :{s.ops_port})" for s in topology.services.values()
    )
    text = f"""
UKM is up ({seconds:.1f}s). Ctrl-C stops everything; data stays in {state}/.

  REST + gRPC (plaintext, local only)   {rest}
  REST + gRPC (TLS)                     https://127.0.0.1:{edge.https_port}
  gRPC mesh (mTLS, client cert needed)  127.0.0.1:{edge.mesh_port}
  Envoy admin                           http://127.0.0.1:{edge.admin_port}
  Services                              {services}
  Logs                                  {_relative(root / "logs")}/
  Health                                ukm status   (or: make status)
"""
    if seeded is None:
        return text + "\nNo demo data (UKM_SEED=0): create people with the API or `ukm seed`.\n"
    home = seeded.homes["resident"]
    number = seeded.numbers[0] if seeded.numbers else "YYMMDD-NNN"
    body = json.dumps(
        {
            "category": "CATEGORY_PLUMBING",
            "description": "Leaking pipe under the kitchen sink",
            "urgency": "URGENCY_HIGH",
            "address": {
                "level": "ADDRESS_LEVEL_APARTMENT",
                "yardId": home.yard_id,
                "buildingId": home.building_id,
                "apartmentId": home.apartment_id,
            },
        },
        separators=(",", ":"),
    )
    certs = f"-cacert {pki}/ca.crt -cert {pki}/operator.crt -key {pki}/operator.key"
    people = "\n".join(
        f"  {p.email:<28} {_describe(p.roles, p.specializations)}" for p in DEMO_PEOPLE
    )
    resident = f'-H "authorization: Bearer $(.venv/bin/ukm token resident{at})"'
    manager = f'-H "authorization: Bearer $(.venv/bin/ukm token manager{at})"'
    password = f"$(.venv/bin/ukm token --password{at})"
    login = f'{{\\"email\\":\\"resident@demo.ukm.uz\\",\\"password\\":\\"{password}\\"}}'
    return (
        text
        + f"""
Demo people (one password for all, in {state}/{CREDENTIALS_FILE}; the admin and the manager
also need a code from their authenticator — `.venv/bin/ukm token <who>` signs in and prints
an access token):

{people}

Sign in over REST, then act as the resident and as the manager:

  curl -s -X POST {rest}/v1/auth:login -H 'content-type: application/json' -d "{login}"
  curl -s -X POST {rest}/v1/requests {resident} -H 'content-type: application/json' -d '{body}'
  curl -s {rest}/v1/requests/{number} {resident}
  curl -s '{rest}/v1/requests?page_size=5&statuses=REQUEST_STATUS_NEW' {manager}

The same over gRPC through the mesh listener, with the operator's client certificate:

  .venv/bin/grpcurl {certs} {manager} 127.0.0.1:{edge.mesh_port} list
  .venv/bin/grpcurl {certs} {resident} -d '{body}' 127.0.0.1:{edge.mesh_port} ukm.requests.v1.RequestService/CreateRequest
  .venv/bin/grpcurl {certs} {manager} -d '{{"page_size": 5}}' 127.0.0.1:{edge.mesh_port} ukm.requests.v1.RequestService/ListRequests

{_walkthrough(rest, seeded.walkthrough, at)}
{_telegram(topology, local_telegram, at)}
Watch the events arrive in JetStream, and the notifications they cause (without provider
credentials they land in the development outbox instead of Telegram, e-mail or SMS):

  .venv/bin/ukm events --follow{at}
  .venv/bin/ukm outbox --follow{at}
"""
    )


def _walkthrough(rest: str, number: str | None, at: str) -> str:
    """The life of a demo request, step by step, as the people who would take each step."""
    if number is None:
        return "The demo leak has been walked through already (see its history).\n"

    def as_(who: str) -> str:
        return f'-H "authorization: Bearer $(.venv/bin/ukm token {who}{at})"'

    json = "-H 'content-type: application/json'"
    steps = [
        (
            "the plumber takes a shift",
            f"curl -s -X POST {rest}/v1/shifts:start {as_('plumber')} {json} -d '{{}}'",
        ),
        (
            "claims the leak from the pool",
            f"curl -s -X POST {rest}/v1/requests/{number}:claim {as_('plumber')} {json} -d '{{}}'",
        ),
        (
            "reports it done",
            f'curl -s -X POST {rest}/v1/requests/{number}:complete {as_("plumber")} {json} -d \'{{"report":"Replaced the siphon"}}\'',
        ),
        (
            "the manager confirms",
            f"curl -s -X POST {rest}/v1/requests/{number}:confirm {as_('manager')} {json} -d '{{}}'",
        ),
        (
            "the resident accepts, 5 stars",
            f'curl -s -X POST {rest}/v1/requests/{number}:accept {as_("resident")} {json} -d \'{{"rating":5,"review":"Thank you!"}}\'',
        ),
        (
            "every step, as the resident sees it",
            f"curl -s {rest}/v1/requests/{number}/history {as_('resident')}",
        ),
    ]
    lines = "\n".join(f"  # {what}\n  {command}" for what, command in steps)
    return f"The life of a request (№{number}, the resident's leak, waiting in the plumbers' pool):\n\n{lines}\n"


def _telegram(topology: Topology, local: bool, at: str) -> str:
    """How to reach the bot: real Telegram with the configured token, or the local one."""
    if not local:
        return (
            "The Telegram bot runs with UKM_TELEGRAM_BOT_TOKEN: write to it in Telegram (people\n"
            "who use it are reached there by notifications too).\n"
        )
    command = f".venv/bin/ukm telegram{at} --as resident"
    return f"""The Telegram bot, on a local Telegram (no UKM_TELEGRAM_BOT_TOKEN; the Bot API on
:{topology.telegram_port}). Act as a demo person (--as manager, plumber, resident2…, newcomer):

  {command} say /start            # the bot answers with the menu
  {command} press "Новая заявка"  # press a button by (part of) its label
  {command} chat                  # the whole conversation, notifications included
"""


def _describe(roles: tuple[str, ...], specializations: tuple[str, ...]) -> str:
    text = ", ".join(roles)
    return f"{text} ({', '.join(specializations)})" if specializations else text


def _relative(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
