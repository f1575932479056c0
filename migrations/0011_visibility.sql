-- One visibility rule for the change log, the feed and webhooks.
--
-- Before: an entry's event was logged whatever its page's visibility (a draft page's
-- questions reached the anonymous feed), events showed an entry's *current* slug, a page
-- turning draft was a `page.updated`, a move to another page left no tombstone, and the feed's
-- order by id held only while every writer took one advisory lock.
--
-- Now:
-- * An event is logged only when readers see the change, decided from what readers saw before
--   and after the statement: an entry is visible when it is not a draft, not deleted, and its
--   page is neither a draft nor deleted. Leaving readers' view is a tombstone
--   (`entry.deleted`, `entry.unpublished`, `page.deleted`, `page.unpublished`), coming back a
--   creation (`entry.created`, `entry.published`, `entry.restored`, `page.imported`,
--   `page.published`, `page.restored`); `entry.moved` when a visible entry moves to another
--   visible page.
-- * Each row keeps the slug, page and language as they were when it was logged.
-- * Each row records its transaction id; the feed serves only rows of transactions older than
--   the oldest one still running, ordered by (transaction id, id), so that a reader following
--   its cursor never skips a row that commits late, whatever writer wrote it.
-- * A page whose visibility flips bumps its other languages (their `translations` changed) and
--   logs a `page.updated` for each of them that readers see.
-- * A version-only bump of a visible page that logged nothing else in its transaction (a
--   position-only entry write) is a `page.reordered`.

ALTER TABLE changes
    ADD COLUMN entry_slug    text,
    ADD COLUMN page_slug     text,
    ADD COLUMN lang          text,
    ADD COLUMN from_page_id  bigint,
    ADD COLUMN from_page_slug text,
    ADD COLUMN from_lang     text,
    -- Rows logged before this migration share its transaction id: they come first, in id order.
    ADD COLUMN xid           xid8 NOT NULL DEFAULT pg_current_xact_id();

-- Old rows: the page as it is now, and the entry's slug only where readers still see it.
UPDATE changes c SET page_slug = p.slug, lang = p.lang
FROM pages p WHERE p.id = c.page_id;
UPDATE changes c SET entry_slug = le.slug
FROM live_entries le WHERE le.id = c.entry_id;
ALTER TABLE changes ALTER COLUMN page_slug SET NOT NULL, ALTER COLUMN lang SET NOT NULL;

CREATE INDEX changes_feed_idx ON changes (xid, id);
-- "Did this transaction already log something for this page?" (the page trigger).
CREATE INDEX changes_xact_page_idx ON changes (xid, page_id);

-- Every caller of the old helper gets the snapshot columns filled from the rows as they are now.
CREATE OR REPLACE FUNCTION faqd_log_change(p_kind text, p_entry uuid, p_page bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO changes (kind, entry_id, page_id, entry_slug, page_slug, lang)
    SELECT p_kind, p_entry, p.id, (SELECT e.slug FROM entries e WHERE e.id = p_entry), p.slug, p.lang
    FROM pages p WHERE p.id = p_page
    RETURNING id INTO new_id;
    IF new_id IS NOT NULL THEN
        PERFORM pg_notify('faqd_changes', new_id::text);
    END IF;
END
$$;

-- Entries: events from the rows before and after each statement (transition tables, so an
-- import of thousands of entries logs them in one INSERT).
DROP TRIGGER entry_revisions_changes ON entry_revisions;
DROP FUNCTION faqd_entry_change_trigger();

CREATE FUNCTION faqd_page_live(p_page bigint) RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pages p WHERE p.id = p_page AND p.deleted_at IS NULL AND NOT p.draft)
$$;

CREATE FUNCTION faqd_entry_insert_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
BEGIN
    WITH logged AS (
        INSERT INTO changes (kind, entry_id, page_id, entry_slug, page_slug, lang)
        SELECT 'entry.created', n.id, n.page_id, n.slug, p.slug, p.lang
        FROM new_rows n
        JOIN pages p ON p.id = n.page_id
        WHERE n.status <> 'draft' AND n.deleted_at IS NULL
          AND p.deleted_at IS NULL AND NOT p.draft
        ORDER BY n.sort_key, n.id
        RETURNING id
    )
    SELECT max(id) INTO last_id FROM logged;
    IF last_id IS NOT NULL THEN
        PERFORM pg_notify('faqd_changes', last_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE FUNCTION faqd_entry_update_changes() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    last_id bigint;
BEGIN
    WITH pairs AS (
        SELECT o.id, o.slug AS old_slug, n.slug AS new_slug,
               o.page_id AS old_page, n.page_id AS new_page,
               o.status AS old_status, n.status AS new_status,
               o.published_version AS old_pv, n.published_version AS new_pv,
               o.deleted_at IS NOT NULL AS old_deleted, n.deleted_at IS NOT NULL AS new_deleted,
               o.status <> 'draft' AND o.deleted_at IS NULL AND faqd_page_live(o.page_id) AS old_vis,
               n.status <> 'draft' AND n.deleted_at IS NULL AND faqd_page_live(n.page_id) AS new_vis,
               n.sort_key
        FROM old_rows o JOIN new_rows n ON n.id = o.id
    ), events AS (
        SELECT id, sort_key,
               CASE
                 WHEN new_vis AND NOT old_vis THEN
                   CASE WHEN old_deleted AND NOT new_deleted THEN 'entry.restored'
                        ELSE 'entry.published' END
                 WHEN old_vis AND NOT new_vis THEN
                   CASE WHEN new_deleted THEN 'entry.deleted' ELSE 'entry.unpublished' END
                 WHEN old_vis AND new_vis AND old_page <> new_page THEN 'entry.moved'
                 WHEN old_vis AND new_vis AND old_pv IS DISTINCT FROM new_pv THEN
                   CASE WHEN old_status = 'changed' AND new_status = 'published'
                        THEN 'entry.published' ELSE 'entry.updated' END
                 WHEN old_vis AND new_vis AND old_slug <> new_slug THEN 'entry.updated'
               END AS kind,
               -- A removal is told on the page readers saw it on, with the slug they knew.
               CASE WHEN old_vis AND NOT new_vis THEN old_page ELSE new_page END AS page_id,
               CASE WHEN old_vis AND NOT new_vis THEN old_slug ELSE new_slug END AS slug,
               CASE WHEN old_vis AND new_vis AND old_page <> new_page THEN old_page END AS from_page
        FROM pairs
    ), logged AS (
        INSERT INTO changes (kind, entry_id, page_id, entry_slug, page_slug, lang,
                             from_page_id, from_page_slug, from_lang)
        SELECT ev.kind, ev.id, ev.page_id, ev.slug, p.slug, p.lang, ev.from_page, f.slug, f.lang
        FROM events ev
        JOIN pages p ON p.id = ev.page_id
        LEFT JOIN pages f ON f.id = ev.from_page
        WHERE ev.kind IS NOT NULL
        ORDER BY ev.page_id, ev.sort_key, ev.id
        RETURNING id
    )
    SELECT max(id) INTO last_id FROM logged;
    IF last_id IS NOT NULL THEN
        PERFORM pg_notify('faqd_changes', last_id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entries_insert_changes
    AFTER INSERT ON entries
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION faqd_entry_insert_changes();

CREATE TRIGGER entries_update_changes
    AFTER UPDATE ON entries
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION faqd_entry_update_changes();

-- Pages: every change of a page's own fields bumps its version (so that its ETags, the
-- export's included, change whenever its bytes do), whoever writes it.
CREATE FUNCTION faqd_page_version_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version = OLD.version
       AND (to_jsonb(NEW) - 'version' - 'updated_at')
           IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at') THEN
        NEW.version := OLD.version + 1;
        NEW.updated_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER pages_version
    BEFORE UPDATE ON pages
    FOR EACH ROW EXECUTE FUNCTION faqd_page_version_trigger();

CREATE FUNCTION faqd_log_page(p_kind text, p_page pages) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    new_id bigint;
BEGIN
    INSERT INTO changes (kind, page_id, page_slug, lang)
    VALUES (p_kind, p_page.id, p_page.slug, p_page.lang)
    RETURNING id INTO new_id;
    PERFORM pg_notify('faqd_changes', new_id::text);
END
$$;

CREATE OR REPLACE FUNCTION faqd_page_change_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    old_vis boolean;
    new_vis boolean;
    sibling pages;
BEGIN
    new_vis := NEW.deleted_at IS NULL AND NOT NEW.draft;
    IF TG_OP = 'INSERT' THEN
        old_vis := false;
        IF new_vis THEN
            PERFORM faqd_log_page('page.imported', NEW);
        END IF;
    ELSE
        old_vis := OLD.deleted_at IS NULL AND NOT OLD.draft;
        IF old_vis AND NOT new_vis THEN
            PERFORM faqd_log_page(
                CASE WHEN NEW.deleted_at IS NOT NULL THEN 'page.deleted' ELSE 'page.unpublished' END,
                NEW);
        ELSIF new_vis AND NOT old_vis THEN
            PERFORM faqd_log_page(
                CASE WHEN OLD.deleted_at IS NOT NULL THEN 'page.restored' ELSE 'page.published' END,
                NEW);
        ELSIF new_vis AND NEW.version > OLD.version THEN
            IF current_setting('faqd.page_change', true) = 'page.reordered' THEN
                PERFORM faqd_log_page('page.reordered', NEW);
            ELSIF (to_jsonb(NEW) - 'version' - 'updated_at')
                  IS DISTINCT FROM (to_jsonb(OLD) - 'version' - 'updated_at') THEN
                PERFORM faqd_log_page('page.updated', NEW);
            ELSIF NOT EXISTS (SELECT 1 FROM changes c
                              WHERE c.xid = pg_current_xact_id()
                                AND (c.page_id = NEW.id OR c.from_page_id = NEW.id)) THEN
                -- Nothing of the entries was logged: what readers see changed is their order.
                PERFORM faqd_log_page('page.reordered', NEW);
            END IF;
        END IF;
    END IF;
    -- The other languages list this one among their translations: when it appears or leaves
    -- (for readers, or for editors, who see drafts), their versions grow; readers are told of
    -- the ones they see when what they see changed.
    IF TG_OP = 'INSERT'
       OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
       OR OLD.draft <> NEW.draft THEN
        IF old_vis IS DISTINCT FROM new_vis THEN
            -- Logged first, so that the bump below finds its event and logs nothing more.
            FOR sibling IN
                SELECT * FROM pages
                WHERE slug = NEW.slug AND id <> NEW.id AND deleted_at IS NULL AND NOT draft
                ORDER BY lang
            LOOP
                PERFORM faqd_log_page('page.updated', sibling);
            END LOOP;
        END IF;
        UPDATE pages SET version = version + 1, updated_at = now()
        WHERE slug = NEW.slug AND id <> NEW.id AND deleted_at IS NULL;
    END IF;
    RETURN NULL;
END
$$;
