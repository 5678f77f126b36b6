UPDATE vault.mandate_view
SET document = document || jsonb_build_object('status', $2::text, 'statusChangeDate', $3::text)
WHERE mandate_id = $1;
