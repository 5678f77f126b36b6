-- $4: only records wrapped by this KEK (vault keys rewrap --from), or NULL for every old KEK.
SELECT token, merchant_id, kind, kek_id, wrapped_key
FROM tokens.instruments
WHERE kek_id IS NOT NULL AND kek_id <> $1 AND NOT (token = ANY($3::text[]))
  AND ($4::text IS NULL OR kek_id = $4)
ORDER BY token
LIMIT $2
FOR UPDATE;
