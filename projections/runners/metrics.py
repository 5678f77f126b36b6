"""Prometheus metrics of the projector."""

from prometheus_client import Counter, Gauge, Histogram

from infra.metrics import LATENCY_BUCKETS

PROJECTION_LAG = Histogram(
    "vault_projection_lag_seconds",
    "From an event's recorded_at to its projection being committed",
    ["projection"],
    buckets=LATENCY_BUCKETS,
)
PROJECTION_LAG_LAST = Gauge(
    "vault_projection_lag_last_seconds", "Lag of the last applied batch", ["projection"]
)
PROJECTION_LAG_SECONDS = Gauge(
    "vault_projection_oldest_unapplied_seconds",
    "Age (since it was published) of the oldest record the projection has not applied, sampled",
    ["projection"],
)
PROJECTED = Counter("vault_projection_events_applied", "Events applied", ["projection"])
DUPLICATES = Counter(
    "vault_projection_events_skipped", "Redelivered events skipped by position", ["projection"]
)
UNKNOWN_EVENTS = Counter(
    "vault_projection_unknown_events",
    "Events of a type no projection knows, skipped",
    ["event_type"],
)
