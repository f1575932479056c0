-- Semantic search: one embedding per visible entry, of the version readers see,
-- computed by a background worker (readers never wait on it) and loaded into
-- each instance's in-memory index.
CREATE TABLE entry_embeddings (
    entry_id    uuid        PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    -- The published version that was embedded; a newer one is embedded again.
    version     bigint      NOT NULL,
    model       text        NOT NULL,
    -- Little-endian float32s, L2-normalised.
    embedding   bytea       NOT NULL,
    embedded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX entry_embeddings_embedded_at_idx ON entry_embeddings (embedded_at);
