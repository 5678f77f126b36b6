"""Prometheus metrics of the event store and the relay."""

from prometheus_client import Counter, Gauge, Histogram

from infra.metrics import LATENCY_BUCKETS

RELAY_PUBLISHED = Counter("vault_relay_events_published", "Events the relay published to Kafka")
RELAY_APPEND_TO_ACK = Histogram(
    "vault_relay_append_to_ack_seconds",
    "From an event's recorded_at to Kafka acknowledging it",
    buckets=LATENCY_BUCKETS,
)
RELAY_LAG = Gauge(
    "vault_relay_lag_seconds",
    "Age of the oldest committed event not yet published to Kafka (0 when none), sampled",
)
RELAY_LEADER = Gauge("vault_relay_leader", "1 while this relay holds the leader lock")
XMIN_HORIZON_AGE = Gauge(
    "vault_xmin_horizon_age_seconds",
    "Age of the oldest transaction holding an xid; commit-order readers cannot pass it",
)
KAFKA_PRODUCE_ERRORS = Counter(
    "vault_kafka_produce_errors", "Failed Kafka produce requests", ["process"]
)
KAFKA_PRODUCE_ERRORS.labels(process="relay")  # exported as 0 from the start, not after a failure
EVENTS_APPENDED = Counter("vault_events_appended", "Events appended to the store", ["event_type"])
APPEND_CONFLICTS = Counter(
    "vault_append_conflicts", "Appends refused because the stream moved on (retried)"
)
