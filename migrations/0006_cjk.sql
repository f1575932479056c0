-- Chinese, Japanese and Korean have no spaces between words: full-text search
-- indexes their runs of characters as single characters and overlapping pairs
-- (what Lucene's CJK analyzer does), and queries are cut the same way in Rust
-- (`store::search::Terms`), so that `消息队列` finds `…使用消息队列…`.
CREATE FUNCTION faqd_cjk_grams(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    run text;
    grams text := '';
    n int;
BEGIN
    IF t !~ '[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]' THEN
        RETURN '';
    END IF;
    FOR run IN
        SELECT m[1] FROM regexp_matches(t, '([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]+)', 'g') AS m
    LOOP
        n := char_length(run);
        FOR i IN 1..n LOOP
            grams := grams || ' ' || substr(run, i, 1);
            IF i < n THEN
                grams := grams || ' ' || substr(run, i, 2);
            END IF;
        END LOOP;
    END LOOP;
    RETURN grams;
END
$$;

CREATE OR REPLACE FUNCTION faqd_refresh_search(p_entry uuid) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM faqd_refresh_search_many(ARRAY[p_entry]);
END
$$;

CREATE OR REPLACE FUNCTION faqd_refresh_search_many(p_entries uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_docs WHERE entry_id = ANY(p_entries);
    INSERT INTO search_docs (entry_id, page_id, config, question, document)
    SELECT le.id, le.page_id, c.config, le.question,
           setweight(to_tsvector(c.config, le.question || faqd_cjk_grams(le.question)), 'A')
           || setweight(to_tsvector(c.config, t.answer_text || faqd_cjk_grams(t.answer_text)), 'B')
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

SELECT faqd_refresh_search_many(array(SELECT id FROM entries));
