-- API-key secrets stored as HMAC-SHA256(pepper, SHA-256(secret)) (infra/pepper.py) once peppered;
-- rows issued before stay SHA-256 until `vault merchants pepper` converts them.
ALTER TABLE vault.api_keys ADD COLUMN secret_peppered boolean NOT NULL DEFAULT false;
