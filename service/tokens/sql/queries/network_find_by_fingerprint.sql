SELECT token FROM tokens.instruments
WHERE merchant_id = $1 AND fingerprint = $2 AND kind = 'card' AND NOT single_use
  AND deleted_at IS NULL
ORDER BY created_at DESC
LIMIT 1;
