"""The benchmark's figures: medians, ratios to the baseline, targets, the table and the JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.perf.lag import LagResult
from tests.perf.load import LoadResult
from tests.perf.login import LoginResult

BASELINE = "baseline"
GET = "get"
# The same GetRequest through an Envoy without jwt_authn to a service that trusts a fixed
# manager (tests/perf/preverified.py): what GetRequest would do if identity cost nothing.
GET_PREVERIFIED = "get_preverified"
CREATE = "create"
LABELS = {
    BASELINE: "Health/Check (baseline)",
    GET: "GetRequest",
    GET_PREVERIFIED: "GetRequest, pre-verified",
    CREATE: "CreateRequest",
}
ORDER = (BASELINE, GET, GET_PREVERIFIED, CREATE)


@dataclass(frozen=True)
class Goal:
    """A target printed next to a figure; never asserted."""

    name: str
    figure: str
    at_least: float | None = None
    at_most: float | None = None

    def verdict(self, value: float) -> str:
        """PASS or MISS."""
        if self.at_least is not None and value < self.at_least:
            return "MISS"
        if self.at_most is not None and value > self.at_most:
            return "MISS"
        return "PASS"

    @property
    def text(self) -> str:
        """`≥ 0.6` / `≤ 100`."""
        return f"≥ {self.at_least:g}" if self.at_least is not None else f"≤ {self.at_most:g}"


GOALS = (
    Goal("GetRequest / baseline QPS", "get_ratio", at_least=0.6),
    Goal("CreateRequest / baseline QPS", "create_ratio", at_least=0.3),
    Goal("GetRequest with token checks / pre-verified QPS", "identity_ratio", at_least=0.9),
    Goal("Login p95 ms, auth on one core", "login_p95_ms", at_most=250.0),
    Goal("event lag p99 ms at 200 creates/s", "lag_p99_ms", at_most=100.0),
    # The request lifecycle (tests/perf/lifecycle.py).
    Goal("Transition / GetRequest QPS", "transition_ratio", at_least=0.4),
    Goal("ListRequests p95 ms, slowest filter combination", "list_p95_ms", at_most=50.0),
    Goal(
        "SLA scheduler catch-up s of the due clocks (10 000 in a full run)",
        "sla_catch_up_s",
        at_most=10.0,
    ),
    # The notifications service (tests/perf/notifications.py).
    Goal(
        "notifications event → sendMessage p99 ms at 100 events/s", "notify_p99_ms", at_most=500.0
    ),
    Goal("notifications deliveries/s, our pacing lifted", "notify_per_s", at_least=300.0),
    Goal("Telegram calls in any 1 s, production pacing", "telegram_peak_1s", at_most=30.0),
    Goal("Telegram calls to one chat in any 1 s", "telegram_chat_peak_1s", at_most=1.0),
    # The Telegram bot (tests/perf/bot_latency.py).
    Goal(
        "bot update → reply p99 ms, slowest create-request step (50 people at once)",
        "bot_p99_ms",
        at_most=300.0,
    ),
)


# CPU per call: the requests service and the Envoy that served the call, the infrastructure,
# the identity services (auth + users: nothing per call once tokens are verified), the shifts
# service (asked who is on duty by workflow steps) and the load client.
COMPONENTS = ("service", "envoy", "postgres", "nats", "identity", "shifts", "client")


def median_result(runs: Sequence[LoadResult]) -> dict[str, Any]:
    """The median of each figure over the runs."""
    return {
        "qps": statistics.median(r.qps for r in runs),
        "p50_ms": statistics.median(r.p50_ms for r in runs),
        "p99_ms": statistics.median(r.p99_ms for r in runs),
        "cpu_us_per_call": {
            name: statistics.median(r.cpu_us.get(name, 0.0) for r in runs)
            for name in COMPONENTS
            if any(name in r.cpu_us for r in runs)
        },
        "other_cores": statistics.median(r.other_cores for r in runs),
    }


def build_report(
    *,
    meta: dict[str, Any],
    runs: dict[str, list[LoadResult]],
    login: LoginResult,
    lag: LagResult,
    drains: list[float],
    more_figures: Mapping[str, float] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything measured, as one JSON-friendly dict (figures rounded). `more_figures` are
    the values of goals measured elsewhere (the lifecycle's); a goal without a value is left
    out of the targets."""
    medians = {name: median_result(results) for name, results in runs.items()}
    base = medians[BASELINE]["qps"]
    ratios = {name: medians[name]["qps"] / base for name in (GET, GET_PREVERIFIED, CREATE)}
    # Paired by round (the two runs of a round are adjacent), so drift on a shared machine
    # touches both sides of each ratio alike.
    per_round = [
        checked.qps / trusted.qps
        for checked, trusted in zip(runs[GET], runs[GET_PREVERIFIED], strict=True)
    ]
    identity_ratio = statistics.median(per_round)
    # The same comparison by CPU (requests service + its Envoy per call), which other load on
    # a shared machine disturbs less than throughput.
    checked_cpu = _path_cpu(medians[GET])
    cpu_ratio = _path_cpu(medians[GET_PREVERIFIED]) / checked_cpu if checked_cpu > 0 else 0.0
    figures = {
        "get_ratio": ratios[GET],
        "create_ratio": ratios[CREATE],
        "identity_ratio": identity_ratio,
        "login_p95_ms": login.p95_ms,
        "lag_p99_ms": lag.lag_p99_ms,
        **(more_figures or {}),
    }
    report: dict[str, Any] = _rounded(
        {
            **meta,
            "throughput": {
                name: {
                    "label": LABELS[name],
                    "median": medians[name],
                    "runs": [r.as_dict() for r in results],
                }
                for name, results in runs.items()
            },
            "ratios": {
                **{f"{name}/baseline": ratio for name, ratio in ratios.items()},
                f"{GET}/{GET_PREVERIFIED}": identity_ratio,
            },
            "identity_cost": {
                "get_over_preverified_per_round": per_round,
                "ratio": identity_ratio,
                "p50_ms_added": medians[GET]["p50_ms"] - medians[GET_PREVERIFIED]["p50_ms"],
                "cpu_ratio": cpu_ratio,
            },
            "login": vars(login),
            "outbox_drain_seconds_after_create_runs": drains,
            "event_lag": vars(lag),
            "targets": targets(figures),
            **(extra or {}),
        }
    )
    return report


def targets(figures: Mapping[str, float]) -> list[dict[str, Any]]:
    """The goals that have a value in `figures`, each with its verdict."""
    return [
        {
            "name": goal.name,
            "figure": goal.figure,
            "value": figures[goal.figure],
            "target": goal.text,
            "result": goal.verdict(figures[goal.figure]),
        }
        for goal in GOALS
        if goal.figure in figures
    ]


def rounded(value: Any) -> Any:
    """`value` with every float rounded to three places (the JSON's figures)."""
    return _rounded(value)


def _path_cpu(median: dict[str, Any]) -> float:
    cpu = median["cpu_us_per_call"]
    return float(cpu.get("service", 0.0) + cpu.get("envoy", 0.0))


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def table(report: dict[str, Any]) -> str:
    """The compact summary printed at the end."""
    lines = [
        f"UKM bench — requests service via Envoy edge (h2c) → mTLS upstream; "
        f"client {report['client']}, {report['in_flight']} in flight "
        f"({report['connections']} conn × {report['streams_per_connection']} streams), "
        f"median of {report['rounds']}",
        "",
        f"{'call':<26}{'QPS':>9}{'p50 ms':>9}{'p99 ms':>9}{'× base':>9}   target",
    ]
    throughput = report["throughput"]
    verdicts = {t["figure"]: t for t in report["targets"]}
    for name in ORDER:
        median = throughput[name]["median"]
        ratio = median["qps"] / throughput[BASELINE]["median"]["qps"]
        goal = verdicts.get(f"{name}_ratio")
        mark = f"   {goal['target']:<7} {goal['result']}" if goal else ""
        lines.append(
            f"{LABELS[name]:<26}{median['qps']:>9,.0f}{median['p50_ms']:>9.1f}"
            f"{median['p99_ms']:>9.1f}{ratio:>9.2f}{mark}"
        )
    identity = report["identity_cost"]
    goal = verdicts["identity_ratio"]
    lines += [
        "",
        "token checks (Envoy jwt_authn + the service's re-verification + RBAC) on GetRequest:",
        f"  GetRequest / pre-verified QPS {identity['ratio']:.2f} (per round: "
        + ", ".join(f"{r:.2f}" for r in identity["get_over_preverified_per_round"])
        + f"), p50 {identity['p50_ms_added']:+.1f} ms   target {goal['target']}  "
        f"{goal['result']}",
        f"  by CPU of service + Envoy per call: {identity['cpu_ratio']:.2f}",
        "",
        _cpu_table(throughput),
    ]
    busiest = max(throughput[name]["median"]["other_cores"] for name in throughput)
    if busiest >= 0.25:
        lines.append(
            f"! other processes kept up to {busiest:.2f} cores busy during the runs: absolute "
            "figures are lower than on a quiet machine"
        )
    lines += ["", *_login_lines(report["login"], report["argon2"], verdicts["login_p95_ms"])]
    lag = report["event_lag"]
    goal = verdicts["lag_p99_ms"]
    lines += [
        "",
        f"outbox → JetStream lag at {lag['target_rate']:g} creates/s "
        f"(achieved {lag['achieved_rate']:.1f}/s over {lag['seconds']:.1f} s, "
        f"{lag['events']} events):",
        f"  p50 {lag['lag_p50_ms']:.1f} ms   p99 {lag['lag_p99_ms']:.1f} ms   "
        f"max {lag['lag_max_ms']:.1f} ms   target p99 {goal['target']} ms  {goal['result']}",
        f"  (paced CreateRequest latency p50 {lag['create_p50_ms']:.1f} ms, "
        f"p99 {lag['create_p99_ms']:.1f} ms)",
    ]
    drains = report["outbox_drain_seconds_after_create_runs"]
    if drains:
        lines.append(
            "outbox backlog drained after each create run in "
            + ", ".join(f"{d:.2f}" for d in drains)
            + " s"
        )
    return "\n".join(lines)


def _login_lines(login: dict[str, Any], argon2: dict[str, Any], goal: dict[str, Any]) -> list[str]:
    cost = f"m={argon2['memory_kib']} KiB t={argon2['time_cost']} p={argon2['parallelism']}"
    where = (
        f"auth pinned to CPU {login['pinned_cpu']}"
        if login["pinned_cpu"] is not None
        else "auth NOT pinned (affinity not settable here)"
    )
    return [
        f"Login (password only; Argon2id {cost}), {login['count']} sequential calls via Envoy,",
        f"  {where}:",
        f"  p50 {login['p50_ms']:.1f} ms   p95 {login['p95_ms']:.1f} ms   "
        f"p99 {login['p99_ms']:.1f} ms   max {login['max_ms']:.1f} ms   "
        f"target p95 {goal['target']} ms  {goal['result']}",
        f"  (auth service CPU {login['auth_cpu_ms']:.1f} ms per Login)",
    ]


def _cpu_table(throughput: dict[str, Any]) -> str:
    """CPU µs per call by component, and the foreign load during the runs."""
    lines = [
        f"{'CPU µs per call':<26}"
        + "".join(f"{name:>9}" for name in COMPONENTS)
        + f"{'other load':>13}"
    ]
    for name in ORDER:
        median = throughput[name]["median"]
        cpu = median["cpu_us_per_call"]
        lines.append(
            f"{LABELS[name]:<26}"
            + "".join(f"{cpu.get(c, 0.0):>9,.0f}" for c in COMPONENTS)
            + f"{median['other_cores']:>8.2f} cores"
        )
    return "\n".join(lines)


def write_json(report: dict[str, Any], path: Path) -> None:
    """Write the figures to `path` (folders created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
