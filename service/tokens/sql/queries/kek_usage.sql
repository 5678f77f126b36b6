-- Per KEK: instrument records and fingerprint secrets it wraps.
SELECT kek_id, sum(records)::bigint AS records, sum(secrets)::bigint AS secrets
FROM (
    SELECT kek_id, count(*) AS records, 0 AS secrets
    FROM tokens.instruments WHERE kek_id IS NOT NULL GROUP BY kek_id
    UNION ALL
    SELECT kek_id, 0, count(*) FROM tokens.fingerprint_keys GROUP BY kek_id
) usage
GROUP BY kek_id
ORDER BY kek_id;
