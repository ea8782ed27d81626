"""Recording the spans the kit creates, in the test process.

OpenTelemetry allows one global tracer provider per process. The first test that asks installs
an SDK provider (or reuses one that is already installed) with an in-memory exporter behind a
switch, so spans are kept only while a test is recording and other tests pay nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


class _Switch(SpanProcessor):
    """Forwards finished spans to `inner` only while `on`."""

    def __init__(self, inner: SpanProcessor) -> None:
        self.inner = inner
        self.on = False

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        """Nothing to do when a span starts."""

    def on_end(self, span: ReadableSpan) -> None:
        """Keep the span if a test is recording."""
        if self.on:
            self.inner.on_end(span)

    def shutdown(self) -> None:
        """Shut the inner processor down."""
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Nothing is buffered."""
        return True


_exporter = InMemorySpanExporter()
_switch = _Switch(SimpleSpanProcessor(_exporter))
_installed = False


def _install() -> None:
    global _installed
    if _installed:
        return
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        trace.set_tracer_provider(TracerProvider())
        provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):  # someone else set a non-SDK provider
        raise RuntimeError(f"cannot record spans with a {type(provider).__name__}")
    provider.add_span_processor(_switch)
    _installed = True


@contextmanager
def recorded_spans() -> Iterator[InMemorySpanExporter]:
    """Record the spans finished inside the block (read them with `get_finished_spans()`)."""
    _install()
    _exporter.clear()
    _switch.on = True
    try:
        yield _exporter
    finally:
        _switch.on = False
        _exporter.clear()
