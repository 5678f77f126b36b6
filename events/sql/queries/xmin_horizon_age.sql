-- Seconds since the oldest transaction still holding an xid began. While it runs, commit-order readers
-- (relay, rebuild) cannot move past it, so this is the relay's lag floor; exported as a metric.
SELECT coalesce(extract(epoch FROM clock_timestamp() - min(xact_start)), 0)::float8 AS age_seconds
FROM pg_stat_activity
WHERE backend_xid IS NOT NULL;
