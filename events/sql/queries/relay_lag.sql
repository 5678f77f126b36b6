-- Seconds since the oldest committed event the relay ($1) has not published yet was recorded, 0 when
-- it is up to date. Read from the store, not from the relay's progress: it grows while publishing is
-- stuck (Kafka frozen, a long transaction holding the horizon). The first events in commit order
-- after the checkpoint are the oldest ones, give or take concurrent commits: 100 of them cover that.
SELECT coalesce(extract(epoch FROM clock_timestamp() - min(recorded_at)), 0)::float8 AS lag_seconds
FROM (
    SELECT e.recorded_at
    FROM vault.events e, vault.relay_checkpoints c
    WHERE c.relay_name = $1
      AND (e.tx_id, e.global_position) > (c.tx_id::text::xid8, c.global_position)
    ORDER BY e.tx_id, e.global_position
    LIMIT 100
) AS unpublished;
