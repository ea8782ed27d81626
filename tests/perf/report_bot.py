"""The bot's part of the printed summary (its figures are in the report's JSON under `bot`; see
tests/perf/bot_latency.py)."""

from __future__ import annotations

from typing import Any

from tests.perf.bot_latency import HELP, STEPS
from tests.perf.cpu import CLIENT

# The processes whose CPU per update is printed, and how they are called there.
_CPU = (
    ("bot", "bot"),
    ("envoy", "envoy"),
    ("auth", "auth"),
    ("users", "users"),
    ("requests", "requests"),
    ("shifts", "shifts"),
    ("notifications", "notifications"),
    ("postgres", "postgres"),
    ("redis", "redis"),
    ("nats", "nats"),
    (CLIENT, "bench (people + Bot API)"),
)


def bot_table(report: dict[str, Any]) -> str:
    """Per step: p50/p99 of update → reply, against /help and the Bot API's own round trip."""
    section = report["bot"]
    goal = {t["figure"]: t for t in report["targets"]}["bot_p99_ms"]
    help_ = section["baseline_help"]
    low, high = section["think_s"]
    lines = [
        "Telegram bot — `ukm bot` as its own process, long polling the local Bot API served by "
        "the bench;",
        f"  {section['people']} people at once, {section['rounds']} × (/help + the "
        f"create-request conversation), {low:g}–{high:g} s between steps;",
        f"  {section['updates']:,} timed updates in {section['seconds']:.1f} s "
        f"({section['updates_per_s']:.1f}/s), {section['filed']} requests filed",
        "",
        f"{'update → reply':<22}{'count':>7}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
        f"{'p99 × /help':>13}{'taken p99':>11}   p99 by round",
    ]
    for name in (*STEPS, HELP):
        figures = section["steps"].get(name) if name != HELP else help_
        if figures is None:
            continue
        ratio = figures["p99_ms"] / help_["p99_ms"] if help_["p99_ms"] else 0.0
        label = f"{name} (baseline)" if name == HELP else name
        lines.append(
            f"{label:<22}{figures['count']:>7}{figures['p50_ms']:>9.1f}{figures['p99_ms']:>9.1f}"
            f"{figures['max_ms']:>9.1f}{ratio:>13.2f}{figures['taken_p99_ms']:>11.1f}   "
            + " / ".join(f"{v:.0f}" for v in figures["p99_ms_by_round"])
        )
    rtt = section["bot_api_rtt"]
    slowest = section["steps"][section["slowest_step"]]
    lines += [
        f"{'Bot API getMe':<22}{rtt['count']:>7}{rtt['p50_ms']:>9.1f}{rtt['p99_ms']:>9.1f}"
        f"{rtt['max_ms']:>9.1f}   (from the bench, all along: its loop serves the API)",
        "",
        f"slowest step {section['slowest_step']!r}: p99 {slowest['p99_ms']:.1f} ms = "
        f"{section['ratio_p99']:.2f} × /help's p99 (median step p50 = "
        f"{section['ratio_p50']:.2f} × /help's p50)   target p99 {goal['target']} ms per step  "
        f"{goal['result']}",
        "  CPU ms per update: "
        + ", ".join(
            f"{label} {section['cpu_ms_per_update'].get(key, 0.0):.1f}" for key, label in _CPU
        )
        + f"; other load {section['other_cores']:.2f} cores",
        *_mesh_lines(section["mesh_calls"]),
        f"  (`taken`: pushed → handed to the bot by getUpdates; settings "
        f"{_settings(section['settings'])}; the bot polled {section['bot_start_s']:.1f} s after "
        f"its start; onboarding and approving {section['people']} people took "
        f"{section['onboarding_s']:.1f} s, not timed)",
    ]
    return "\n".join(lines)


def _mesh_lines(mesh: dict[str, Any]) -> list[str]:
    methods = mesh["by_method"]
    calls = ", ".join(
        f"{name} {figures['per_conversation']:.1f} ({figures['p50_ms']:.0f}/"
        f"{figures['p99_ms']:.0f} ms)"
        for name, figures in methods.items()
    )
    failed = ", ".join(f"{what} ×{n}" for what, n in mesh["not_ok"].items()) or "none"
    return [
        "  the bot's calls through Envoy per conversation, its /help included (p50/p99 ms): "
        + (calls or "none"),
        f"  calls not OK: {failed}",
    ]


def _settings(settings: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in settings.items()) or "defaults"
