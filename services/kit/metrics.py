"""Prometheus metrics of one server (its own registry, so several servers can share a process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServerMetrics:
    """RPC counters and latency histograms, labelled by method and status code."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.handled = Counter(
            "grpc_server_handled",
            "RPCs completed on the server, by method and status code.",
            ["grpc_service", "grpc_method", "grpc_code"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "grpc_server_handling_seconds",
            "Time to handle an RPC, by method.",
            ["grpc_service", "grpc_method"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, code: str, seconds: float) -> None:
        """Record one finished call (`method` is the full `/pkg.Service/Method` path)."""
        service, _, name = method.lstrip("/").partition("/")
        self.handled.labels(service, name, code).inc()
        self.latency.labels(service, name).observe(seconds)
