"""The benchmark machinery works end to end (tiny counts; nothing about speed is asserted).

The bench runs as the command `make bench` runs, in a subprocess: its own stack, every
measurement, the table and the JSON, and it must leave no process behind. It uses h2load when
installed (never installing it here) and the Python client otherwise; the quick run also
exercises the Python client once either way, so the fallback path is always covered.
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

from tests.perf.load import parse_h2load_log, parse_h2load_output, percentile
from tests.perf.stack import ROOT

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


@pytest.mark.timeout(120)
def test_quick_bench_runs_end_to_end(tmp_path: Path) -> None:
    output = tmp_path / "latest.json"
    result = subprocess.run(
        [sys.executable, "-m", "tests.perf.bench", "--quick", "--no-install", "--output", output],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "event lag" in result.stdout or "JetStream lag" in result.stdout
    report = json.loads(output.read_text())

    assert report["client"] in ("h2load", "python")
    for name in ("baseline", "get", "create"):
        runs = report["throughput"][name]["runs"]
        assert len(runs) == report["rounds"]
        for figures in [*runs, report["throughput"][name]["median"]]:
            assert all(_number(figures[k]) for k in ("qps", "p50_ms", "p99_ms", "other_cores"))
            assert figures["qps"] > 0 and figures["p99_ms"] >= figures["p50_ms"] > 0
            cpu = figures["cpu_us_per_call"]
            assert set(cpu) >= {"service", "envoy", "postgres", "client"}, cpu
            assert all(_number(v) and v >= 0 for v in cpu.values()), cpu
    assert all(_number(v) and v > 0 for v in report["ratios"].values())
    lag = report["event_lag"]
    assert lag["events"] == lag["creates"] > 0
    assert all(_number(v) for v in lag.values())
    assert lag["lag_p99_ms"] >= lag["lag_p50_ms"] >= 0
    assert [t["result"] for t in report["targets"]] != [] and all(
        t["result"] in ("PASS", "MISS") for t in report["targets"]
    )
    assert report["python_client_baseline"]["qps"] > 0

    assert _processes_mentioning(report["workdir"]) == []
    assert not Path(report["workdir"]).exists()
