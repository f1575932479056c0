//! The existing questions nearest to a new one, by words: pg_trgm over what editors see
//! (drafts and staged versions included), for the duplicate warning of the editors' desk.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::model::EntryStatus;

/// An existing question and how close it is, by words, to the one asked.
#[derive(Debug, sqlx::FromRow)]
pub struct SimilarRow {
    pub id: Uuid,
    pub slug: String,
    pub page: String,
    pub lang: String,
    pub question: String,
    #[sqlx(try_from = "String")]
    pub status: EntryStatus,
    /// pg_trgm's likeness, in [0, 1].
    pub words: f32,
}

/// Below this likeness by words, a question is not offered as a near one.
pub const MIN_WORDS: f32 = 0.25;

/// The `limit` questions nearest to `q` by words (the mean of pg_trgm's `similarity` and
/// `word_similarity`: the first penalises a long question holding the words of a short one,
/// the second rewards it), best first, at least [`MIN_WORDS`].
pub async fn by_words(
    conn: &mut PgConnection,
    q: &str,
    page: Option<&str>,
    lang: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<SimilarRow>> {
    sqlx::query_as(
        "SELECT id, slug, page, lang, question, status, words FROM (
             SELECT e.id, e.slug, p.slug AS page, p.lang, e.question, e.status,
                    ((similarity(lower(e.question), lower($1))
                      + word_similarity(lower($1), lower(e.question))) / 2)::real AS words
             FROM current_entries e JOIN pages p ON p.id = e.page_id
             WHERE ($2::text IS NULL OR p.slug = $2) AND ($3::text IS NULL OR p.lang = $3)
         ) s
         WHERE words >= $4
         ORDER BY words DESC, question, id
         LIMIT $5",
    )
    .bind(q)
    .bind(page)
    .bind(lang)
    .bind(MIN_WORDS)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// The entries `ids` as editors see them (those still there), for the hits by meaning.
pub async fn by_ids(conn: &mut PgConnection, ids: &[Uuid]) -> sqlx::Result<Vec<SimilarRow>> {
    sqlx::query_as(
        "SELECT e.id, e.slug, p.slug AS page, p.lang, e.question, e.status, 0::real AS words
         FROM current_entries e JOIN pages p ON p.id = e.page_id
         WHERE e.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(conn)
    .await
}
