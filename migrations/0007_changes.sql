-- The change log: every change readers can see, in the transaction that makes it,
-- with an id that only grows. The change feed (`GET /changes`) reads it; NOTIFY
-- `faqd_changes` announces each new row (payload: its id).
CREATE TABLE changes (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    kind        text        NOT NULL,
    entry_id    uuid,
    page_id     bigint      NOT NULL
);

CREATE FUNCTION faqd_log_change(p_kind text, p_entry uuid, p_page bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO changes (kind, entry_id, page_id) VALUES (p_kind, p_entry, p_page)
    RETURNING id INTO new_id;
    PERFORM pg_notify('faqd_changes', new_id::text);
END
$$;

-- Entries: every change of an entry writes a revision; what readers see of it
-- decides the event (a staged change or a draft's edit is not one). One
-- statement-level trigger, so that an import of thousands of entries logs them
-- in one INSERT.
CREATE FUNCTION faqd_entry_change_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
BEGIN
    WITH events AS (
        SELECT n.entry_id, e.page_id, n.version,
               CASE
                 WHEN n.kind = 'deleted' THEN
                   CASE WHEN n.status <> 'draft' THEN 'entry.deleted' END
                 WHEN n.kind = 'restored' AND prev.kind = 'deleted' THEN
                   CASE WHEN n.status <> 'draft' THEN 'entry.restored' END
                 WHEN prev.entry_id IS NULL THEN
                   CASE WHEN n.status = 'published' THEN 'entry.created' END
                 WHEN n.status = 'published' AND prev.status = 'draft' THEN 'entry.published'
                 WHEN n.status = 'published' AND prev.status = 'changed' AND n.kind = 'published'
                   THEN 'entry.published'
                 WHEN n.status = 'published' THEN 'entry.updated'
                 WHEN n.status = 'draft' AND prev.status <> 'draft' THEN 'entry.unpublished'
               END AS kind
        FROM new_revisions n
        JOIN entries e ON e.id = n.entry_id
        LEFT JOIN entry_revisions prev
               ON prev.entry_id = n.entry_id AND prev.version = n.version - 1
    ), logged AS (
        INSERT INTO changes (kind, entry_id, page_id)
        SELECT kind, entry_id, page_id FROM events WHERE kind IS NOT NULL
        ORDER BY entry_id, version
        RETURNING id
    )
    SELECT max(id) INTO last_id FROM logged;
    IF last_id IS NOT NULL THEN
        PERFORM pg_notify('faqd_changes', last_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entry_revisions_changes
    AFTER INSERT ON entry_revisions
    REFERENCING NEW TABLE AS new_revisions
    FOR EACH STATEMENT EXECUTE FUNCTION faqd_entry_change_trigger();

-- Pages: created by an import, deleted, restored, or changed in anything readers
-- see (its version grows).
CREATE FUNCTION faqd_page_change_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM faqd_log_change('page.imported', NULL, NEW.id);
    ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
        PERFORM faqd_log_change('page.deleted', NULL, NEW.id);
    ELSIF OLD.deleted_at IS NOT NULL AND NEW.deleted_at IS NULL THEN
        PERFORM faqd_log_change('page.restored', NULL, NEW.id);
    ELSIF NEW.version > OLD.version AND NEW.deleted_at IS NULL THEN
        PERFORM faqd_log_change('page.updated', NULL, NEW.id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER pages_changes
    AFTER INSERT OR UPDATE ON pages
    FOR EACH ROW EXECUTE FUNCTION faqd_page_change_trigger();
