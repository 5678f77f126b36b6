-- $4: only records wrapped by this KEK (vault keys rewrap --from), or NULL for every old KEK.
SELECT merchant_id, version, kek_id, wrapped_secret
FROM tokens.fingerprint_keys
WHERE kek_id <> $1 AND NOT ((merchant_id::text || '/' || version) = ANY($3::text[]))
  AND ($4::text IS NULL OR kek_id = $4)
ORDER BY merchant_id, version
LIMIT $2
FOR UPDATE;
