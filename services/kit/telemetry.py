"""OpenTelemetry set-up for a service process.

Spans are always created (trace ids show up in logs and travel to other services in the
`traceparent` metadata); they are exported only when an exporter is configured
(`UKM_OTEL_CONSOLE=1` prints them; an OTLP exporter can be added the same way).
"""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter


def configure_tracing(service: str) -> TracerProvider:
    """Install the process-wide tracer provider for `service` (call once, at start-up)."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"ukm-{service}"}))
    if os.environ.get("UKM_OTEL_CONSOLE") == "1":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    trace.set_tracer_provider(provider)
    return provider


def current_traceparent() -> str:
    """The W3C `traceparent` of the active span ('' outside any trace), for event envelopes."""
    from opentelemetry import propagate

    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")
