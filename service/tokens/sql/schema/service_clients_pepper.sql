-- Client secrets stored as HMAC-SHA256(pepper, SHA-256(secret)) (infra/pepper.py) once peppered;
-- rows created before stay SHA-256 until `vault tokens clients pepper` converts them.
ALTER TABLE tokens.service_clients ADD COLUMN secret_peppered boolean NOT NULL DEFAULT false;
