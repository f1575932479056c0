//! The existing questions nearest to a new one, by words: pg_trgm over what editors see
//! (drafts and staged versions included), for the duplicate warning of the editors' desk.
//! Both queries take the caller's text only as bound parameters.

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

/// Below this likeness, a question is not offered as a near one.
pub const MIN_WORDS: f32 = 0.25;

/// The `limit` questions nearest to `q` by words — pg_trgm's `similarity` of the lowercase
/// questions, found by a nearest-neighbour scan of `entries_question_trgm_idx` (`<->`) — best
/// first, at least [`MIN_WORDS`]. Editors' entries: the current version of every entry not
/// deleted on a page not deleted (as `current_entries`, spelled out so that the planner
/// keeps the index scan, and only the filters given are written, so that a generic plan
/// keeps it too).
pub async fn by_words(
    conn: &mut PgConnection,
    q: &str,
    page: Option<&str>,
    lang: Option<&str>,
    limit: i64,
) -> sqlx::Result<Vec<SimilarRow>> {
    let mut filters = String::new();
    let mut next = 3;
    for (given, column) in [(page.is_some(), "p.slug"), (lang.is_some(), "p.lang")] {
        if given {
            filters.push_str(&format!(" AND {column} = ${next}"));
            next += 1;
        }
    }
    let sql = format!(
        "SELECT id, slug, page, lang, question, status, words FROM (
             SELECT e.id, e.slug, p.slug AS page, p.lang, e.question, e.status,
                    (1 - (lower(e.question) <-> lower($1)))::real AS words
             FROM entries e JOIN pages p ON p.id = e.page_id
             WHERE e.deleted_at IS NULL AND p.deleted_at IS NULL{filters}
             ORDER BY lower(e.question) <-> lower($1)
             LIMIT $2
         ) nearest
         WHERE words >= {MIN_WORDS}
         ORDER BY words DESC, question, id"
    );
    let mut query = sqlx::query_as(&sql).bind(q).bind(limit);
    if let Some(page) = page {
        query = query.bind(page);
    }
    if let Some(lang) = lang {
        query = query.bind(lang);
    }
    query.fetch_all(conn).await
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
