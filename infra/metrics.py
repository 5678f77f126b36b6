"""Prometheus metrics every process shares."""

from prometheus_client import Histogram

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

HTTP_REQUEST_SECONDS = Histogram(
    "vault_http_request_duration_seconds",
    "HTTP request latency",
    ["app", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
