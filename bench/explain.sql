-- The main search query (src/search/postgres.rs `search_sql` for one configuration,
-- no page filter, first page of 20) for a two-term query with an unfinished last word.
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH matched AS MATERIALIZED (
    SELECT d.entry_id, ts_rank('{0.1, 0.2, 0.4, 1.0}', d.document, to_tsquery('english'::regconfig, $q$'team' & 'motiv':*$q$)) AS rank
    FROM search_docs d
    WHERE d.document @@ to_tsquery('english'::regconfig, $q$'team' & 'motiv':*$q$)
),
pool AS (
    SELECT entry_id, rank FROM matched ORDER BY rank DESC, entry_id LIMIT 200
),
scored AS (
    SELECT pool.entry_id, 0 AS tier, pool.rank + 0.3 * word_similarity('team motiv', lower(d.question)) AS score
    FROM pool JOIN search_docs d ON d.entry_id = pool.entry_id
    UNION ALL
    SELECT m.entry_id, 1 AS tier, m.rank AS score
    FROM matched m
    WHERE 20 + 0 > 200 AND m.entry_id NOT IN (SELECT entry_id FROM pool)
),
top AS (
    SELECT entry_id, tier, score FROM scored ORDER BY tier, score DESC, entry_id LIMIT 20 OFFSET 0
)
SELECT (SELECT count(*) FROM matched) AS total, top.entry_id AS id, e.slug, p.slug AS page,
       p.lang, d.question, faqd_html_text(e.answer_html) AS answer_text, d.config::text AS config,
       querytree(to_tsquery(d.config, $q$'team' & 'motiv':*$q$)) AS querytree,
       round(top.score::numeric, 4)::float8 AS score
FROM top
JOIN search_docs d ON d.entry_id = top.entry_id
JOIN live_entries e ON e.id = top.entry_id
JOIN pages p ON p.id = d.page_id
ORDER BY top.tier, top.score DESC, top.entry_id;
