-- A profile and, when asked ($3 addresses, $4 cards, $5 bank accounts), its collections in the
-- same round trip; a collection not asked for comes back NULL, an empty one as [].
SELECT p.document,
       CASE WHEN $3 THEN (
           SELECT coalesce(json_agg(a.document ORDER BY a.position), '[]')
           FROM vault.address_view a WHERE a.profile_id = p.profile_id
       ) END AS addresses,
       CASE WHEN $4 THEN (
           SELECT coalesce(json_agg(c.document ORDER BY c.position), '[]')
           FROM vault.card_view c WHERE c.profile_id = p.profile_id
       ) END AS cards,
       CASE WHEN $5 THEN (
           SELECT coalesce(json_agg(json_build_object('kind', b.kind, 'document', b.document)
                                    ORDER BY b.position), '[]')
           FROM vault.bank_account_view b WHERE b.profile_id = p.profile_id
       ) END AS bank_accounts
FROM vault.profile_view p
WHERE p.profile_id = $1 AND p.merchant_id = $2;
