"""The shared runtime of every UKM service, written once.

A service provides `app.build(settings) -> ServiceApp` and the kit does the rest: the gRPC
server (mTLS only, health, reflection, graceful shutdown), the per-call pipeline (caller,
deadline, tracing, validation, error mapping, metrics, logs), the ops port, the database
engine and migrations, the outbox relay and event consumers, and mTLS channels into the mesh.

The names below are the public surface; everything else is reached through its module
(`services.kit.outbox`, `services.kit.consumer`, …) when a service needs it.
"""

from services.kit.channels import mesh_channel
from services.kit.context import CallContext, Caller, current_call, current_caller
from services.kit.errors import (
    AlreadyExists,
    FailedPrecondition,
    FieldViolation,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    ResourceExhausted,
    UkmError,
    Unauthenticated,
    Unavailable,
)
from services.kit.server import Server, ServiceApp
from services.kit.settings import Settings

__all__ = [
    "AlreadyExists",
    "CallContext",
    "Caller",
    "FailedPrecondition",
    "FieldViolation",
    "InvalidArgument",
    "NotFound",
    "PermissionDenied",
    "ResourceExhausted",
    "Server",
    "ServiceApp",
    "Settings",
    "UkmError",
    "Unauthenticated",
    "Unavailable",
    "current_call",
    "current_caller",
    "mesh_channel",
]
