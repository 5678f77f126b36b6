INSERT INTO vault.projection_positions (projection, stream_id, stream_version)
SELECT $1, s.stream_id, s.stream_version
FROM unnest($2::text[], $3::int[]) AS s (stream_id, stream_version)
ON CONFLICT (projection, stream_id) DO UPDATE
    SET stream_version = greatest(vault.projection_positions.stream_version, excluded.stream_version);
