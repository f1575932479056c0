-- Search documents are refreshed only when something readers search changes.
--
-- Until now every UPDATE of an entry refreshed its search document, whatever it
-- changed: an entry inserted at position 1 of a 5,000-entry page moves the 4,999
-- others (their `sort_key`) and rebuilt 4,999 documents, though no searchable
-- text changed; so did a reorder, and a front-matter edit that shifts the entries'
-- source spans. A search document depends only on
--   - of the entry: its page, whether it is visible (status not draft, not
--     deleted) and which revision readers see (`published_version`);
--   - of that revision: question and answer (revisions never change once written);
--   - of the page: whether it is visible (draft, deleted) and its language.
-- The triggers now fire only when one of these changes (`WHEN`, checked when the
-- row is written, so nothing is even queued for a position-only change), and a
-- refresh writes only the rows whose document really differs: a re-import that
-- refreshes a whole page leaves the untouched entries' rows as they are.

-- Diffing refresh: removed rows go, changed rows are updated, equal rows are not
-- written at all (their xmin stays).
CREATE OR REPLACE FUNCTION faqd_refresh_search_many(p_entries uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs d
    WHERE d.entry_id = ANY(p_entries)
      AND NOT EXISTS (SELECT 1 FROM live_entries le WHERE le.id = d.entry_id);
    INSERT INTO search_docs AS d (entry_id, page_id, config, question, document)
    SELECT le.id, le.page_id, c.config, le.question,
           setweight(to_tsvector(c.config, le.question || faqd_cjk_grams(le.question)), 'A')
           || setweight(to_tsvector(c.config, t.answer_text || faqd_cjk_grams(t.answer_text)), 'B')
    FROM live_entries le
    JOIN pages p ON p.id = le.page_id
    CROSS JOIN LATERAL (SELECT faqd_ts_config(p.lang) AS config) c
    CROSS JOIN LATERAL (SELECT faqd_html_text(le.answer_html) AS answer_text) t
    WHERE le.id = ANY(p_entries)
    -- In id order: two refreshes lock shared rows in the same order.
    ORDER BY le.id
    ON CONFLICT (entry_id) DO UPDATE SET
        page_id = EXCLUDED.page_id,
        config = EXCLUDED.config,
        question = EXCLUDED.question,
        document = EXCLUDED.document
    WHERE (d.page_id, d.config, d.question, d.document)
          IS DISTINCT FROM (EXCLUDED.page_id, EXCLUDED.config, EXCLUDED.question, EXCLUDED.document);
    INSERT INTO search_words (word)
    SELECT DISTINCT w
    FROM live_entries le,
         regexp_split_to_table(lower(le.question || ' ' || faqd_html_text(le.answer_html)), '[^[:alnum:]]+') AS w
    WHERE le.id = ANY(p_entries) AND length(w) BETWEEN 3 AND 64 AND w !~ '^[0-9]+$'
    ON CONFLICT (word) DO NOTHING;
END
$$;

CREATE OR REPLACE FUNCTION faqd_entry_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('faqd.bulk_search', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        PERFORM faqd_refresh_search(OLD.id);
        RETURN OLD;
    ELSIF TG_TABLE_NAME = 'entry_revisions' THEN
        -- Only the revision readers see is searched: a staged change or a draft's
        -- new version changes no document.
        PERFORM faqd_refresh_search(e.id)
        FROM entries e
        WHERE e.id = NEW.entry_id AND e.published_version = NEW.version;
    ELSE
        PERFORM faqd_refresh_search(NEW.id);
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER entries_search ON entries;

CREATE CONSTRAINT TRIGGER entries_search
    AFTER INSERT ON entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION faqd_entry_search_trigger();

-- Not for `sort_key` (positions), slugs, spans, bases, the editors' current
-- version of a staged change or of a draft, or timestamps.
CREATE CONSTRAINT TRIGGER entries_search_update
    AFTER UPDATE ON entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN ((OLD.page_id, OLD.status <> 'draft', OLD.deleted_at IS NULL, OLD.published_version)
          IS DISTINCT FROM (NEW.page_id, NEW.status <> 'draft', NEW.deleted_at IS NULL, NEW.published_version))
    EXECUTE FUNCTION faqd_entry_search_trigger();

-- A page's visibility or language decides its entries' documents: one refresh
-- for the page, not one per entry.
CREATE OR REPLACE FUNCTION faqd_page_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('faqd.bulk_search', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF (OLD.draft, OLD.deleted_at IS NULL, OLD.lang) IS DISTINCT FROM (NEW.draft, NEW.deleted_at IS NULL, NEW.lang) THEN
        PERFORM faqd_refresh_search_many(array(SELECT e.id FROM entries e WHERE e.page_id = NEW.id));
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER pages_search ON pages;

-- Not for a page's version (a reorder, an entry's change), title, front matter or source.
CREATE CONSTRAINT TRIGGER pages_search
    AFTER UPDATE ON pages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW
    WHEN ((OLD.draft, OLD.deleted_at IS NULL, OLD.lang)
          IS DISTINCT FROM (NEW.draft, NEW.deleted_at IS NULL, NEW.lang))
    EXECUTE FUNCTION faqd_page_search_trigger();
