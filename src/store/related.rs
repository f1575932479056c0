//! Related questions and translations: the precomputed related lists, the words side of
//! their computation, editors' pins and explicit translation links, and the translations of
//! entries as an audience sees them.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::{Audience, RelatedEntry, Translation};

/// The change log's newest change that readers could see (reader feedback aside): a related
/// list computed under an older one may be stale.
pub async fn generation(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT coalesce(max(id), 0) FROM changes WHERE kind IS DISTINCT FROM 'entry.feedback'",
    )
    .fetch_one(conn)
    .await
}

/// The related list last computed for `entry`, with the generation it was computed under.
pub async fn cached(
    conn: &mut PgConnection,
    entry: Uuid,
) -> sqlx::Result<Option<(i64, Vec<Uuid>)>> {
    sqlx::query_as("SELECT generation, related FROM related_entries WHERE entry_id = $1")
        .bind(entry)
        .fetch_optional(conn)
        .await
}

/// Keeps a computed related list (the newest computation wins).
pub async fn keep(
    conn: &mut PgConnection,
    entry: Uuid,
    generation: i64,
    related: &[Uuid],
    method: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO related_entries (entry_id, generation, related, method)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (entry_id) DO UPDATE
         SET generation = EXCLUDED.generation, related = EXCLUDED.related,
             method = EXCLUDED.method, computed_at = clock_timestamp()
         WHERE related_entries.generation <= EXCLUDED.generation",
    )
    .bind(entry)
    .bind(generation)
    .bind(related)
    .bind(method)
    .execute(conn)
    .await?;
    Ok(())
}

/// The entries readers see that share the most words with `entry`'s question, best first, in
/// its language (the search documents mirror what readers see).
pub async fn by_words(conn: &mut PgConnection, entry: Uuid, limit: i64) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "WITH me AS (
             SELECT d.entry_id, p.lang,
                    (SELECT string_agg(quote_literal(u.lexeme), ' | ')
                     FROM unnest(d.document) u WHERE 'A' = ANY (u.weights)) AS words
             FROM search_docs d JOIN pages p ON p.id = d.page_id
             WHERE d.entry_id = $1
         ), q AS (
             SELECT lang, to_tsquery('simple', words) AS query FROM me WHERE words IS NOT NULL
         )
         SELECT d.entry_id
         FROM q, search_docs d JOIN pages p ON p.id = d.page_id
         WHERE p.lang = q.lang AND d.entry_id <> $1 AND d.document @@ q.query
         ORDER BY ts_rank(d.document, q.query) DESC, d.entry_id
         LIMIT $2",
    )
    .bind(entry)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The entries of `ids` that readers see in language `lang`, in the order of `ids`.
pub async fn visible(
    conn: &mut PgConnection,
    ids: &[Uuid],
    lang: &str,
) -> sqlx::Result<Vec<RelatedEntry>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<RelatedEntry> = sqlx::query_as(
        "SELECT le.id, le.slug, p.slug AS page, p.lang, le.question, false AS pinned
         FROM live_entries le JOIN pages p ON p.id = le.page_id
         WHERE le.id = ANY($1) AND p.lang = $2",
    )
    .bind(ids)
    .bind(lang)
    .fetch_all(conn)
    .await?;
    Ok(ids
        .iter()
        .filter_map(|id| found.iter().find(|e| e.id == *id).cloned())
        .collect())
}

/// An entry's pins and explicit translation link.
pub async fn links(
    conn: &mut PgConnection,
    entry: Uuid,
) -> sqlx::Result<Option<(Vec<Uuid>, Option<Uuid>)>> {
    sqlx::query_as("SELECT related_pins, translation_of FROM entries WHERE id = $1")
        .bind(entry)
        .fetch_optional(conn)
        .await
}

/// Editors' view of the links of `ids`: pins and translation target, as slugs.
pub async fn links_as_slugs(
    conn: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<Vec<(Uuid, Vec<String>, Option<String>)>> {
    sqlx::query_as(
        "SELECT e.id,
                ARRAY(SELECT x.slug FROM unnest(e.related_pins) WITH ORDINALITY AS pin(id, n)
                      JOIN entries x ON x.id = pin.id ORDER BY pin.n) AS pins,
                t.slug AS translation_of
         FROM entries e LEFT JOIN entries t ON t.id = e.translation_of
         WHERE e.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}

/// Writes an entry's pins or translation link as a new version of it (with its revision), so
/// that the change log, and with it every instance's read cache, hears of it. A published
/// entry stays published at the new version; a staged change stays staged.
pub async fn set_links(
    conn: &mut PgConnection,
    entry: Uuid,
    pins: &[Uuid],
    translation_of: Option<Uuid>,
    actor: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE entries SET related_pins = $2, translation_of = $3, version = version + 1,
                published_version = CASE WHEN status = 'published' THEN version + 1
                                         ELSE published_version END,
                updated_at = now()
         WHERE id = $1",
    )
    .bind(entry)
    .bind(pins)
    .bind(translation_of)
    .execute(&mut *conn)
    .await?;
    crate::store::entries::write_revision(conn, entry, "updated", actor).await
}

/// The translations of each entry of `ids` that the audience sees: for each other language of
/// its page (same slug), the entry explicitly linked to it (`translation_of`, either way, or a
/// shared target), else the entry at the same position when that one is linked to nothing.
pub async fn translations(
    conn: &mut PgConnection,
    audience: Audience,
    ids: &[Uuid],
) -> sqlx::Result<Vec<(Uuid, Translation)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // Positions are the pages' own order (every entry that is not deleted, as imported or
    // arranged), so that hiding one entry does not pair its neighbours anew; what the
    // audience cannot see is then left out.
    let sql = format!(
        "WITH ordered AS (
             SELECT e.id, p.slug AS page, p.lang, e.translation_of,
                    row_number() OVER (PARTITION BY e.page_id ORDER BY e.sort_key, e.id) AS position
             FROM entries e
             JOIN pages p ON p.id = e.page_id
             WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL
               AND p.slug IN (SELECT p2.slug FROM entries y JOIN pages p2 ON p2.id = y.page_id
                              WHERE y.id = ANY($1))
         ), mine AS (
             SELECT * FROM ordered WHERE id = ANY($1)
         )
         SELECT DISTINCT ON (m.id, t.lang) m.id, t.lang, v.slug
         FROM mine m
         JOIN ordered t ON t.page = m.page AND t.lang <> m.lang
         JOIN {relation} v ON v.id = t.id
         JOIN pages vp ON vp.id = v.page_id AND {visible}
         CROSS JOIN LATERAL (
             SELECT coalesce(t.translation_of = m.id OR m.translation_of = t.id
                             OR t.translation_of = m.translation_of, false) AS explicit
         ) link
         WHERE link.explicit
            OR (t.position = m.position AND t.translation_of IS NULL
                AND NOT EXISTS (SELECT 1 FROM ordered z WHERE z.id = m.translation_of
                                AND z.lang = t.lang))
         ORDER BY m.id, t.lang, link.explicit DESC, t.position",
        relation = audience.entries_relation(),
        visible = audience.pages_visible("vp"),
    );
    let rows: Vec<(Uuid, String, String)> = sqlx::query_as(&sql).bind(ids).fetch_all(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(id, lang, slug)| (id, Translation { lang, slug }))
        .collect())
}
