"""Before anything is measured: one call of each kind with a real gRPC client.

h2load only sees HTTP statuses, so each measured call is made once here and must return gRPC
status OK; and the two paths must really differ in what they check: the production edge
refuses `GetRequest` without a token, the open edge (pre-verified service) serves it.
"""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ukm.requests.v1 import requests_service_pb2 as pb
from ukm.requests.v1 import requests_service_pb2_grpc as rpc

from tests.perf.access_log import OK, UNAUTHENTICATED, AccessLog
from tests.perf.load import BenchError, Metadata
from tests.perf.stack import BenchStack
from tests.requests.factories import create_request

HEALTH_PATH = "/grpc.health.v1.Health/Check"
SERVICE_PATH = "/ukm.requests.v1.RequestService/"
GET_PATH = SERVICE_PATH + "GetRequest"
CREATE_PATH = SERVICE_PATH + "CreateRequest"


async def verify_paths(
    stack: BenchStack, manager: Metadata, main_log: AccessLog, open_log: AccessLog
) -> str:
    """Check both edges (see the module docstring); returns the number of the request filed,
    which the GetRequest runs read."""
    async with grpc.aio.insecure_channel(stack.edge_address) as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(), timeout=10, wait_for_ready=True
        )
        if health.status != health_pb2.HealthCheckResponse.SERVING:
            raise BenchError(f"health through Envoy says {health.status}, not SERVING")
        stub = rpc.RequestServiceStub(channel)
        created = await stub.CreateRequest(create_request(), timeout=10, metadata=manager)
        number = str(created.request.request_number)
        await _get(stub, number, manager)
        try:
            await stub.GetRequest(pb.GetRequestRequest(request_number=number), timeout=10)
        except grpc.aio.AioRpcError as refused:
            if refused.code() != grpc.StatusCode.UNAUTHENTICATED:
                raise
        else:
            raise BenchError("GetRequest without a token got through the edge")
    async with grpc.aio.insecure_channel(stack.open_edge_address) as channel:
        await _get(rpc.RequestServiceStub(channel), number, ())
    await main_log.expect_outcomes(
        {
            (HEALTH_PATH, OK): 1,
            (CREATE_PATH, OK): 1,
            (GET_PATH, OK): 1,
            (GET_PATH, UNAUTHENTICATED): 1,
        }
    )
    await open_log.expect_calls({GET_PATH: 1})
    return number


async def _get(stub: rpc.RequestServiceStub, number: str, metadata: Metadata) -> None:
    fetched = await stub.GetRequest(
        pb.GetRequestRequest(request_number=number), timeout=10, metadata=metadata or None
    )
    if fetched.request.request_number != number:
        raise BenchError(f"GetRequest({number}) returned {fetched.request.request_number}")
