"""The server pipeline over real gRPC with mTLS: error mapping, validation, callers, request ids."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2, wrappers_pb2
from google.rpc import error_details_pb2
from ukm.requests.v1 import requests_service_pb2

from services.kit.auth import Authentication
from services.kit.context import Caller
from services.kit.errors import Unauthenticated
from services.kit.server import Server
from services.kit.status import details_of, status_of
from tests.support.probe import (
    PROBE_SERVICE,
    SECRET,
    ProbeServicer,
    as_dict,
    client_channel,
    method,
    probe_pki,
    probe_settings,
    running_probe,
    who_call,
)

OPERATOR = "spiffe://ukm.local/client/operator"
BOT = "spiffe://ukm.local/svc/bot"
XFCC = f"By=spiffe://ukm.local/svc/probe;Hash=abc123;URI={BOT}"


@dataclass
class Probe:
    server: Server
    servicer: ProbeServicer
    pki: Path
    operator: grpc.aio.Channel
    envoy: grpc.aio.Channel


@pytest.fixture(scope="module")
def pki(pki_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return probe_pki(pki_dir, tmp_path_factory.mktemp("probe-pki"))


@pytest.fixture(scope="module")
async def probe(pki: Path) -> AsyncIterator[Probe]:
    async with running_probe(probe_settings(pki)) as (server, servicer):
        operator = client_channel(pki, server.grpc_port, "operator")
        envoy = client_channel(pki, server.grpc_port, "envoy")
        try:
            yield Probe(server, servicer, pki, operator, envoy)
        finally:
            await operator.close()
            await envoy.close()


async def fail(probe: Probe, kind: str, **kwargs: Any) -> grpc.aio.AioRpcError:
    """Call `Fail` and return the error it must produce."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await method(probe.operator, "Fail", empty_pb2.Empty)(
            wrappers_pb2.StringValue(value=kind), timeout=5, **kwargs
        )
    return caught.value


def only(details: list[Any], kind: type[Any]) -> Any:
    assert [type(d) for d in details] == [kind], details
    return details[0]


def bad_request(details: list[Any]) -> None:
    violations = only(details, error_details_pb2.BadRequest).field_violations
    assert [(v.field, v.description) for v in violations] == [("address.yard_id", "must be a UUID")]


def resource_info(details: list[Any]) -> None:
    info = only(details, error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("request", "251125-001")


def precondition_info(details: list[Any]) -> None:
    info = only(details, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("TRANSITION_NOT_ALLOWED", "probe.ukm")
    assert dict(info.metadata) == {"from": "closed"}


def permission_info(details: list[Any]) -> None:
    info = only(details, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("NOT_ASSIGNEE", "probe.ukm")


def unauthenticated_info(details: list[Any]) -> None:
    info = only(details, error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("UNAUTHENTICATED", "probe.ukm")


def retry_after(seconds: float) -> Callable[[list[Any]], None]:
    def check(details: list[Any]) -> None:
        delay = only(details, error_details_pb2.RetryInfo).retry_delay
        assert delay.ToNanoseconds() == int(seconds * 1e9)

    return check


def no_details(details: list[Any]) -> None:
    assert details == []


@pytest.mark.parametrize(
    ("kind", "code", "message", "check"),
    [
        (
            "invalid",
            grpc.StatusCode.INVALID_ARGUMENT,
            "address.yard_id: must be a UUID",
            bad_request,
        ),
        ("not_found", grpc.StatusCode.NOT_FOUND, "request 251125-001 not found", resource_info),
        ("already_exists", grpc.StatusCode.ALREADY_EXISTS, "already exists", no_details),
        (
            "precondition",
            grpc.StatusCode.FAILED_PRECONDITION,
            "cannot be assigned",
            precondition_info,
        ),
        ("permission", grpc.StatusCode.PERMISSION_DENIED, "only the assignee", permission_info),
        ("unauthenticated", grpc.StatusCode.UNAUTHENTICATED, "sign in first", unauthenticated_info),
        ("exhausted", grpc.StatusCode.RESOURCE_EXHAUSTED, "too many", retry_after(2.5)),
        ("unavailable", grpc.StatusCode.UNAVAILABLE, "database is down", retry_after(1.0)),
    ],
)
async def test_domain_errors_become_statuses_with_details(
    probe: Probe,
    kind: str,
    code: grpc.StatusCode,
    message: str,
    check: Callable[[list[Any]], None],
) -> None:
    error = await fail(probe, kind)

    assert error.code() == code
    assert message in (error.details() or "")
    status = status_of(error)
    assert status is not None and status.code == code.value[0]
    assert status.message == error.details()
    check(details_of(error))


async def test_unexpected_exception_is_internal_with_request_id_and_no_internals(
    probe: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="ukm.rpc"):
        quoted = await fail(probe, "crash", metadata=(("x-request-id", "req-crash-1"),))
        generated = await fail(probe, "crash")

    assert quoted.code() == grpc.StatusCode.INTERNAL
    assert quoted.details() == "internal error; quote request id req-crash-1"
    assert generated.code() == grpc.StatusCode.INTERNAL
    assert re.fullmatch(r"internal error; quote request id [0-9a-f]{32}", generated.details() or "")
    for error in (quoted, generated):
        assert SECRET not in (error.details() or "")
        assert SECRET not in repr(error.trailing_metadata())
        assert details_of(error) == []
    # The operator still gets the whole story, in the log.
    failures = [r for r in caplog.records if r.getMessage() == "rpc failed"]
    assert len(failures) == 2
    assert all(r.exc_info and SECRET in str(r.exc_info[1]) for r in failures)


async def test_validation_runs_before_the_handler(probe: Probe) -> None:
    validate = method(probe.operator, "Validate", empty_pb2.Empty)
    before = probe.servicer.validated

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await validate(requests_service_pb2.GetRequestRequest(request_number="12-ab"), timeout=5)

    error = caught.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert (error.details() or "").startswith("invalid GetRequestRequest: request_number:")
    violations = only(details_of(error), error_details_pb2.BadRequest).field_violations
    assert [v.field for v in violations] == ["request_number"]
    assert violations[0].description
    assert probe.servicer.validated == before  # the handler never ran

    await validate(requests_service_pb2.GetRequestRequest(request_number="251125-001"), timeout=5)
    assert probe.servicer.validated == before + 1


async def test_an_undecodable_body_is_invalid_argument_not_a_crash(probe: Probe) -> None:
    raw = probe.operator.unary_unary(
        f"/{PROBE_SERVICE}/Validate",
        request_serializer=lambda data: data,
        response_deserializer=lambda data: data,
    )
    before = probe.servicer.validated

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await raw(b"\xff\xff\xff\xff", timeout=5)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "not a valid ukm.requests.v1.GetRequestRequest" in (caught.value.details() or "")
    assert probe.servicer.validated == before


async def test_an_error_mid_stream_keeps_the_items_sent_and_maps_the_error(probe: Probe) -> None:
    count = probe.operator.unary_stream(
        f"/{PROBE_SERVICE}/Count",
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=wrappers_pb2.Int32Value.FromString,
    )
    assert [m.value async for m in count(wrappers_pb2.Int32Value(value=3), timeout=5)] == [1, 2, 3]

    received: list[int] = []

    async def read_all() -> None:
        async for message in count(wrappers_pb2.Int32Value(value=-2), timeout=5):
            received.append(message.value)

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await read_all()

    assert received == [1, 2]
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    info = only(details_of(caught.value), error_details_pb2.ResourceInfo)
    assert (info.resource_type, info.resource_name) == ("item", "3")


async def who(channel: grpc.aio.Channel, *metadata: tuple[str, str]) -> dict[str, Any]:
    answer: struct_pb2.Struct = await who_call(channel)(
        empty_pb2.Empty(), metadata=metadata or None, timeout=5
    )
    return as_dict(answer)


async def test_a_direct_caller_is_identified_by_its_certificate(probe: Probe) -> None:
    assert (await who(probe.operator))["workload"] == OPERATOR


async def test_the_gateway_passes_on_the_original_caller(probe: Probe) -> None:
    assert (await who(probe.envoy, ("x-forwarded-client-cert", XFCC)))["workload"] == BOT
    # Envoy appends its own element to a chain; the nearest (last) one counts.
    chain = f"By=spiffe://ukm.local/svc/envoy;URI=spiffe://ukm.local/svc/evil,{XFCC}"
    assert (await who(probe.envoy, ("x-forwarded-client-cert", chain)))["workload"] == BOT
    # The gateway without a forwarded identity vouches for nobody.
    assert (await who(probe.envoy))["workload"] == ""


async def test_a_forwarded_identity_from_anyone_but_the_gateway_is_ignored(probe: Probe) -> None:
    seen = await who(probe.operator, ("x-forwarded-client-cert", XFCC))
    assert seen["workload"] == OPERATOR


async def test_the_request_id_comes_from_metadata_or_is_made_up(probe: Probe) -> None:
    given = await who(probe.operator, ("x-request-id", "req-7f3a"))
    assert given["request_id"] == "req-7f3a"
    assert given["method"] == f"/{PROBE_SERVICE}/Who"

    first, second = await who(probe.operator), await who(probe.operator)
    assert re.fullmatch(r"[0-9a-f]{32}", first["request_id"])
    assert first["request_id"] != second["request_id"]


async def test_the_call_context_carries_the_callers_deadline(probe: Probe) -> None:
    answer = as_dict(await who_call(probe.operator)(empty_pb2.Empty(), timeout=2.0))
    # gRPC rounds the wire timeout up a little, so allow a few milliseconds over.
    assert 1.5 < answer["kit_time_remaining"] <= 2.05
    assert abs(answer["kit_time_remaining"] - answer["grpc_time_remaining"]) < 0.05

    without = as_dict(await who_call(probe.operator)(empty_pb2.Empty()))
    assert without["kit_time_remaining"] is None
    assert without["grpc_time_remaining"] is None


async def test_an_abort_from_the_handler_is_counted_under_its_own_code(probe: Probe) -> None:
    """Handlers should raise UkmError, but a `context.abort` must not be mislabelled either."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await method(probe.operator, "Abort", empty_pb2.Empty)(empty_pb2.Empty(), timeout=5)
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND

    registry = probe.server.app.metrics.registry
    labels = {"grpc_service": PROBE_SERVICE, "grpc_method": "Abort"}

    def counted(code: str) -> float | None:
        return registry.get_sample_value("grpc_server_handled_total", labels | {"grpc_code": code})

    # `abort` sends the status before the handler unwinds, so the client can see it before the
    # pipeline has counted the call: wait for the count.
    for _ in range(100):
        if counted("NOT_FOUND") is not None:
            break
        await asyncio.sleep(0.02)
    assert counted("NOT_FOUND") == 1.0
    assert counted("ABORTED") is None


class _RefusingAuthenticator:
    """What the identity step will do: refuse calls without a valid token."""

    async def authenticate(self, metadata: Mapping[str, str], context: Any) -> Authentication:
        if metadata.get("authorization") != "Bearer good":
            raise Unauthenticated("a valid bearer token is required")
        return Authentication(Caller(workload=OPERATOR, user_id="u-1"))


async def test_an_authenticator_refusal_is_unauthenticated_with_details(pki: Path) -> None:
    """`Authenticator` may raise `Unauthenticated` (its documented contract)."""
    async with (
        running_probe(probe_settings(pki), authenticator=_RefusingAuthenticator()) as (server, _),
        client_channel(pki, server.grpc_port) as channel,
    ):
        allowed = await who(channel, ("authorization", "Bearer good"))
        assert allowed["workload"] == OPERATOR

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await who(channel, ("authorization", "Bearer forged"))

        registry = server.app.metrics.registry
        refused = registry.get_sample_value(
            "grpc_server_handled_total",
            {"grpc_service": PROBE_SERVICE, "grpc_method": "Who", "grpc_code": "UNAUTHENTICATED"},
        )

    error = caught.value
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error.details() == "a valid bearer token is required"
    info = only(details_of(error), error_details_pb2.ErrorInfo)
    assert (info.reason, info.domain) == ("UNAUTHENTICATED", "probe.ukm")
    assert refused == 1.0
