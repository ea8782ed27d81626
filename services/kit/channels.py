"""Outbound gRPC: mTLS channels into the mesh with deadlines, trace context and safe retries.

Every call gets a deadline: the caller's remaining time when we are inside a call (so work stops
when nobody waits for it any more), otherwise `default_timeout`. Trace context and the request id
travel in the metadata. Only idempotent methods (GET in their HTTP rule) are retried, and only on
UNAVAILABLE.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

from services.kit.context import current_call
from services.kit.settings import Settings
from services.kit.tls import CertificateFiles, channel_credentials

_tracer = trace.get_tracer("ukm.kit.client")
# Leave the server a moment to answer before the caller's own deadline fires.
_DEADLINE_MARGIN = 0.05
_MAX_RECONNECT_BACKOFF_MS = 2_000


def mesh_channel(
    settings: Settings,
    identity: str,
    *,
    target: str | None = None,
    default_timeout: float = 5.0,
    retry_methods: Sequence[str] = (),
) -> grpc.aio.Channel:
    """A channel presenting `identity`'s certificate to the mesh listener (or `target`).

    `retry_methods` are `/pkg.Service/Method` paths that may be retried on UNAVAILABLE (see
    `services.kit.contracts.idempotent_methods`).
    """
    options: list[tuple[str, Any]] = [
        ("grpc.max_receive_message_length", 4 * settings.max_message_bytes),
        # The mesh listener is local (Envoy, or the pod's sidecar): after it was away, try
        # again within seconds, not gRPC's default of up to two minutes.
        ("grpc.max_reconnect_backoff_ms", _MAX_RECONNECT_BACKOFF_MS),
    ]
    if retry_methods:
        options.append(("grpc.service_config", _retry_config(retry_methods)))
    return grpc.aio.secure_channel(
        target or settings.mesh_address,
        channel_credentials(settings, identity),
        options=options,
        interceptors=[ClientPipeline(default_timeout)],
    )


class MeshChannels:
    """Long-lived channels for a service's outbound calls that follow certificate rotation.

    grpc reads client certificates once per channel; certificates are short-lived. `get()`
    returns the channel for a target and builds a fresh one when the identity's files have
    changed, closing the previous one once its calls had `grace` seconds to finish.
    """

    def __init__(
        self,
        settings: Settings,
        identity: str,
        *,
        default_timeout: float = 5.0,
        retry_methods: Sequence[str] = (),
        grace: float = 30.0,
    ) -> None:
        self.settings = settings
        self.identity = identity
        self.default_timeout = default_timeout
        self.retry_methods = tuple(retry_methods)
        self.grace = grace
        self._material = CertificateFiles(settings, identity)
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._closing: set[asyncio.Task[None]] = set()

    def get(self, target: str | None = None) -> grpc.aio.Channel:
        """The channel to `target` (default: the mesh address)."""
        address = target or self.settings.mesh_address
        if self._material.changed():
            for old in self._channels.values():
                task = asyncio.get_running_loop().create_task(old.close(self.grace))
                self._closing.add(task)
                task.add_done_callback(self._closing.discard)
            self._channels.clear()
        if address not in self._channels:
            self._channels[address] = mesh_channel(
                self.settings,
                self.identity,
                target=address,
                default_timeout=self.default_timeout,
                retry_methods=self.retry_methods,
            )
        return self._channels[address]

    async def close(self) -> None:
        """Close every channel (at shutdown)."""
        channels, self._channels = list(self._channels.values()), {}
        await asyncio.gather(*(c.close(self.grace) for c in channels), *self._closing)


def _retry_config(methods: Sequence[str]) -> str:
    names = []
    for path in methods:
        service, _, method = path.lstrip("/").partition("/")
        names.append({"service": service, "method": method})
    return json.dumps(
        {
            "methodConfig": [
                {
                    "name": names,
                    "retryPolicy": {
                        "maxAttempts": 3,
                        "initialBackoff": "0.05s",
                        "maxBackoff": "0.5s",
                        "backoffMultiplier": 2,
                        "retryableStatusCodes": ["UNAVAILABLE"],
                    },
                }
            ]
        }
    )


class ClientPipeline(grpc.aio.UnaryUnaryClientInterceptor, grpc.aio.UnaryStreamClientInterceptor):
    """Deadline, trace context and request id on every outbound call."""

    def __init__(self, default_timeout: float) -> None:
        self.default_timeout = default_timeout

    def _details(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        call = current_call()
        timeout = details.timeout if details.timeout is not None else self.default_timeout
        remaining = call.time_remaining()
        if remaining is not None:
            timeout = max(0.0, min(timeout, remaining - _DEADLINE_MARGIN))
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        for key, value in carrier.items():
            metadata[key] = value
        if call.request_id and "x-request-id" not in metadata:
            metadata["x-request-id"] = call.request_id
        return grpc.aio.ClientCallDetails(
            details.method, timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Unary calls."""
        method = _method_name(client_call_details.method)
        with _tracer.start_as_current_span(
            method, kind=SpanKind.CLIENT, attributes={"rpc.system": "grpc"}
        ):
            call = await continuation(self._details(client_call_details), request)
            return await call

    async def intercept_unary_stream(
        self,
        continuation: Callable[..., Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        """Server-streaming calls (the span covers starting the call)."""
        method = _method_name(client_call_details.method)
        with _tracer.start_as_current_span(
            method, kind=SpanKind.CLIENT, attributes={"rpc.system": "grpc"}
        ):
            return await continuation(self._details(client_call_details), request)


def _method_name(method: str | bytes) -> str:
    return (method.decode() if isinstance(method, bytes) else method).lstrip("/")
