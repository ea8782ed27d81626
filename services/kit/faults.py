"""Which failures are the infrastructure's (a broker or database away for a moment) rather than
the request's or the code's. Consumers retry them without counting towards the DLQ; servers
answer them with UNAVAILABLE, which clients may retry.
"""

from __future__ import annotations

import socket

import grpc
import redis.exceptions
import sqlalchemy as sa

from services.kit.errors import Unavailable

# SQLSTATE classes: connection exception, transaction rollback (serialization, deadlock),
# insufficient resources, operator intervention (admin shutdown, crash shutdown…).
_TRANSIENT_SQLSTATES = ("08", "40", "53", "57P")


def is_transient(exc: BaseException) -> bool:
    """Whether a failure is the infrastructure's (retry without counting towards the DLQ)
    rather than the event's or the handler's."""
    if isinstance(exc, redis.exceptions.AuthenticationError | redis.exceptions.AuthorizationError):
        return False  # bad credentials are configuration, as for PostgreSQL (class 28)
    # Not OSError as a whole: it includes TimeoutError, and a handler that always times out
    # must end in the DLQ rather than loop forever.
    if isinstance(
        exc,
        ConnectionError
        | socket.gaierror
        | Unavailable
        | sa.exc.TimeoutError
        | sa.exc.InterfaceError
        | redis.exceptions.ConnectionError
        | redis.exceptions.TimeoutError,
    ):
        return True
    if isinstance(exc, grpc.aio.AioRpcError):
        # Another service is down or restarting (its own refusals are not ours to retry).
        return bool(exc.code() == grpc.StatusCode.UNAVAILABLE)
    if isinstance(exc, sa.exc.DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES)
    return False
