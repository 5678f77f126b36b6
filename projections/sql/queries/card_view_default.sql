-- One default card per profile: $2 (or none, when NULL).
UPDATE vault.card_view
SET document = jsonb_set(document, '{defaultCardIndicator}', to_jsonb(coalesce(card_id = $2, false)))
WHERE profile_id = $1;
