-- Idempotency-Key on POST: the first request with a key claims it (status NULL while it
-- runs) and keeps its answer; a retry with the same key and request gets that answer.
-- Keys belong to the token's name and lapse after 24 hours.
CREATE TABLE idempotency_keys (
    principal   text        NOT NULL,
    key         text        NOT NULL,
    -- SHA-256 of the method, URI, Content-Type, If-Match and body.
    fingerprint bytea       NOT NULL,
    status      smallint,
    headers     jsonb,
    body        bytea,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at);
