//! Full-text search over `search_docs` (what readers see), in PostgreSQL:
//! weighted documents, stemming per page language, typo correction against the
//! corpus's vocabulary with pg_trgm, a prefix match for the unfinished last word,
//! and highlights built on HTML-escaped text.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::search::highlight;
use crate::search::hit::{Found, Highlight, Hit, PendingHighlight, Scope};
use crate::search::query::Terms;

/// Terms shorter than this (in characters) are never corrected.
pub const MIN_CORRECTABLE: usize = 3;

/// A transaction whose every statement is bounded by `timeout_ms` (`statement_timeout`, local
/// to the transaction: it ends with it).
pub async fn bounded(
    pool: &PgPool,
    timeout_ms: u32,
) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT set_config('statement_timeout', $1, true)")
        .bind(format!("{}ms", timeout_ms.max(1)))
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The words of the corpus a term becomes: itself when known, else the closest
/// known word (trigram candidates, the fewest edits, at most 1 edit for words of
/// up to 4 letters, 2 up to 8, 3 beyond), else itself; the unfinished last term
/// stays a prefix when some word starts with it.
///
/// A word the corpus lacks is left alone when it is a real word of one of `langs` (the
/// languages of the pages in scope): "offline" is not rewritten into "online".
pub async fn correct(
    conn: &mut PgConnection,
    terms: &Terms,
    langs: &[String],
) -> sqlx::Result<Vec<(String, bool)>> {
    let last = terms.terms.len();
    // Each step runs only when the one before did not settle the term: known
    // words cost one index probe, and only unknown ones pay for the nearest-word
    // search (a GiST k-NN over trigrams, then the edit-distance bound).
    let rows: Vec<(String, bool, bool, Option<String>)> = sqlx::query_as(
        "SELECT t.term, k.known, p.prefix, s.suggestion
         FROM unnest($1::text[]) WITH ORDINALITY AS t(term, ord)
         CROSS JOIN LATERAL (
            SELECT EXISTS (SELECT 1 FROM search_words w WHERE w.word = t.term) AS known
         ) k
         CROSS JOIN LATERAL (
            SELECT CASE WHEN t.ord = $2 AND NOT k.known AND char_length(t.term) >= 2
                   THEN EXISTS (SELECT 1 FROM search_words w WHERE w.word LIKE t.term || '%')
                   ELSE false END AS prefix
         ) p
         CROSS JOIN LATERAL (
            SELECT CASE WHEN NOT k.known AND NOT p.prefix
                            AND char_length(t.term) >= $3 AND t.term !~ '^[0-9]+$' THEN
                (SELECT c.word
                 FROM (SELECT w.word FROM search_words w ORDER BY w.word <-> t.term LIMIT 8) c
                 WHERE char_length(c.word) <= 255
                   AND levenshtein(c.word, t.term) <= CASE
                     WHEN char_length(t.term) <= 4 THEN 1
                     WHEN char_length(t.term) <= 8 THEN 2
                     ELSE 3 END
                 ORDER BY levenshtein(c.word, t.term), similarity(c.word, t.term) DESC, c.word
                 LIMIT 1)
            END AS suggestion
         ) s
         ORDER BY t.ord",
    )
    .bind(&terms.terms)
    .bind(if terms.last_unfinished {
        last as i64
    } else {
        -1
    })
    .bind(MIN_CORRECTABLE as i32)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, (term, known, prefix, suggestion))| {
            // A whole word still being typed matches longer words too.
            // (A single letter is not expanded: it would match half the corpus.)
            let unfinished = terms.last_unfinished && i + 1 == last && term.chars().count() >= 2;
            match (known, prefix, suggestion) {
                (true, _, _) => (term, unfinished),
                (false, true, _) => (term, true),
                (false, false, Some(_)) if crate::search::lexicon::is_real_word(&term, langs) => {
                    (term, false)
                }
                (false, false, Some(word)) => (word, false),
                (false, false, None) => (term, false),
            }
        })
        .collect())
}

/// A tsquery text over `terms` joined by `op`. Terms hold only letters and
/// digits, so quoting them makes any input safe for `to_tsquery`.
fn tsquery_text(terms: &[(String, bool)], op: &str) -> String {
    terms
        .iter()
        .map(|(term, prefix)| format!("'{term}'{}", if *prefix { ":*" } else { "" }))
        .collect::<Vec<_>>()
        .join(op)
}

/// Text search configurations, page languages, and when the newest page changed.
type ScopeLanguages = (
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<DateTime<Utc>>,
);

/// The text search configurations of the pages in scope (readers' pages only),
/// and when the newest of those pages last changed for readers.
async fn configs(
    conn: &mut PgConnection,
    scope: &Scope<'_>,
) -> sqlx::Result<(Vec<String>, Vec<String>, Option<DateTime<Utc>>)> {
    let (configs, langs, last_modified): ScopeLanguages = sqlx::query_as(
        // The configuration function runs once per language, not once per page.
        // Hidden pages count for Last-Modified (it never moves backwards), not for languages.
        "SELECT array_agg(DISTINCT faqd_ts_config(lang)::text) FILTER (WHERE live),
                array_agg(lang) FILTER (WHERE live), max(last_modified)
         FROM (SELECT lang, bool_or(deleted_at IS NULL AND NOT draft) AS live,
                      max(updated_at) AS last_modified
               FROM pages
               WHERE ($1::text IS NULL OR slug = $1) AND ($2::text IS NULL OR lang = $2)
               GROUP BY lang) langs",
    )
    .bind(scope.page)
    .bind(scope.lang)
    .fetch_one(conn)
    .await?;
    Ok((
        configs.unwrap_or_default(),
        langs.unwrap_or_default(),
        last_modified,
    ))
}

/// Runs a search: all terms first; when that finds nothing, any term.
pub async fn search(
    conn: &mut PgConnection,
    terms: &Terms,
    scope: &Scope<'_>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Found> {
    search_with(conn, terms, scope, offset, limit, true).await
}

/// [`search`] for candidates that may not be shown: answers are neither read nor highlighted
/// until [`complete`] is called on the hits that are.
pub async fn candidates(
    conn: &mut PgConnection,
    terms: &Terms,
    scope: &Scope<'_>,
    limit: i64,
) -> sqlx::Result<Found> {
    search_with(conn, terms, scope, 0, limit, false).await
}

/// Builds the answer highlights that candidates left pending.
pub async fn complete(conn: &mut PgConnection, hits: &mut [Hit]) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = hits
        .iter()
        .filter(|h| h.pending.is_some())
        .map(|h| h.id)
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let texts: Vec<(Uuid, String)> = sqlx::query_as(
        "SELECT id, faqd_html_text(answer_html) FROM live_entries WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(conn)
    .await?;
    let texts: std::collections::HashMap<Uuid, String> = texts.into_iter().collect();
    for hit in hits.iter_mut() {
        if let Some(pending) = hit.pending.take() {
            let stemmer = highlight::stemmer_for(&pending.config);
            if pending.question {
                hit.highlight.question =
                    highlight::highlight_all(&hit.question, &pending.lexemes, stemmer.as_ref());
            }
            let text = texts.get(&hit.id).map_or("", String::as_str);
            hit.highlight.answer =
                highlight::highlight_passage(text, &pending.lexemes, stemmer.as_ref());
        }
    }
    Ok(())
}

#[tracing::instrument(skip(conn))]
async fn search_with(
    conn: &mut PgConnection,
    terms: &Terms,
    scope: &Scope<'_>,
    offset: i64,
    limit: i64,
    full: bool,
) -> sqlx::Result<Found> {
    let (configs, langs, last_modified) = configs(conn, scope).await?;
    let terms = &terms.expanded();
    if terms.terms.is_empty() || configs.is_empty() {
        return Ok(Found {
            total: 0,
            total_is_estimate: false,
            hits: Vec::new(),
            corrected: None,
            last_modified,
            partial: false,
        });
    }
    let corrected = correct(conn, terms, &langs).await?;
    let text: String = corrected
        .iter()
        .map(|(t, _)| t.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let mut found = run(
        conn,
        &configs,
        &tsquery_text(&corrected, " & "),
        &text,
        scope,
        (offset, limit),
        full,
    )
    .await?;
    let partial = found.0 == 0 && corrected.len() > 1;
    if partial {
        found = run(
            conn,
            &configs,
            &tsquery_text(&corrected, " | "),
            &text,
            scope,
            (offset, limit),
            full,
        )
        .await?;
    }
    Ok(Found {
        total: found.0.min(RANK_CAP),
        total_is_estimate: found.0 > RANK_CAP,
        hits: found.1,
        // Only a correction that was run and found something is reported.
        corrected: (text != terms.normalized() && found.0 > 0).then_some(text),
        last_modified,
        partial: partial && found.0 > 0,
    })
}

/// The most matches one search ranks. A query that matches more (a common word over a large
/// corpus) ranks the first this many that the index yields and says its total is an estimate:
/// its cost stays bounded (about 2.5 µs a match), and such a query is too broad for its tail
/// to matter; the semantic side of hybrid search still ranks every entry.
pub const RANK_CAP: i64 = 2000;

/// How many of the best-ranked matches are re-scored with the question's
/// similarity to the whole query.
const RERANK_POOL: i64 = 200;

/// The SQL of one search over `configs` text search configurations. Each
/// configuration is a branch with constant-shaped conditions on `$7 + i`, so that
/// the planner matches `document @@ to_tsquery(config, query)` on the GIN index.
///
/// Ranking is in two steps, because the per-row cost decides the latency of a
/// query that matches much of the corpus: every match gets `ts_rank` (a question
/// match, weight A, outweighs an answer match, B) and is counted; only the best
/// `RERANK_POOL` are re-scored with the trigram similarity of
/// their question to the whole query (which sorts paraphrases), sorted and cut.
///
/// This part is the matches and their rank, as `(entry_id, rank)` rows.
fn matched_sql(configs: usize, scoped: bool) -> String {
    // The section and the tag are bound after the configurations.
    let (section, tag) = (7 + configs, 8 + configs);
    let scope = if scoped {
        format!(
            "AND d.page_id IN (SELECT id FROM pages WHERE deleted_at IS NULL
             AND ($3::text IS NULL OR slug = $3) AND ($4::text IS NULL OR lang = $4))
             AND (${section}::text IS NULL
                  OR d.entry_id IN (SELECT id FROM live_entries WHERE coalesce(section, '') = ${section}))
             AND (${tag}::text IS NULL
                  OR d.entry_id IN (SELECT id FROM live_entries WHERE ${tag} = ANY (tags)))"
        )
    } else {
        String::new()
    };
    let branches: Vec<String> = (0..configs)
        .map(|i| {
            let c = format!("${}::regconfig", 7 + i);
            // With a single configuration and no scope every document is in it:
            // no filter on `config`, so the GIN index answers alone.
            let config_filter = if configs == 1 && !scoped {
                String::new()
            } else {
                format!("d.config = {c} AND")
            };
            format!(
                "SELECT d.entry_id, ts_rank('{{0.1, 0.2, 0.4, 1.0}}', d.document, to_tsquery({c}, $1)) AS rank
                 FROM search_docs d
                 WHERE {config_filter} d.document @@ to_tsquery({c}, $1) {scope}"
            )
        })
        .collect();
    branches.join(" UNION ALL ")
}

/// One cursor page of ranked hits over [`matched_sql`], with the total.
fn search_sql(configs: usize, scoped: bool, full: bool) -> String {
    let branches = matched_sql(configs, scoped);
    let answer = if full {
        "faqd_html_text(e.answer_html)"
    } else {
        "''::text"
    };
    // The re-scored pool is the same whatever the offset, so that cursor pages
    // cut one ordering: the pool by score, then every other hit by rank (each
    // below the pool's, which only gains from similarity).
    format!(
        "WITH matched AS MATERIALIZED (SELECT * FROM ({branches}) b LIMIT {RANK_CAP} + 1),
         pool AS (
            SELECT entry_id, rank FROM matched ORDER BY rank DESC, entry_id LIMIT {RERANK_POOL}
         ),
         scored AS (
            SELECT pool.entry_id, 0 AS tier,
                   pool.rank + 0.3 * word_similarity($2, lower(d.question)) AS score
            FROM pool JOIN search_docs d ON d.entry_id = pool.entry_id
            UNION ALL
            SELECT m.entry_id, 1 AS tier, m.rank AS score
            FROM matched m
            WHERE $5 + $6 > {RERANK_POOL} AND m.entry_id NOT IN (SELECT entry_id FROM pool)
         ),
         top AS (
            SELECT entry_id, tier, score FROM scored
            ORDER BY tier, score DESC, entry_id
            LIMIT $5 OFFSET $6
         )
         SELECT (SELECT count(*) FROM matched) AS total, top.entry_id AS id, e.slug, p.slug AS page,
                p.lang, d.question, {answer} AS answer_text,
                d.config::text AS config,
                querytree(to_tsquery(d.config, $1)) AS querytree,
                round(top.score::numeric, 4)::float8 AS score
         FROM top
         JOIN search_docs d ON d.entry_id = top.entry_id
         -- What readers see: the published answer, never a staged one.
         JOIN live_entries e ON e.id = top.entry_id
         JOIN pages p ON p.id = d.page_id
         ORDER BY top.tier, top.score DESC, top.entry_id"
    )
}

async fn run(
    conn: &mut PgConnection,
    configs: &[String],
    tsquery: &str,
    text: &str,
    scope: &Scope<'_>,
    (offset, limit): (i64, i64),
    full: bool,
) -> sqlx::Result<(i64, Vec<Hit>)> {
    let sql = search_sql(configs.len(), scope.is_narrowed(), full);
    let query = |limit: i64, offset: i64| {
        let mut query = sqlx::query_as::<_, HitRow>(&sql)
            .bind(tsquery)
            .bind(text)
            .bind(scope.page)
            .bind(scope.lang)
            .bind(limit)
            .bind(offset);
        for config in configs {
            query = query.bind(config);
        }
        if scope.is_narrowed() {
            query = query.bind(scope.section).bind(scope.tag);
        }
        query
    };
    let rows = query(limit, offset).fetch_all(&mut *conn).await?;
    let total = match rows.first() {
        Some(row) => row.total,
        // Past the last hit: the first hit still carries the total.
        None if offset > 0 => query(1, 0)
            .fetch_optional(&mut *conn)
            .await?
            .map_or(0, |row| row.total),
        None => 0,
    };
    let into = if full {
        HitRow::into_hit
    } else {
        HitRow::into_candidate
    };
    Ok((total, rows.into_iter().map(into).collect()))
}

/// The hits of `ids` (in that order) as readers see them, in scope, as candidates highlighted
/// for the words of `text` (answers pending, see [`complete`]): the semantic side's hits,
/// which the full-text search did not find.
pub async fn hits_by_ids(
    conn: &mut PgConnection,
    ids: &[Uuid],
    scores: &[f64],
    text: &str,
    scope: &Scope<'_>,
) -> sqlx::Result<Vec<Hit>> {
    let rows: Vec<HitRow> = sqlx::query_as(
        "SELECT 0::int8 AS total, e.id, e.slug, p.slug AS page, p.lang, e.question,
                ''::text AS answer_text,
                faqd_ts_config(p.lang)::text AS config,
                querytree(plainto_tsquery(faqd_ts_config(p.lang), $2)) AS querytree,
                v.score
         FROM unnest($1::uuid[], $5::float8[]) WITH ORDINALITY AS v(id, score, ord)
         JOIN live_entries e ON e.id = v.id
         JOIN pages p ON p.id = e.page_id
         WHERE ($3::text IS NULL OR p.slug = $3) AND ($4::text IS NULL OR p.lang = $4)
           AND ($6::text IS NULL OR coalesce(e.section, '') = $6) AND ($7::text IS NULL OR $7 = ANY (e.tags))
         ORDER BY v.ord",
    )
    .bind(ids)
    .bind(text)
    .bind(scope.page)
    .bind(scope.lang)
    .bind(scores)
    .bind(scope.section)
    .bind(scope.tag)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(HitRow::into_candidate).collect())
}

/// What every entry the search of `terms` matches counts for in facets, in PostgreSQL:
/// the query that [`search`] runs (all terms; any term when that finds nothing), at most
/// [`RANK_CAP`] matches.
pub async fn facet_rows(
    conn: &mut PgConnection,
    terms: &Terms,
    scope: &Scope<'_>,
) -> sqlx::Result<Vec<FacetRow>> {
    let (configs, langs, _) = configs(conn, scope).await?;
    let terms = &terms.expanded();
    if terms.terms.is_empty() || configs.is_empty() {
        return Ok(Vec::new());
    }
    let corrected = correct(conn, terms, &langs).await?;
    let sql = format!(
        "WITH matched AS MATERIALIZED (SELECT * FROM ({}) b LIMIT {RANK_CAP})
         SELECT p.slug AS page, e.section, e.tags, p.lang
         FROM matched m JOIN live_entries e ON e.id = m.entry_id JOIN pages p ON p.id = e.page_id",
        matched_sql(configs.len(), scope.is_narrowed())
    );
    for op in [" & ", " | "] {
        let mut query = sqlx::query_as::<_, FacetRow>(&sql)
            .bind(tsquery_text(&corrected, op))
            .bind("")
            .bind(scope.page)
            .bind(scope.lang)
            .bind(0_i64)
            .bind(0_i64);
        for config in &configs {
            query = query.bind(config);
        }
        if scope.is_narrowed() {
            query = query.bind(scope.section).bind(scope.tag);
        }
        let rows = query.fetch_all(&mut *conn).await?;
        if !rows.is_empty() || corrected.len() < 2 {
            return Ok(rows);
        }
    }
    Ok(Vec::new())
}

/// An entry as facets count it.
#[derive(sqlx::FromRow)]
pub struct FacetRow {
    pub page: String,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub lang: String,
}

/// Questions readers see in scope that contain `needle` (lowercase), at most `cap`: the
/// candidates of suggestions when the in-memory index is not built.
pub async fn suggestion_candidates(
    conn: &mut PgConnection,
    needle: &str,
    scope: &Scope<'_>,
    cap: i64,
) -> sqlx::Result<Vec<crate::search::suggest::Suggestion>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT e.question, e.slug, p.slug, p.lang
         FROM live_entries e JOIN pages p ON p.id = e.page_id
         WHERE strpos(lower(e.question), $1) > 0
           AND ($2::text IS NULL OR p.slug = $2) AND ($3::text IS NULL OR p.lang = $3)
         LIMIT $4",
    )
    .bind(needle)
    .bind(scope.page)
    .bind(scope.lang)
    .bind(cap)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(question, slug, page, lang)| crate::search::suggest::Suggestion {
                question,
                slug,
                page,
                lang,
            },
        )
        .collect())
}

#[derive(sqlx::FromRow)]
struct HitRow {
    total: i64,
    id: Uuid,
    slug: String,
    page: String,
    lang: String,
    question: String,
    answer_text: String,
    config: String,
    querytree: String,
    score: f64,
}

impl HitRow {
    fn into_hit(self) -> Hit {
        let lexemes = highlight::lexemes_of_querytree(&self.querytree);
        let stemmer = highlight::stemmer_for(&self.config);
        Hit {
            id: self.id,
            slug: self.slug,
            page: self.page,
            lang: self.lang,
            highlight: Highlight {
                question: highlight::highlight_all(&self.question, &lexemes, stemmer.as_ref()),
                answer: highlight::highlight_passage(&self.answer_text, &lexemes, stemmer.as_ref()),
            },
            question: self.question,
            score: self.score,
            pending: None,
        }
    }

    /// A hit whose answer is neither read nor highlighted yet.
    fn into_candidate(self) -> Hit {
        let lexemes = highlight::lexemes_of_querytree(&self.querytree);
        let stemmer = highlight::stemmer_for(&self.config);
        Hit {
            id: self.id,
            slug: self.slug,
            page: self.page,
            lang: self.lang,
            highlight: Highlight {
                question: highlight::highlight_all(&self.question, &lexemes, stemmer.as_ref()),
                answer: String::new(),
            },
            question: self.question,
            score: self.score,
            pending: Some(Box::new(PendingHighlight::from_querytree(
                &self.querytree,
                self.config,
            ))),
        }
    }
}

/// Adds one batch of insight counts to `search_queries`, in one statement: row `i` is
/// `(days[i], queries[i])` with `searches[i]` searches, `no_hits[i]` of them without hits.
/// Rows are upserted in the order given (WITH ORDINALITY … ORDER BY keeps it), so that
/// concurrent flushes that sort their rows alike lock them in the same order.
pub async fn add_query_counts(
    pool: &PgPool,
    days: &[NaiveDate],
    queries: &[String],
    searches: &[i64],
    no_hits: &[i64],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO search_queries (day, query, searches, no_hits)
         SELECT day, query, searches, no_hits
         FROM unnest($1::date[], $2::text[], $3::bigint[], $4::bigint[])
              WITH ORDINALITY AS t(day, query, searches, no_hits, ord)
         ORDER BY ord
         ON CONFLICT (day, query) DO UPDATE SET
            searches = search_queries.searches + EXCLUDED.searches,
            no_hits = search_queries.no_hits + EXCLUDED.no_hits",
    )
    .bind(days)
    .bind(queries)
    .bind(searches)
    .bind(no_hits)
    .execute(pool)
    .await?;
    Ok(())
}

/// Drops the insight counts of days more than `retention_days` before today.
pub async fn drop_queries_past(pool: &PgPool, retention_days: u32) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM search_queries WHERE day < current_date - $1::int")
        .bind(i32::try_from(retention_days).unwrap_or(i32::MAX))
        .execute(pool)
        .await?;
    Ok(())
}

/// The queries that found nothing since `since` days before today, most searches without hits
/// first (then by query), at most `limit`: `(query, searches, searches without hits)`. The
/// insights' no-hits list and the MCP `unanswered_questions` tool.
pub async fn no_hit_queries(
    conn: &mut PgConnection,
    since: i32,
    limit: i64,
) -> sqlx::Result<Vec<(String, i64, i64)>> {
    sqlx::query_as(
        "SELECT query, sum(searches)::bigint AS searches, sum(no_hits)::bigint AS no_hits
         FROM search_queries WHERE day >= current_date - $1::int AND no_hits > 0
         GROUP BY query ORDER BY no_hits DESC, query LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// What readers searched for since `since` days before today: per list, `(query, searches,
/// searches without hits)`.
pub struct InsightRows {
    /// The most frequent queries.
    pub top: Vec<(String, i64, i64)>,
    /// The queries that found nothing, most often first.
    pub no_hits: Vec<(String, i64, i64)>,
    /// Per day (newest first): `(day, in the no-hits list, query, searches, no hits)`, at most
    /// `limit` per list and day.
    pub by_day: Vec<(NaiveDate, bool, String, i64, i64)>,
    /// Per day: `(day, searches, searches without hits)`, every query counted.
    pub day_totals: Vec<(NaiveDate, i64, i64)>,
}

/// The search insights' lists over `search_queries`.
pub async fn insights(
    conn: &mut PgConnection,
    since: i32,
    limit: i64,
) -> sqlx::Result<InsightRows> {
    let top = sqlx::query_as(
        "SELECT query, sum(searches)::bigint AS searches, sum(no_hits)::bigint AS no_hits
         FROM search_queries WHERE day >= current_date - $1::int
         GROUP BY query ORDER BY searches DESC, query LIMIT $2",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let no_hits = no_hit_queries(&mut *conn, since, limit).await?;
    let by_day = sqlx::query_as(
        "SELECT day, list, query, searches, no_hits FROM (
            SELECT day, false AS list, query, searches, no_hits,
                   row_number() OVER (PARTITION BY day ORDER BY searches DESC, query) AS n
            FROM search_queries WHERE day >= current_date - $1::int
            UNION ALL
            SELECT day, true, query, searches, no_hits,
                   row_number() OVER (PARTITION BY day ORDER BY no_hits DESC, query)
            FROM search_queries WHERE day >= current_date - $1::int AND no_hits > 0
         ) ranked WHERE n <= $2 ORDER BY day DESC, list, n",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let day_totals = sqlx::query_as(
        "SELECT day, sum(searches)::bigint, sum(no_hits)::bigint FROM search_queries
         WHERE day >= current_date - $1::int GROUP BY day",
    )
    .bind(since)
    .fetch_all(&mut *conn)
    .await?;
    Ok(InsightRows {
        top,
        no_hits,
        by_day,
        day_totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsquery_text_quotes_every_term() {
        let terms = vec![("team".to_owned(), false), ("motiv".to_owned(), true)];
        assert_eq!(tsquery_text(&terms, " & "), "'team' & 'motiv':*");
    }
}
