-- Full-text search over what readers see.
--
-- `search_docs` holds one row per entry visible to readers (exactly the rows of
-- `live_entries`): a weighted document (question A, answer text B) in the text
-- search configuration of the page's language. Triggers keep it current in the
-- same transaction as every write — deferred to commit, so that they see an
-- entry's row and its new revision together — and no code path can forget it.
-- `search_words` is the corpus's vocabulary, for typo correction: candidates by
-- trigram similarity (pg_trgm), accepted within a small edit distance (fuzzystrmatch).

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;

-- The text search configuration for a BCP 47 tag: its primary language's
-- stemmer where PostgreSQL has one, `simple` (no stemming) otherwise.
CREATE FUNCTION faqd_ts_config(lang text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE lower(split_part(lang, '-', 1))
        WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german'
        WHEN 'es' THEN 'spanish' WHEN 'it' THEN 'italian' WHEN 'pt' THEN 'portuguese'
        WHEN 'nl' THEN 'dutch' WHEN 'sv' THEN 'swedish' WHEN 'da' THEN 'danish'
        WHEN 'no' THEN 'norwegian' WHEN 'nb' THEN 'norwegian' WHEN 'nn' THEN 'norwegian'
        WHEN 'fi' THEN 'finnish' WHEN 'ru' THEN 'russian' WHEN 'hu' THEN 'hungarian'
        WHEN 'ro' THEN 'romanian' WHEN 'tr' THEN 'turkish'
        ELSE 'simple'
    END::regconfig
$$;

-- Readable text of rendered (sanitised) answer HTML: tags dropped, the entities
-- our renderer emits decoded. Markdown syntax is gone already.
CREATE FUNCTION faqd_html_text(html text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(replace(replace(
        regexp_replace(html, '<[^>]*>', ' ', 'g'),
        '&lt;', '<'), '&gt;', '>'), '&quot;', '"'), '&#39;', ''''), '&nbsp;', ' '), '&amp;', '&')
$$;

-- HTML-escapes text, for highlights built on the source text.
CREATE FUNCTION faqd_escape_html(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT replace(replace(replace(replace(replace(t,
        '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), '"', '&quot;'), '''', '&#39;')
$$;

-- Narrow on purpose: a query matching much of the corpus visits every matching
-- row, so the row holds only what matching and ranking read (the answer's text
-- for highlights is derived for the few hits shown).
CREATE TABLE search_docs (
    entry_id    uuid        PRIMARY KEY REFERENCES entries (id) ON DELETE CASCADE,
    page_id     bigint      NOT NULL REFERENCES pages (id) ON DELETE CASCADE,
    config      regconfig   NOT NULL,
    question    text        NOT NULL,
    document    tsvector    NOT NULL
);
CREATE INDEX search_docs_document_idx ON search_docs USING gin (document);
CREATE INDEX search_docs_page_idx ON search_docs (page_id);

CREATE TABLE search_words (
    word        text        PRIMARY KEY
);
-- GiST, not GIN: it answers `ORDER BY word <-> term LIMIT k` (nearest words) directly.
CREATE INDEX search_words_trgm_idx ON search_words USING gist (word gist_trgm_ops);

-- Recomputes the search row of one entry from `live_entries`.
CREATE FUNCTION faqd_refresh_search(p_entry uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs WHERE entry_id = p_entry;
    INSERT INTO search_docs (entry_id, page_id, config, question, document)
    SELECT le.id, le.page_id, c.config, le.question,
           setweight(to_tsvector(c.config, le.question), 'A')
           || setweight(to_tsvector(c.config, t.answer_text), 'B')
    FROM live_entries le
    JOIN pages p ON p.id = le.page_id
    CROSS JOIN LATERAL (SELECT faqd_ts_config(p.lang) AS config) c
    CROSS JOIN LATERAL (SELECT faqd_html_text(le.answer_html) AS answer_text) t
    WHERE le.id = p_entry;
    -- The vocabulary only grows here; words of removed content linger harmlessly
    -- (a correction to them finds nothing and the query falls back).
    INSERT INTO search_words (word)
    SELECT DISTINCT w
    FROM live_entries le,
         regexp_split_to_table(lower(le.question || ' ' || faqd_html_text(le.answer_html)), '[^[:alnum:]]+') AS w
    -- Numbers are never corrected, so they stay out of the vocabulary; neither do
    -- runs longer than any word (levenshtein refuses over 255 characters).
    WHERE le.id = p_entry AND length(w) BETWEEN 3 AND 64 AND w !~ '^[0-9]+$'
    ON CONFLICT (word) DO NOTHING;
END
$$;

CREATE FUNCTION faqd_entry_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
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

CREATE CONSTRAINT TRIGGER entries_search
    AFTER INSERT OR UPDATE ON entries
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION faqd_entry_search_trigger();

CREATE CONSTRAINT TRIGGER entry_revisions_search
    AFTER INSERT ON entry_revisions
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION faqd_entry_search_trigger();

-- A page's visibility or language decides its entries' search rows.
CREATE FUNCTION faqd_page_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.draft, OLD.deleted_at IS NULL, OLD.lang) IS DISTINCT FROM (NEW.draft, NEW.deleted_at IS NULL, NEW.lang) THEN
        PERFORM faqd_refresh_search(e.id) FROM entries e WHERE e.page_id = NEW.id;
    END IF;
    RETURN NEW;
END
$$;

CREATE CONSTRAINT TRIGGER pages_search
    AFTER UPDATE ON pages
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION faqd_page_search_trigger();

-- What readers search for: normalised query text and counts per day, nothing else.
CREATE TABLE search_queries (
    day         date        NOT NULL,
    query       text        NOT NULL CHECK (length(query) <= 200),
    searches    bigint      NOT NULL CHECK (searches >= 0),
    no_hits     bigint      NOT NULL CHECK (no_hits >= 0),
    PRIMARY KEY (day, query)
);

-- Entries that exist already (the seed) get their search rows now.
SELECT faqd_refresh_search(id) FROM entries;
