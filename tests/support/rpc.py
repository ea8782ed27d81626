"""Reading a refused call in tests: its code and its `google.rpc.ErrorInfo`."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2

from services.kit.status import details_of


def code_of(error: grpc.aio.AioRpcError) -> grpc.StatusCode:
    """The status code of a failed call (typed shorthand)."""
    code: grpc.StatusCode = error.code()
    return code


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo:
    """The `ErrorInfo` of a refused call (an empty one if it carries none)."""
    for detail in details_of(error):
        if isinstance(detail, error_details_pb2.ErrorInfo):
            return detail
    return error_details_pb2.ErrorInfo()


def reason_of(error: grpc.aio.AioRpcError) -> str:
    """The `ErrorInfo.reason` of a refused call ("" if it carries none)."""
    return str(error_info(error).reason)
