"""OpenTelemetry set-up for a service process.

Every call gets a span context (trace ids show up in logs and travel to other services in the
`traceparent` metadata). Spans are recorded only when an exporter is configured
(`UKM_OTEL_CONSOLE=1` prints them; an OTLP exporter can be added the same way): recording
spans nobody exports would cost every call for nothing.
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ALWAYS_ON, ParentBased


def configure_tracing(service: str) -> TracerProvider:
    """Install the process-wide tracer provider for `service` (call once, at start-up)."""
    exporting = os.environ.get("UKM_OTEL_CONSOLE") == "1"
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"ukm-{service}"}),
        # Unsampled spans still carry fresh trace and span ids, so logs and propagation work.
        sampler=ParentBased(ALWAYS_ON) if exporting else ALWAYS_OFF,
    )
    if exporting:
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def current_traceparent() -> str:
    """The W3C `traceparent` of the active span ('' outside any trace), for event envelopes."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")
