-- Reader feedback: "was this answer helpful?", with an optional reason and comment.
--
-- Anonymous, and nothing that identifies a reader is stored: no IP address, no user agent.
-- `voter` only deduplicates: a keyed hash (HMAC-SHA256, first 16 bytes) of the client's
-- address and the entry under a key that lives in the serving process's memory and is
-- replaced every UTC day (never written anywhere). Within a day, the same client's second
-- vote on an entry replaces its first; once the key is gone, no one can link a hash to an
-- address, not even with this table and the code.
CREATE TABLE feedback (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id        uuid        NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    helpful         boolean     NOT NULL,
    reason          text        CHECK (reason IN ('needs_more_information', 'inaccurate',
                                                  'hard_to_understand', 'broken_link', 'other')),
    comment         text        CHECK (char_length(comment) <= 500),
    -- The published version the reader saw.
    entry_version   bigint      NOT NULL,
    voter           bytea       CHECK (length(voter) = 16),
    -- The `changes` row that carries the `entry.feedback` webhook event.
    change_id       bigint,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX feedback_voter_key ON feedback (entry_id, voter) WHERE voter IS NOT NULL;
CREATE INDEX feedback_entry_idx ON feedback (entry_id, helpful);
CREATE INDEX feedback_newest_idx ON feedback (created_at DESC, id DESC);
CREATE INDEX feedback_change_idx ON feedback (change_id);

-- Each vote (new or changed) is an `entry.feedback` event for webhooks, written to the
-- change log (the outbox) in the vote's transaction, so that a "not helpful" can open a
-- ticket elsewhere. It is not content: the change feed (`GET /changes`) leaves it out, and
-- the search index skips it.
CREATE FUNCTION faqd_feedback_event() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faqd_log_change('entry.feedback', NEW.entry_id,
                            (SELECT page_id FROM entries WHERE id = NEW.entry_id));
    NEW.change_id := currval(pg_get_serial_sequence('changes', 'id'));
    RETURN NEW;
END
$$;

CREATE TRIGGER feedback_event
    BEFORE INSERT OR UPDATE OF helpful, reason, comment ON feedback
    FOR EACH ROW EXECUTE FUNCTION faqd_feedback_event();
