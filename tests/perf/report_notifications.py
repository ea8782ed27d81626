"""The notifications part of the printed summary (its figures are in the report's JSON under
`notifications`; see tests/perf/notifications.py)."""

from __future__ import annotations

from typing import Any

_CPU = (
    ("notifications", "notifications"),
    ("postgres", "postgres"),
    ("redis", "redis"),
    ("nats", "nats"),
    ("users", "users"),
    ("envoy", "envoy"),
    ("bot_api", "Bot API (bench)"),
)


def notifications_table(report: dict[str, Any]) -> str:
    """Latency at a steady rate, sustained deliveries, Telegram's limits under production pacing."""
    section = report["notifications"]
    verdicts = {t["figure"]: t for t in report["targets"]}
    worker = section["worker_settings"]
    lines = [
        "Notifications — `ukm serve notifications` as its own process, the local Telegram Bot "
        "API served by the bench;",
        f"  worker: UKM_NOTIFY_* defaults (batch {worker['batch_size']}, "
        f"{worker['concurrency']} calls in flight, {worker['recipient_limit']} messages per "
        f"person per {worker['recipient_window_seconds']:g} s, contacts kept "
        f"{worker['contacts_ttl_seconds']:g} s, poll {worker['poll_seconds']:g} s); "
        f"{section['people']} people made in {section['people_s']:.1f} s",
        "",
        *_latency_lines(section["latency"], verdicts["notify_p99_ms"]),
        "",
        *_throughput_lines(section["throughput"], verdicts["notify_per_s"]),
        "",
        *_limit_lines(
            section["telegram_limits"],
            verdicts["telegram_peak_1s"],
            verdicts["telegram_chat_peak_1s"],
        ),
    ]
    return "\n".join(lines)


def _mark(goal: dict[str, Any]) -> str:
    return f"target {goal['target']}  {goal['result']}"


def _latency_lines(latency: dict[str, Any], goal: dict[str, Any]) -> list[str]:
    return [
        f"event published → sendMessage received, {latency['target_rate']:g} events/s "
        f"(achieved {latency['achieved_rate']:.1f}/s over {latency['seconds']:.1f} s, "
        f"{latency['events']} RequestAssigned to {latency['recipients']} executors; our pacing "
        "lifted):",
        f"  service   p50 {latency['p50_ms']:7.1f} ms   p99 {latency['p99_ms']:7.1f} ms   "
        f"max {latency['max_ms']:7.1f} ms   target p99 {goal['target']} ms  {goal['result']}",
        f"  broker    p50 {latency['broker_p50_ms']:7.1f} ms   p99 "
        f"{latency['broker_p99_ms']:7.1f} ms   max {latency['broker_max_ms']:7.1f} ms   "
        "(publish → a bare JetStream pull consumer, baseline)",
        f"  added     p50 {latency['added_p50_ms']:7.1f} ms   p99 "
        f"{latency['added_p99_ms']:7.1f} ms   per event; service p99 = "
        f"{latency['ratio_p99']:.1f} × the broker's (publish ack p99 "
        f"{latency['publish_p99_ms']:.1f} ms)",
        "  the service's stages, p50 / p99 ms: publish → recorded by the intake "
        f"{_pair(latency['intake_ms'])}, → claimed by the worker {_pair(latency['to_claim_ms'])}, "
        f"→ received by the Bot API {_pair(latency['to_call_ms'])}",
        f"  service CPU {latency['service_cpu_us_per_event']:,.0f} µs per event; other load "
        f"{latency['other_cores']:.2f} cores",
    ]


def _pair(stage: dict[str, float]) -> str:
    return f"{stage['p50']:.1f} / {stage['p99']:.1f}"


def _throughput_lines(flood: dict[str, Any], goal: dict[str, Any]) -> list[str]:
    cpu = flood["cpu_us_per_delivery"]
    states = ", ".join(f"{state} {n:,}" for state, n in sorted(flood["states"].items()))
    return [
        f"sustained deliveries, {flood['deliveries']:,} queued at once ({flood['per_recipient']} "
        f"announcements to each of {flood['recipients']:,} residents, direct sends answered in "
        f"{flood['queued_s']:.2f} s; our pacing lifted):",
        f"  service                {flood['per_s']:>8,.0f} /s  (first to last call "
        f"{flood['seconds']:.2f} s)   {_mark(goal)}",
        f"  plain httpx client     {flood['baseline_per_s']:>8,.0f} /s  (same server, "
        f"{flood['concurrency']} in flight, own process: the baseline)   "
        f"ratio {flood['ratio']:.2f}",
        f"  CPU per call: the plain client {flood['baseline_cpu_us_per_call']:,.0f} µs, the "
        f"Bot API {cpu.get('bot_api', 0.0):,.0f} µs (one core's worth: "
        f"{_per_core(flood['baseline_cpu_us_per_call']):,.0f}/s and "
        f"{_per_core(cpu.get('bot_api', 0.0)):,.0f}/s)",
        "  CPU µs per delivery: "
        + ", ".join(f"{label} {cpu.get(key, 0.0):,.0f}" for key, label in _CPU)
        + f" (the service's one core's worth: {_per_core(cpu.get('notifications', 0.0)):,.0f}/s)"
        + f"; other load {flood['other_cores']:.2f} cores",
        f"  states: {states}; chats whose announcements came out of order: "
        f"{flood['out_of_order_chats']}",
    ]


def _per_core(cpu_us: float) -> float:
    return 1e6 / cpu_us if cpu_us > 0 else 0.0


def _limit_lines(
    limits: dict[str, Any], overall: dict[str, Any], per_chat: dict[str, Any]
) -> list[str]:
    states = ", ".join(f"{state} {n:,}" for state, n in sorted(limits["states"].items()))
    return [
        f"Telegram's limits, production pacing ({limits['limit_per_s']:g}/s per bot, "
        f"{limits['chat_limit_per_s']:g}/s per chat): {limits['deliveries']} announcements "
        f"queued at once, {limits['per_chat']} to each of {limits['chats']} chats:",
        f"  most calls in any 1 s: {limits['peak_1s']}   {_mark(overall)};   to one chat: "
        f"{limits['chat_peak_1s']}   {_mark(per_chat)}",
        f"  sustained {limits['per_s']:.1f}/s over {limits['seconds']:.1f} s; shortest gap "
        f"between two calls to one chat {limits['chat_gap_min_ms']:.0f} ms; "
        f"{limits['chat_gaps_short']} of {limits['chat_gaps']} gaps under 1 s "
        f"({limits['chat_gaps_short_first']} between a chat's first and second call)",
        f"  states: {states}; not final {limits['unsettled']}, never arrived {limits['missing']}",
    ]
