"""JSON logs: one object per line, with the trace and request ids of the call being handled."""

from __future__ import annotations

import io
import json
import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, wrappers_pb2
from opentelemetry import trace
from opentelemetry.trace import NonRecordingSpan, SpanContext, TraceFlags

from services.kit.context import CallContext, Caller, enter_call, leave_call
from services.kit.logs import JsonFormatter, configure_logging
from tests.support.probe import (
    PROBE_SERVICE,
    SECRET,
    client_channel,
    method,
    probe_pki,
    probe_settings,
    running_probe,
)

TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
SPAN_ID = 0x00F067AA0BA902B7


class Lines:
    """A logger whose output, formatted by JsonFormatter, can be read back as parsed lines."""

    def __init__(self, name: str, service: str = "requests") -> None:
        self.stream = io.StringIO()
        self.handler = logging.StreamHandler(self.stream)
        self.handler.setFormatter(JsonFormatter(service))
        self.logger = logging.getLogger(name)

    def __enter__(self) -> Lines:
        self.logger.addHandler(self.handler)
        self.level = self.logger.level
        self.logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc: object) -> None:
        self.logger.removeHandler(self.handler)
        self.logger.setLevel(self.level)

    def raw(self) -> list[str]:
        return self.stream.getvalue().splitlines()

    def parsed(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.raw()]


@pytest.fixture
def lines() -> Iterator[Lines]:
    with Lines("test.logs") as captured:
        yield captured


def test_a_record_is_one_json_object_with_the_essentials(lines: Lines) -> None:
    lines.logger.info("filed request %s", "251125-001")

    [entry] = lines.parsed()
    assert entry["level"] == "info"
    assert entry["service"] == "requests"
    assert entry["logger"] == "test.logs"
    assert entry["msg"] == "filed request 251125-001"
    assert datetime.fromisoformat(entry["ts"]).tzinfo is not None
    # Outside spans and calls there is nothing to correlate with.
    assert not {"trace_id", "span_id", "request_id", "exc"} & set(entry)


def test_trace_and_span_ids_inside_a_span(lines: Lines) -> None:
    context = SpanContext(TRACE_ID, SPAN_ID, is_remote=False, trace_flags=TraceFlags(1))
    with trace.use_span(NonRecordingSpan(context)):
        lines.logger.warning("inside")
    lines.logger.warning("outside")

    inside, outside = lines.parsed()
    assert inside["trace_id"] == "4bf92f3577b34da6a3ce929d0e0e4736"
    assert inside["span_id"] == "00f067aa0ba902b7"
    assert inside["level"] == "warning"
    assert "trace_id" not in outside


def test_the_request_id_inside_a_call(lines: Lines) -> None:
    token = enter_call(CallContext(caller=Caller(workload="spiffe://x"), request_id="req-42"))
    try:
        lines.logger.info("handling")
    finally:
        leave_call(token)
    lines.logger.info("done")

    handling, done = lines.parsed()
    assert handling["request_id"] == "req-42"
    assert "request_id" not in done


def test_extra_fields_are_logged_and_anything_becomes_json(lines: Lines) -> None:
    moment = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
    lines.logger.info(
        "assigned",
        extra={"executor_id": "e-1", "attempt": 2, "score": 0.75, "at": moment, "tags": ["a"]},
    )

    [entry] = lines.parsed()
    assert entry["executor_id"] == "e-1"
    assert entry["attempt"] == 2
    assert entry["score"] == 0.75
    assert entry["at"] == str(moment)
    assert entry["tags"] == ["a"]
    assert "taskName" not in entry and "args" not in entry


def test_extra_fields_cannot_overwrite_the_core_fields(lines: Lines) -> None:
    # `request_id` is a natural name for a *domain* request's id in this system.
    token = enter_call(CallContext(request_id="req-call"))
    try:
        lines.logger.info("closed", extra={"request_id": "251125-001", "service": "other"})
    finally:
        leave_call(token)

    [entry] = lines.parsed()
    assert entry["request_id"] == "req-call"
    assert entry["service"] == "requests"
    # ... and the colliding values are not lost either (under whatever key the kit picks).
    assert {"251125-001", "other"} <= set(entry.values())


def test_an_exception_stays_on_one_line_with_its_traceback(lines: Lines) -> None:
    try:
        raise ValueError("boom: Заявка не найдена")
    except ValueError:
        lines.logger.exception("relay failed")

    [line] = lines.raw()  # newlines of the traceback are escaped, not emitted
    entry = json.loads(line)
    assert entry["level"] == "error"
    assert entry["msg"] == "relay failed"
    assert entry["exc"].startswith("Traceback (most recent call last):")
    assert entry["exc"].rstrip().endswith("ValueError: boom: Заявка не найдена")
    assert "Заявка" in line  # readable, not \u-escaped


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Restore the root logger after a test that reconfigures it."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    noisy = {name: logging.getLogger(name).level for name in ("asyncio", "aiohttp.access", "nats")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, saved in noisy.items():
        logging.getLogger(name).setLevel(saved)


def test_configure_logging_sends_json_to_stderr(
    root_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("media", "warning")
    logging.getLogger("services.media").info("hidden")
    logging.getLogger("services.media").warning("shown", extra={"upload_id": "u-1"})
    logging.getLogger("nats").info("noise")
    sys.stderr.flush()

    err = capsys.readouterr().err
    [entry] = [json.loads(line) for line in err.splitlines()]
    assert (entry["service"], entry["msg"], entry["upload_id"]) == ("media", "shown", "u-1")


async def test_the_pipeline_logs_failures_with_the_calls_ids(
    pki_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    pki = probe_pki(pki_dir, tmp_path_factory.mktemp("probe-pki"))
    trace_id = "0af7651916cd43dd8448eb211c80319c"
    metadata = (
        ("x-request-id", "req-log-1"),
        ("traceparent", f"00-{trace_id}-b7ad6b7169203331-01"),
    )
    with Lines("ukm.rpc", service="probe") as captured:
        async with (
            running_probe(probe_settings(pki)) as (server, _),
            client_channel(pki, server.grpc_port) as channel,
        ):
            fail = method(channel, "Fail", empty_pb2.Empty)
            for kind in ("not_found", "crash"):
                with pytest.raises(grpc.aio.AioRpcError):
                    await fail(wrappers_pb2.StringValue(value=kind), metadata=metadata, timeout=5)

    refused, failed = captured.parsed()
    for entry in (refused, failed):
        assert entry["service"] == "probe"
        assert entry["request_id"] == "req-log-1"
        assert entry["trace_id"] == trace_id
        assert re.fullmatch(r"[0-9a-f]{16}", entry["span_id"])
        assert entry["method"] == f"/{PROBE_SERVICE}/Fail"
    assert (refused["level"], refused["msg"], refused["code"]) == (
        "info",
        "rpc refused",
        "NOT_FOUND",
    )
    assert refused["error"] == "request 251125-001 not found"
    assert (failed["level"], failed["msg"]) == ("error", "rpc failed")
    assert SECRET in failed["exc"]  # the operator sees what the caller must not
