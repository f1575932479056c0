-- The search documents of many entries (an import's page, a page published): each live entry
-- is read once and its answer's text derived once, for both its document and the typo
-- vocabulary (before, the vocabulary read the entries and stripped their HTML a second
-- time: about a fifth of an import's time).
CREATE OR REPLACE FUNCTION faqd_refresh_search_many(p_entries uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs d
    WHERE d.entry_id = ANY(p_entries)
      AND NOT EXISTS (SELECT 1 FROM live_entries le WHERE le.id = d.entry_id);
    -- Each live entry read once, its answer's text derived once, for both the documents
    -- and the typo vocabulary.
    WITH live AS MATERIALIZED (
        SELECT le.id, le.page_id, le.question, faqd_ts_config(p.lang) AS config,
               faqd_html_text(le.answer_html) AS answer_text
        FROM live_entries le
        JOIN pages p ON p.id = le.page_id
        WHERE le.id = ANY(p_entries)
    ), docs AS (
        INSERT INTO search_docs AS d (entry_id, page_id, config, question, document)
        SELECT l.id, l.page_id, l.config, l.question,
               setweight(to_tsvector(l.config, l.question || faqd_cjk_grams(l.question)), 'A')
               || setweight(to_tsvector(l.config, l.answer_text || faqd_cjk_grams(l.answer_text)), 'B')
        FROM live l
        -- In id order: two refreshes lock shared rows in the same order.
        ORDER BY l.id
        ON CONFLICT (entry_id) DO UPDATE SET
            page_id = EXCLUDED.page_id,
            config = EXCLUDED.config,
            question = EXCLUDED.question,
            document = EXCLUDED.document
        WHERE (d.page_id, d.config, d.question, d.document)
              IS DISTINCT FROM (EXCLUDED.page_id, EXCLUDED.config, EXCLUDED.question, EXCLUDED.document)
    )
    INSERT INTO search_words (word)
    SELECT DISTINCT w
    FROM live l,
         regexp_split_to_table(lower(l.question || ' ' || l.answer_text), '[^[:alnum:]]+') AS w
    WHERE length(w) BETWEEN 3 AND 64 AND w !~ '^[0-9]+$'
    ON CONFLICT (word) DO NOTHING;
END
$$;
