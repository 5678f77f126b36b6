"""Event types, envelope, codec, upcasters, the PostgreSQL event store and the relay to Kafka."""
