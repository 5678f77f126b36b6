-- Card updates from the networks apply in their effective-time order: the last one applied to a
-- record, so a duplicate or an overtaken update changes nothing.
ALTER TABLE tokens.instruments ADD COLUMN network_effective_at timestamptz;
