-- An idempotency key's write and the record that it happened commit together: the writing
-- transaction sets `committed`. A key is released (for the client to retry) only when nothing
-- was committed; a key whose write committed but whose answer was lost (a 5xx after COMMIT, a
-- reply that never reached the client) is never run a second time.
ALTER TABLE idempotency_keys ADD COLUMN committed boolean NOT NULL DEFAULT false;
