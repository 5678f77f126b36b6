-- Customer search within one merchant: every given criterion must match ($2 e-mail, exact and
-- case-insensitive; $3 name, a substring of the lower-cased full name, LIKE-escaped by the caller;
-- $4 phone, the digits of phone or cell phone). $5 caps the result.
SELECT document
FROM vault.customer_search
WHERE merchant_id = $1
  AND ($2::text IS NULL OR email = $2)
  AND ($3::text IS NULL OR full_name LIKE '%' || $3 || '%')
  AND ($4::text IS NULL OR EXISTS (SELECT 1 FROM unnest(phone_digits) AS d WHERE d LIKE '%' || $4))
ORDER BY updated_at DESC, profile_id
LIMIT $5;
