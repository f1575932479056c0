-- Real Hugo content in and out: every question form, data files, export, and
-- imports that never destroy editors' work.

-- The question styles of every form the importer reads.
ALTER TABLE pages DROP CONSTRAINT pages_question_style_check;
ALTER TABLE pages ADD CONSTRAINT pages_question_style_check
    CHECK (question_style ~ '^(bold|h[1-6]|quote|definition|shortcode|front-matter|data)$');

-- The file a page came from, relative to the content root as imported
-- (`faq.md`, `faq.fr.md`, `data/faq.yml`): where `faqd export --all` writes it
-- back, and how a data file's format (YAML or TOML) is told.
ALTER TABLE pages ADD COLUMN source_path text CHECK (length(source_path) <= 1000);

-- The base of the three-way merge: what the file last set for this entry. An
-- import compares the file with it (did the file change?) and the entry with it
-- (did editors change it?). NULL for entries editors created.
ALTER TABLE entries ADD COLUMN base_question text;
ALTER TABLE entries ADD COLUMN base_answer text;
ALTER TABLE entries ADD COLUMN base_section text;

-- Entries imported before this migration: their file text is their current text
-- where the import spans still describe them.
UPDATE entries
SET base_question = question, base_answer = answer, base_section = section
WHERE question_span IS NOT NULL AND answer_span IS NOT NULL;

-- Seeding, file by file: a seed that stopped half-way resumes with the files it
-- had not imported, and never imports a file twice.
CREATE TABLE seed_files (
    path        text        PRIMARY KEY,
    sha256      text        NOT NULL,
    imported_at timestamptz NOT NULL DEFAULT now()
);

-- Search documents in bulk: an import sets `faqd.bulk_search` for its
-- transaction and refreshes its page's documents in one statement at the end,
-- instead of one refresh per written row.
CREATE FUNCTION faqd_refresh_search_many(p_entries uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs WHERE entry_id = ANY(p_entries);
    INSERT INTO search_docs (entry_id, page_id, config, question, document)
    SELECT le.id, le.page_id, c.config, le.question,
           setweight(to_tsvector(c.config, le.question), 'A')
           || setweight(to_tsvector(c.config, t.answer_text), 'B')
    FROM live_entries le
    JOIN pages p ON p.id = le.page_id
    CROSS JOIN LATERAL (SELECT faqd_ts_config(p.lang) AS config) c
    CROSS JOIN LATERAL (SELECT faqd_html_text(le.answer_html) AS answer_text) t
    WHERE le.id = ANY(p_entries);
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
        PERFORM faqd_refresh_search(NEW.entry_id);
    ELSE
        PERFORM faqd_refresh_search(NEW.id);
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION faqd_page_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('faqd.bulk_search', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF (OLD.draft, OLD.deleted_at IS NULL, OLD.lang) IS DISTINCT FROM (NEW.draft, NEW.deleted_at IS NULL, NEW.lang) THEN
        PERFORM faqd_refresh_search(e.id) FROM entries e WHERE e.page_id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;
