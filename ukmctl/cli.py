"""The `ukm` command: gen, serve, bot, migrate, up, status, seed, token, events, outbox,
telegram."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one command; exits with its status."""
    parser = argparse.ArgumentParser(prog="ukm", description="UKM platform command line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("gen", help="regenerate gen/ (Python SDK, descriptor set) from proto/")
    serve = commands.add_parser("serve", help="run one service (what a container runs)")
    serve.add_argument("service")
    commands.add_parser(
        "bot", help="run the Telegram bot (polling, or a webhook when UKM_BOT_WEBHOOK_URL is set)"
    )
    migrate = commands.add_parser("migrate", help="apply migrations and create JetStream streams")
    migrate.add_argument("services", nargs="*", help="default: every service with a schema")
    migrate.add_argument(
        "--stream-replicas",
        type=int,
        default=1,
        help="JetStream replicas per stream (3 on a production cluster)",
    )
    migrate.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to keep retrying while JetStream is not ready",
    )
    up = commands.add_parser("up", help="run the whole system in the foreground")
    up.add_argument("--root", type=Path, default=ROOT / ".ukm", help="state folder")
    status = commands.add_parser("status", help="exit 0 only if every component is healthy")
    status.add_argument("--root", type=Path, default=ROOT / ".ukm")
    seed = commands.add_parser("seed", help="file the demo data through a running mesh")
    seed.add_argument("--root", type=Path, default=ROOT / ".ukm")
    token = commands.add_parser(
        "token", help="sign in as a demo person through Envoy and print an access token"
    )
    token.add_argument(
        "who", nargs="?", help="admin, manager, plumber, electrician, resident, resident2"
    )
    token.add_argument(
        "--password", action="store_true", help="print the demo people's password instead"
    )
    token.add_argument("--root", type=Path, default=ROOT / ".ukm")
    events = commands.add_parser("events", help="print the events in JetStream")
    events.add_argument("--stream", default="REQUESTS")
    events.add_argument("--follow", action="store_true", help="keep printing new events")
    events.add_argument("--root", type=Path, default=ROOT / ".ukm")
    outbox = commands.add_parser(
        "outbox", help="print the notifications `make up` could not send for real"
    )
    outbox.add_argument("--follow", action="store_true", help="keep printing new ones")
    outbox.add_argument("--json", action="store_true", help="one JSON object per line")
    outbox.add_argument("--root", type=Path, default=ROOT / ".ukm")
    telegram = commands.add_parser(
        "telegram", help="act in the local Telegram of `make up` (no bot token) as a person"
    )
    telegram.add_argument(
        "--as", dest="who", default="resident", help="a demo person, newcomer, or a user id"
    )
    telegram.add_argument("action", choices=["say", "press", "phone", "photo", "chat"])
    telegram.add_argument("argument", nargs="?", help="the text to say / the button's label")
    telegram.add_argument("--root", type=Path, default=ROOT / ".ukm")
    args = parser.parse_args(argv)
    sys.exit(_run(args))


def _run(args: argparse.Namespace) -> int:
    from mesh.topology import load_topology

    if args.command == "gen":
        from ukmctl.codegen import generate

        generate()
        print("gen/ is up to date with proto/")
        return 0
    if args.command == "serve":
        return _serve(args.service)
    if args.command == "bot":
        from bot.__main__ import main as run_bot

        return run_bot()
    if args.command == "migrate":
        from mesh.prepare import prepare
        from services.kit.settings import Settings

        settings = Settings()
        topology = load_topology()
        names = args.services or list(topology.services)
        streams = prepare(
            topology,
            database_url=settings.database_url.get_secret_value(),
            nats_url=settings.nats_url,
            services=[topology.service(name) for name in names],
            stream_replicas=args.stream_replicas,
            give_up_after=args.timeout,
        )
        print(f"migrated: {', '.join(names)}; streams: {', '.join(streams)}")
        return 0
    if args.command == "up":
        from mesh.supervisor import up

        return up(args.root, seed=os.environ.get("UKM_SEED", "1") != "0")
    if args.command == "status":
        from ukmctl.status import status

        return asyncio.run(status(args.root))
    if args.command == "seed":
        from mesh.environment import data_keys
        from mesh.running import running_state
        from mesh.seed import seed_demo

        state = running_state(args.root)
        if state is None:
            return 1
        seeded = asyncio.run(
            seed_demo(
                args.root,
                load_topology(),
                database_url=state["urls"]["database"],
                data_keys=data_keys(args.root),
                local_telegram=bool(state.get("local_telegram")),
            )
        )
        print(f"demo requests: {', '.join(seeded.numbers)}")
        return 0
    if args.command == "token":
        from mesh.demo import Credentials, demo_token
        from mesh.running import running_state

        if args.password:
            print(Credentials.load(args.root).password)
            return 0
        if args.who is None:
            print("name a demo person, e.g. `ukm token manager`", file=sys.stderr)
            return 2

        state = running_state(args.root)
        if state is None:
            return 1
        edge = state["edge"]
        print(asyncio.run(demo_token(args.root, f"127.0.0.1:{edge['http_port']}", args.who)))
        return 0
    if args.command == "events":
        from ukmctl.events import print_events

        return asyncio.run(print_events(args.root, args.stream, follow=args.follow))
    if args.command == "telegram":
        from ukmctl.telegram import run

        return run(args.root, args.who, args.action, args.argument)
    if args.command == "outbox":
        from ukmctl.outbox import print_outbox

        return print_outbox(args.root, follow=args.follow, raw=args.json)
    raise AssertionError(args.command)


def _serve(name: str) -> int:
    from mesh.topology import load_topology
    from services.kit.runner import run_service
    from services.kit.settings import Settings

    try:
        service = load_topology().service(name)
    except KeyError as exc:
        print(f"ukm serve: {exc.args[0]}", file=sys.stderr)
        return 2
    settings = Settings()
    defaults = {"grpc_port": service.grpc_port, "ops_port": service.ops_port}
    settings = settings.model_copy(
        update={key: value for key, value in defaults.items() if getattr(settings, key) is None}
    )
    run_service(name, settings)
    return 0
