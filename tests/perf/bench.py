"""`make bench`: the mesh through Envoy, measured against baselines of the same run.

    python -m tests.perf.bench [--quick] [--client auto|h2load|python] [--no-install]
                               [--profile] [--output PATH] [--only notifications|bot]

It starts its own stack (see tests/perf/stack.py: every service of the topology as a process
behind Envoy with `jwt_authn`), signs a manager in for real (password + TOTP through the edge),
then, with 64 calls in flight through Envoy's plaintext edge listener (h2c) to the mTLS
upstream:

- baseline: `grpc.health.v1.Health/Check` (the cheapest call the service answers; public);
- `GetRequest` of an existing request and `CreateRequest` (each call files a new request), both
  carrying the manager's access token (checked by Envoy, then again by the service, then RBAC);
- `GetRequest`, pre-verified: the same call through a second Envoy without `jwt_authn` to a
  requests service that trusts a fixed manager (tests/perf/preverified.py): identity's cost;

each warmed up once, then measured in rounds (the four interleaved, the two GetRequest runs
taking turns at going first, so that drift touches all alike); the medians and the ratios are
reported. Then `Login` latency of a password-only account with the auth process pinned to one
CPU, and the outbox → JetStream lag under a steady, paced create load. The request
lifecycle's benchmarks (tests/perf/lifecycle.py) bracket these: first 100 000 generated
requests go into the database and `ListRequests` is timed per filter combination on them;
after the mesh's figures, `Transition` throughput against `GetRequest`; last, the SLA
scheduler catching up 10 000 due clocks. Before all of these, the notifications service's
figures (tests/perf/notifications.py), against its process with a local Telegram Bot API: a
burst under production pacing (Telegram's 30/s per bot, 1/s per chat), then, pacing lifted,
event → sendMessage latency at 100 events/s against the broker's own, and sustained deliveries
per second against a plain client's ceiling. Right after those, the Telegram bot's
(tests/perf/bot_latency.py): `ukm bot` as its own process, long polling the same local Bot API,
50 people at once filing requests through it at a person's pace; each step's update → reply
p50/p99 against /help's and the Bot API's own round trip. Figures are printed with the targets
(PASS/MISS)
and written as JSON; nothing about speed is asserted. The exit status is 0 unless something
is broken (a failed call, a lost event, a component that does not start).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import nats

from mesh.envoy import EnvoyConfigError
from mesh.process import ProcessFailed
from tests.perf.load import BenchError
from tests.perf.measure import Bench, Config, Say
from tests.perf.report import table, write_json
from tests.perf.report_bot import bot_table
from tests.perf.report_lifecycle import lifecycle_table
from tests.perf.report_notifications import notifications_table
from tests.perf.stack import ROOT, BenchStack

RESULTS = ROOT / ".ukm" / "bench" / "latest.json"

QUICK = Config(
    rounds=3,
    requests=300,
    creates=100,
    warmup=60,
    create_warmup=20,
    logins=8,
    login_warmup=2,
    # Longer than a token lives: every signed run renews it first, so the quick run also
    # proves that renewal works (a full bench renews only when it runs long).
    token_margin=3600.0,
    lag_rate=50.0,
    lag_seconds=1.5,
    transitions=64,
    dataset=3_000,
    list_calls=10,
    list_warmup=2,
    due_clocks=1_000,
    notify_seconds=1.0,
    notify_executors=50,
    notify_warmup=10,
    notify_residents=100,
    notify_per_resident=3,
    notify_chats=20,
    notify_per_chat=2,
    bot_people=4,
    bot_rounds=1,
    bot_think=(0.1, 0.3),
    install=False,
    check_fallback=True,
    quick=True,
)


async def measure(stack: BenchStack, config: Config, say: Say, artifacts: Path) -> dict[str, Any]:
    """Connect to the stack's NATS and run the bench."""
    nc = await nats.connect(stack.nats_url, name="ukm-bench")
    try:
        bench = Bench(stack, config, nc, say, artifacts)
        try:
            if config.only == "notifications":
                return await bench.run_notifications()
            if config.only == "bot":
                return await bench.run_bot()
            return await bench.run()
        finally:
            await bench.close()
    finally:
        await nc.close()


def run(
    config: Config | None = None,
    *,
    output: Path = RESULTS,
    say: Say = print,
    quick: bool = False,
) -> dict[str, Any]:
    """Start a stack, measure, stop the stack (always), print the table, write the JSON."""
    config = config or (QUICK if quick else Config())
    stack = BenchStack()
    say(f"UKM bench{' (quick)' if config.quick else ''}: starting the stack")
    keep = False  # the logs, when something broke
    try:
        stack.start(say)
        report = asyncio.run(measure(stack, config, say, output.parent))
        report["workdir"] = str(stack.workdir)
    except KeyboardInterrupt:
        raise
    except BaseException:
        keep = True
        raise
    finally:
        say("  · stopping the stack")
        stack.stop(keep_workdir=keep)
    if not config.only:
        say("")
        say(table(report))
        say("")
        say(lifecycle_table(report))
    if config.only in ("", "notifications"):
        say("")
        say(notifications_table(report))
    if config.only in ("", "bot"):
        say("")
        say(bot_table(report))
    write_json(report, output)
    say(f"\nfigures written to {output}")
    return report


def main(argv: list[str] | None = None) -> int:
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.perf.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="tiny counts (a smoke run)")
    parser.add_argument("--client", choices=["auto", "h2load", "python"], default="auto")
    parser.add_argument("--no-install", action="store_true", help="never apt-get h2load")
    parser.add_argument("--profile", action="store_true", help="sample the service (py-spy)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where the JSON goes")
    parser.add_argument(
        "--only",
        choices=["notifications", "bot"],
        default="",
        help="one part alone (its figures)",
    )
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    config = replace(
        config,
        client=args.client,
        install=config.install and not args.no_install,
        profile=args.profile,
        only=args.only,
    )
    # SIGTERM ends the run like Ctrl-C does, so the stack is stopped either way.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        run(config, output=args.output)
    except KeyboardInterrupt:
        print("\ninterrupted; everything started was stopped", file=sys.stderr)
        return 130
    except (BenchError, ProcessFailed, EnvoyConfigError, OSError, grpc.RpcError) as exc:
        print(f"\nbench: broken: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
