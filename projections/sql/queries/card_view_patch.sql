-- A network card update: the fields it carries replace the stored ones, the others stay.
UPDATE vault.card_view SET document = document || $2::jsonb WHERE card_id = $1;
