"""The benchmark machinery works end to end (tiny counts; nothing about speed is asserted).

The bench runs as the command `make bench` runs, in a subprocess: its own stack (every service
of the topology, Envoy with token checks, and the pre-verified requests service behind an Envoy
without them), every measurement (the lifecycle's on small counts: a few dozen Transition
calls, 3 000 generated requests, 1 000 due clocks; the notifications service's on a few hundred
deliveries: a production-paced burst, a second of events at 100/s, a small flood; the bot's
with a few people filing one request each through `ukm bot`), the table and the JSON, and it
must leave no process behind (the bot's neither).
It uses h2load when installed (never installing it here) and the Python client otherwise; the
quick run also exercises the Python client once either way, so the fallback path is always
covered. The pieces with logic of their own are checked on their own too.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mesh.envoy import render_envoy_config
from mesh.topology import load_topology
from services.kit.rbac import AccessPolicy
from tests.perf.access_log import AccessLog
from tests.perf.bot_api import NUMBER, Arrival
from tests.perf.bot_latency import HELP, STEPS
from tests.perf.load import (
    BenchError,
    H2LoadClient,
    Target,
    parse_h2load_log,
    parse_h2load_output,
    percentile,
)
from tests.perf.measure import round_order
from tests.perf.notify_pacing import busiest_window, gaps
from tests.perf.notify_throughput import out_of_order_chats, rate_of
from tests.perf.open_edge import JWT_FILTER, without_token_checks
from tests.perf.preverified import AllowEverything, PreverifiedAuthenticator, manager
from tests.perf.stack import DESCRIPTOR, ROOT

MEASURED = ("baseline", "get", "get_preverified", "create")
LISTING_CASES = {
    "newest",
    "status_category",
    "executor",
    "yard",
    "yard_open",
    "sla_warning",
    "sla_breached",
    "text_common",
    "text_rare",
}

H2LOAD_SUMMARY = """
finished in 1.02s, 4893.21 req/s, 1.23MB/s
requests: 5000 total, 5000 started, 5000 done, 5000 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 5000 2xx, 0 3xx, 0 4xx, 0 5xx
"""


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _processes_mentioning(text: str) -> list[str]:
    """Command lines of live processes whose command line or environment contains `text`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in cmdline or text.encode() in environ:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile([7.0], 99) == 7.0


def test_h2load_output_and_log_are_parsed() -> None:
    summary = parse_h2load_output(H2LOAD_SUMMARY)
    assert (summary.total, summary.succeeded, summary.qps) == (5000, 5000, 4893.21)
    assert summary.seconds == pytest.approx(1.02)
    log = "1764110000000000\t200\t1500\n1764110000000100\t200\t2500\n"
    assert parse_h2load_log(log) == [1.5, 2.5]


def test_h2load_sends_the_targets_metadata(tmp_path: Path) -> None:
    client = H2LoadClient("h2load", "127.0.0.1:1", tmp_path, connections=1, streams=1)
    target = Target("get", "/p.S/M", b"", metadata=(("authorization", "Bearer t0k3n"),))
    argv = client.argv(target, 10, tmp_path / "body", tmp_path / "log")
    assert argv[argv.index("authorization: Bearer t0k3n") - 1] == "-H"


def test_rounds_alternate_which_getrequest_run_goes_first() -> None:
    first, second = round_order(1), round_order(2)
    assert sorted(first) == sorted(second) == sorted(MEASURED)
    assert first.index("get") < first.index("get_preverified")
    assert second.index("get_preverified") < second.index("get")
    assert first[0] == second[0] == "baseline" and first[-1] == second[-1] == "create"


def _http_filters(config: dict[str, Any]) -> list[list[str]]:
    return [
        [f["name"] for f in network["typed_config"]["http_filters"]]
        for listener in config["static_resources"]["listeners"]
        for chain in listener["filter_chains"]
        for network in chain["filters"]
    ]


def test_the_open_edge_differs_only_by_the_token_filter(pki_dir: Path) -> None:
    config = render_envoy_config(load_topology(), pki_dir=pki_dir, descriptor_path=DESCRIPTOR)
    opened = without_token_checks(config)
    assert any(JWT_FILTER in names for names in _http_filters(config))
    assert not any(JWT_FILTER in names for names in _http_filters(opened))
    assert [[n for n in names if n != JWT_FILTER] for names in _http_filters(config)] == (
        _http_filters(opened)
    )
    assert opened["static_resources"]["clusters"] == config["static_resources"]["clusters"]
    with pytest.raises(ValueError, match="jwt_authn"):
        without_token_checks(opened)


async def test_the_preverified_identity_is_a_manager_allowed_everything() -> None:
    fixed = manager("9c4f5da1-6ec0-4f88-b154-3d4e5f607182")
    answer = await PreverifiedAuthenticator(fixed).authenticate({}, None)
    assert answer is fixed and answer.caller.is_staff and answer.caller.status == "approved"
    policy = AccessPolicy.load()
    for method in policy.rules:  # even methods only other services may call
        AllowEverything().check(method, answer.caller, None)


async def test_the_access_log_check_counts_only_the_edge_and_the_paths_asked(
    tmp_path: Path,
) -> None:
    path = tmp_path / "access.log"
    entries = [
        {"listener": "edge_http", "path": "/a/Get", "grpc_status": "0"},
        {"listener": "edge_http", "path": "/.well-known/jwks.json", "grpc_status": "-"},
        {"listener": "mesh", "path": "/a/Get", "grpc_status": "0"},
        {"listener": "edge_http", "path": "/a/Get", "grpc_status": "16"},
    ]
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    log = AccessLog(path)
    await log.expect_outcomes({("/a/Get", "0"): 1, ("/a/Get", "16"): 1}, within=0.5)
    path.write_text(path.read_text() + json.dumps(entries[3]) + "\n")
    with pytest.raises(BenchError, match="UNAUTHENTICATED"):
        await log.expect("/a/Get", 1, within=0.5)


def _arrival(at: float, chat: int, number: str) -> Arrival:
    return Arrival(at, at, chat, number, 200)


def test_the_bench_numbers_are_found_in_any_language() -> None:
    texts = (
        "<b>Вам назначена заявка №990001-17</b>\nКатегория: Сантехника",
        "<b>№990001-17 ariza sizga tayinlandi</b>",
        "Объявление №990001-17: плановое отключение воды 25.11.2026 10:00",
    )
    for text in texts:
        found = NUMBER.search(text)
        assert found is not None and found.group(1) == "990001-17", text
    assert NUMBER.search("Заявка №261204-101") is None  # a real request's number


def test_the_busiest_window_counts_a_half_open_second() -> None:
    paced = [i * 0.034 for i in range(90)]  # just under 30 a second
    assert busiest_window(paced) == 30
    assert busiest_window([0.0, 0.999, 1.0, 2.5]) == 2
    assert busiest_window([0.0, 1.0, 2.0]) == 1  # exactly one second apart: one per window
    assert busiest_window([]) == 0
    assert gaps([2.0, 0.0, 1.5]) == [1.5, 0.5]


def test_rates_and_per_chat_order_are_read_off_the_arrivals() -> None:
    arrivals = [
        _arrival(0.0, 1, "990002-1"),
        _arrival(0.1, 2, "990002-1"),
        _arrival(0.2, 2, "990002-3"),
        _arrival(0.3, 2, "990002-2"),
        _arrival(0.5, 1, "990002-2"),
    ]
    rate = rate_of(arrivals)
    assert (rate.calls, rate.seconds, rate.per_s) == (5, 0.5, 8.0)
    assert rate_of(arrivals[:1]).per_s == 0.0
    assert out_of_order_chats(arrivals) == 1


# A quick run takes 30–60 s on two busy cores; the margin is for a machine shared with others.
@pytest.mark.timeout(180)
def test_quick_bench_runs_end_to_end(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    result = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench", "--quick", "--no-install", "--output", output],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=170,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "event lag" in result.stdout or "JetStream lag" in result.stdout
    assert "Transition / GetRequest" in result.stdout and "SLA scheduler" in result.stdout
    assert "Notifications" in result.stdout and "Telegram's limits" in result.stdout
    assert "Telegram bot" in result.stdout and "/help (baseline)" in result.stdout
    report = json.loads(output.read_text())

    assert report["client"] in ("h2load", "python")
    for name in MEASURED:
        runs = report["throughput"][name]["runs"]
        assert len(runs) == report["rounds"]
        for figures in [*runs, report["throughput"][name]["median"]]:
            assert all(_number(figures[k]) for k in ("qps", "p50_ms", "p99_ms", "other_cores"))
            assert figures["qps"] > 0 and figures["p99_ms"] >= figures["p50_ms"] > 0
            cpu = figures["cpu_us_per_call"]
            assert set(cpu) >= {"service", "envoy", "postgres", "identity", "client"}, cpu
            assert all(_number(v) and v >= 0 for v in cpu.values()), cpu
    assert all(_number(v) and v > 0 for v in report["ratios"].values())
    assert set(report["ratios"]) >= {"get/baseline", "create/baseline", "get/get_preverified"}
    identity = report["identity_cost"]
    assert len(identity["get_over_preverified_per_round"]) == report["rounds"]
    assert _number(identity["ratio"]) and identity["ratio"] > 0
    assert _number(identity["cpu_ratio"]) and identity["cpu_ratio"] >= 0

    login = report["login"]
    assert login["count"] > 0 and _number(login["auth_cpu_ms"]) and login["auth_cpu_ms"] >= 0
    assert 0 < login["p50_ms"] <= login["p95_ms"] <= login["p99_ms"] <= login["max_ms"]
    assert login["pinned_cpu"] is None or login["pinned_cpu"] >= 0
    lag = report["event_lag"]
    assert lag["events"] == lag["creates"] > 0
    assert all(_number(v) for v in lag.values())
    assert lag["lag_p99_ms"] >= lag["lag_p50_ms"] >= 0
    assert {t["figure"] for t in report["targets"]} == {
        "get_ratio",
        "create_ratio",
        "identity_ratio",
        "login_p95_ms",
        "lag_p99_ms",
        "transition_ratio",
        "list_p95_ms",
        "sla_catch_up_s",
        "notify_p99_ms",
        "notify_per_s",
        "telegram_peak_1s",
        "telegram_chat_peak_1s",
        "bot_p99_ms",
    }
    assert all(t["result"] in ("PASS", "MISS") for t in report["targets"])
    assert report["python_client_baseline"]["qps"] > 0
    assert report["token_renewals"] > 0  # the quick run renews before every signed run
    _check_lifecycle(report)
    _check_notifications(report)
    _check_bot(report)

    assert _processes_mentioning(report["workdir"]) == []
    assert not Path(report["workdir"]).exists()


def _check_lifecycle(report: dict[str, Any]) -> None:
    """The lifecycle's sections: every run complete, every figure a number where it belongs."""
    transition = report["transition"]
    assert transition["protocol"] in ("rest", "grpc")
    assert len(transition["per_round"]) == report["rounds"]
    assert _number(transition["ratio"]) and transition["ratio"] > 0
    for name in ("get_spread", "transition"):
        runs = transition["throughput"][name]["runs"]
        assert len(runs) == report["rounds"]
        assert all(run["requests"] == transition["requests_per_run"] > 0 for run in runs)
        assert all(run["qps"] > 0 and run["p99_ms"] >= run["p50_ms"] > 0 for run in runs)
    assert transition["first_assignment"]["requests"] == transition["requests_per_run"]
    # Drained after the warm-up's Transition run and after each round's.
    assert len(transition["outbox_drain_seconds"]) == report["rounds"] + 1
    # The Python client's spread runs work too (it is the fallback when h2load is missing).
    assert transition["protocol"] == "grpc" or transition["python_client_get"]["qps"] > 0

    assert report["dataset"]["requests"] > 0
    listing = report["listing"]
    assert {case["name"] for case in listing} == LISTING_CASES
    for case in listing:
        assert case["calls"] > 0 and 0 < case["p50_ms"] <= case["p95_ms"] <= case["max_ms"]
        assert case["page_rows"] == min(20, case["matching"])
    newest = next(case for case in listing if case["name"] == "newest")
    assert newest["matching"] > report["dataset"]["requests"]  # the generated and the bench's

    catch_up = report["sla_catch_up"]
    assert catch_up["clocks"] > 0 and catch_up["due_at_landing"] >= 0
    assert all(_number(catch_up[k]) for k in ("catch_up_s", "published_s", "noticed_after_s"))
    assert catch_up["catch_up_s"] > 0 and catch_up["alerts_per_s"] > 0


def _check_notifications(report: dict[str, Any]) -> None:
    """The notifications section: every figure a number, nothing lost, the defaults in force."""
    section = report["notifications"]
    assert section["worker_settings"]["UKM_NOTIFY_*"] == "defaults"
    latency = section["latency"]
    assert latency["events"] > 0 and latency["achieved_rate"] > 0
    assert latency["max_ms"] >= latency["p99_ms"] >= latency["p50_ms"] > 0
    assert latency["broker_p99_ms"] >= latency["broker_p50_ms"] > 0
    assert _number(latency["ratio_p99"]) and latency["ratio_p99"] > 0
    for stage in ("intake_ms", "to_claim_ms", "to_call_ms"):
        assert latency[stage]["p99"] >= latency[stage]["p50"], stage
    flood = section["throughput"]
    assert flood["states"] == {"delivered": flood["deliveries"]} and flood["deliveries"] > 0
    assert flood["per_s"] > 0 and flood["baseline_per_s"] > 0 and flood["ratio"] > 0
    assert all(_number(v) and v >= 0 for v in flood["cpu_us_per_delivery"].values())
    limits = section["telegram_limits"]
    assert limits["states"] == {"delivered": limits["deliveries"]} and limits["deliveries"] > 0
    assert limits["unsettled"] == limits["missing"] == 0
    assert limits["peak_1s"] >= limits["chat_peak_1s"] >= 1
    assert limits["chat_gaps"] == limits["deliveries"] - limits["chats"]
    assert limits["per_s"] > 0 and limits["chat_gap_min_ms"] > 0


def _check_bot(report: dict[str, Any]) -> None:
    """The bot's section: every step timed for every conversation, nothing refused."""
    section = report["bot"]
    conversations = section["people"] * section["rounds"]
    assert conversations > 0 and section["filed"] == conversations
    steps = section["steps"]
    assert set(steps) == set(STEPS)  # the quick run's people take turns sending a photo
    assert all(steps[name]["count"] == conversations for name in STEPS if name != "photo")
    assert section["baseline_help"]["count"] == conversations
    assert section["updates"] == sum(f["count"] for f in steps.values()) + conversations
    for figures in [*steps.values(), section["baseline_help"], section["bot_api_rtt"]]:
        assert figures["max_ms"] >= figures["p99_ms"] >= figures["p50_ms"] > 0, figures
        assert figures["taken_p99_ms"] >= 0
    assert section["slowest_step"] in STEPS and HELP not in steps
    assert _number(section["ratio_p99"]) and section["ratio_p99"] > 0
    assert section["cpu_ms_per_update"]["bot"] > 0
    mesh = section["mesh_calls"]
    assert mesh["not_ok"] == {} and mesh["by_method"]["CreateRequest"]["count"] == conversations
