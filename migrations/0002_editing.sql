-- Editing through the API.

-- Slugs an entry had before an editor changed it: reads of an old slug redirect
-- (301) to the entry, and no other entry may take it.
CREATE TABLE entry_slug_aliases (
    slug        text        PRIMARY KEY CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    entry_id    uuid        NOT NULL REFERENCES entries (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX entry_slug_aliases_entry_idx ON entry_slug_aliases (entry_id);

-- Byte-ordered slug indexes: finding the taken `base-N` slugs is a range scan
-- (`base-` <= slug < `base.`), whatever the database's collation.
CREATE INDEX entries_slug_c_idx ON entries (slug COLLATE "C");
CREATE INDEX entry_slug_aliases_slug_c_idx ON entry_slug_aliases (slug COLLATE "C");

-- Deleted entries, for editors (`GET /faqs?deleted=true`). Same columns as
-- `current_entries`.
CREATE VIEW deleted_entries AS
SELECT e.id,
       e.page_id,
       e.slug,
       e.section,
       e.question,
       e.answer,
       e.answer_html,
       e.sort_key,
       e.tags,
       e.status,
       e.version,
       e.created_at,
       e.updated_at,
       e.published_at
FROM entries e
JOIN pages p ON p.id = e.page_id
WHERE e.deleted_at IS NOT NULL
  AND p.deleted_at IS NULL;
