-- Related questions and translations of entries.
--
-- `related_pins`: entries an editor pins as related to this one, shown first (readers see
-- only those they can see, in the same language). `translation_of`: the entry this one
-- translates, when import positions do not pair them (`GET /faqs/{ref}` lists translations:
-- explicit links first, else the entry at the same position of the page in the other
-- language). Both are set through `PUT /faqs/{ref}/related` and `PUT /faqs/{ref}/translation`,
-- which write a new version of the entry (so that caches and the change log hear of it).
ALTER TABLE entries
    ADD COLUMN related_pins   uuid[] NOT NULL DEFAULT '{}' CHECK (cardinality(related_pins) <= 5),
    ADD COLUMN translation_of uuid REFERENCES entries (id) ON DELETE SET NULL
                              CHECK (translation_of <> id);
CREATE INDEX entries_translation_of_idx ON entries (translation_of) WHERE translation_of IS NOT NULL;

-- Related entries as last computed (pins excluded): by meaning where embeddings exist, else
-- by words, over what readers see in the entry's language. `generation` is the newest change
-- of the log (reader feedback aside) when it was computed; a read that finds the log moved on
-- computes it again, so that a read in the steady state costs no search.
CREATE TABLE related_entries (
    entry_id    uuid        PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    generation  bigint      NOT NULL,
    related     uuid[]      NOT NULL,
    method      text        NOT NULL CHECK (method IN ('meaning', 'words', 'both')),
    computed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
