"""Prometheus metrics of the HTTP processes."""

from prometheus_client import Counter, Histogram

from events.metrics import LATENCY_BUCKETS

HTTP_REQUEST_SECONDS = Histogram(
    "vault_http_request_duration_seconds",
    "HTTP request latency",
    ["app", "method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
COMMANDS = Counter("vault_commands", "Commands executed", ["command", "outcome"])
