SELECT count(*) AS unpublished,
       coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS lag_seconds
FROM tokens.audit_unpublished;
