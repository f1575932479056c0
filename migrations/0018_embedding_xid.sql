-- The semantic index pulls the vectors stored since its last look. A timestamp watermark
-- (`embedded_at >= since`) misses a row stamped before the watermark but committed after it (a
-- long transaction). Each row now records the transaction that wrote it, and a pull reads the
-- rows of every transaction not older than the oldest one running at its previous pull: a
-- commit-safe watermark, whatever the clocks or the order of commits.
ALTER TABLE entry_embeddings ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX entry_embeddings_xid_idx ON entry_embeddings (xid);
