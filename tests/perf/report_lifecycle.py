"""The lifecycle's part of the printed summary (its figures are in the report's JSON under
`transition`, `dataset`, `listing` and `sla_catch_up`; see tests/perf/lifecycle.py)."""

from __future__ import annotations

from typing import Any

from tests.perf.report import COMPONENTS
from tests.perf.transition import GET, TRANSITION

_LABELS = {GET: "GetRequest", TRANSITION: "Transition (reassign)"}


def lifecycle_table(report: dict[str, Any]) -> str:
    """Transition vs GetRequest, ListRequests per filter combination, the SLA catch-up."""
    verdicts = {t["figure"]: t for t in report["targets"]}
    return "\n".join(
        [
            *_transition_lines(report["transition"], verdicts["transition_ratio"]),
            "",
            *_listing_lines(report["dataset"], report["listing"], verdicts["list_p95_ms"]),
            "",
            *_catch_up_lines(report["sla_catch_up"], verdicts["sla_catch_up_s"]),
        ]
    )


def _transition_lines(transition: dict[str, Any], goal: dict[str, Any]) -> list[str]:
    first = transition["first_assignment"]
    lines = [
        f"Transition MANAGER_ASSIGN vs GetRequest, each call on its own request "
        f"({transition['requests_per_run']} per run, {transition['protocol'].upper()} "
        "through the edge, the same client for both):",
        f"{'call':<26}{'QPS':>9}{'p50 ms':>9}{'p99 ms':>9}"
        + "".join(f"{c:>9}" for c in COMPONENTS)
        + "   (CPU µs per call)",
    ]
    for name in (GET, TRANSITION):
        median = transition["throughput"][name]["median"]
        cpu = median["cpu_us_per_call"]
        lines.append(
            f"{_LABELS[name]:<26}{median['qps']:>9,.0f}{median['p50_ms']:>9.1f}"
            f"{median['p99_ms']:>9.1f}" + "".join(f"{cpu.get(c, 0.0):>9,.0f}" for c in COMPONENTS)
        )
    lines += [
        f"  Transition / GetRequest QPS {transition['ratio']:.2f} (per round: "
        + ", ".join(f"{r:.2f}" for r in transition["per_round"])
        + f")   target {goal['target']}  {goal['result']}",
        f"  (warm-up, first assignments NEW → IN_PROGRESS: {first['qps']:,.0f} QPS; outbox "
        "drained after each run in "
        + ", ".join(f"{d:.2f}" for d in transition["outbox_drain_seconds"])
        + " s)",
    ]
    return lines


def _listing_lines(
    dataset: dict[str, Any], listing: list[dict[str, Any]], goal: dict[str, Any]
) -> list[str]:
    lines = [
        f"ListRequests as the manager, one call at a time, page of 20, on {dataset['requests']:,} "
        f"generated requests, before the load runs (generated in {dataset['generate_s']:.1f} s, "
        f"COPY + ANALYZE {dataset['insert_s']:.1f} s):",
        f"{'filters':<38}{'matching':>9}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'other load':>13}",
    ]
    for case in listing:
        lines.append(
            f"{case['label']:<38}{case['matching']:>9,}{case['p50_ms']:>9.1f}"
            f"{case['p95_ms']:>9.1f}{case['max_ms']:>9.1f}{case['other_cores']:>8.2f} cores"
            + ("   ! matched nothing" if case["matching"] == 0 else "")
        )
    lines.append(
        f"  slowest p95 {goal['value']:.1f} ms   target {goal['target']} ms  {goal['result']}"
    )
    return lines


def _catch_up_lines(catch_up: dict[str, Any], goal: dict[str, Any]) -> list[str]:
    return [
        f"SLA scheduler (the service's own) catching up {catch_up['clocks']:,} due clocks "
        f"({catch_up['due_at_landing']:,} due right after they landed):",
        f"  {catch_up['catch_up_s']:.2f} s from its first batch to the last alert in the outbox "
        f"({catch_up['alerts_per_s']:,.0f} alerts/s)   target {goal['target']} s  "
        f"{goal['result']}",
        f"  noticed {catch_up['noticed_after_s']:.2f} s after the landing; the last SlaWarning "
        f"reached JetStream {catch_up['published_s']:.2f} s after the first batch",
    ]
