//! The in-memory index's SQL: the snapshot it is built from, and the rows of the changes it
//! takes in since.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// An entry as the index holds it: its search document, its page, and its answer as text.
#[derive(sqlx::FromRow)]
pub(super) struct DocRow {
    pub(super) entry_id: Uuid,
    pub(super) page_id: i64,
    pub(super) page: String,
    pub(super) lang: String,
    pub(super) config: String,
    pub(super) slug: String,
    pub(super) question: String,
    pub(super) answer: String,
    pub(super) section: Option<String>,
    pub(super) tags: Vec<String>,
}

const DOC_SQL: &str =
    "SELECT d.entry_id, d.page_id, p.slug AS page, p.lang, d.config::text AS config,
        e.slug, d.question, faqd_html_text(e.answer_html) AS answer, e.section, e.tags
 FROM search_docs d
 JOIN live_entries e ON e.id = d.entry_id
 JOIN pages p ON p.id = d.page_id";

const PAGE_SQL: &str =
    "SELECT id, slug, lang, deleted_at IS NULL AND NOT draft AS live, updated_at FROM pages";

/// A page as the index knows it: id, slug, language, whether readers see it, last change.
pub(super) type PageRow = (i64, String, String, bool, DateTime<Utc>);

/// A change of the log: id, entry (if an entry's), page, kind.
pub(super) type ChangeRow = (i64, Option<Uuid>, i64, String);

/// A read-only transaction on one consistent snapshot (REPEATABLE READ): every read of a
/// build sees the same database.
pub(super) async fn snapshot(pool: &PgPool) -> sqlx::Result<Transaction<'static, Postgres>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    Ok(tx)
}

/// The ids of the change log above `floor`.
pub(super) async fn change_ids_above(
    conn: &mut PgConnection,
    floor: i64,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM changes WHERE id > $1")
        .bind(floor)
        .fetch_all(conn)
        .await
}

/// Every page.
pub(super) async fn all_pages(conn: &mut PgConnection) -> sqlx::Result<Vec<PageRow>> {
    sqlx::query_as(PAGE_SQL).fetch_all(conn).await
}

/// The entries readers see whose ids follow `after` (all of them from the first when `None`),
/// at most `limit`, in id order: the build reads the corpus a page of rows at a time, each
/// statement short (one statement streaming 100,000 rows into the index ran for seconds and
/// was logged as a slow statement), and never holds it whole.
pub(super) async fn docs_after(
    conn: &mut PgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> sqlx::Result<Vec<DocRow>> {
    match after {
        None => {
            sqlx::query_as(&format!("{DOC_SQL} ORDER BY d.entry_id LIMIT $1"))
                .bind(limit)
                .fetch_all(conn)
                .await
        }
        Some(after) => {
            sqlx::query_as(&format!(
                "{DOC_SQL} WHERE d.entry_id > $1 ORDER BY d.entry_id LIMIT $2"
            ))
            .bind(after)
            .bind(limit)
            .fetch_all(conn)
            .await
        }
    }
}

/// The changes of the log above `after`, oldest first.
pub(super) async fn changes_above(pool: &PgPool, after: i64) -> sqlx::Result<Vec<ChangeRow>> {
    sqlx::query_as("SELECT id, entry_id, page_id, kind FROM changes WHERE id > $1 ORDER BY id")
        .bind(after)
        .fetch_all(pool)
        .await
}

/// The entries readers see among `entries`, and those of the pages `pages`.
pub(super) async fn docs_of(
    pool: &PgPool,
    entries: &[Uuid],
    pages: &[i64],
) -> sqlx::Result<Vec<DocRow>> {
    sqlx::query_as(&format!(
        "{DOC_SQL} WHERE d.entry_id = ANY($1) OR d.page_id = ANY($2)"
    ))
    .bind(entries)
    .bind(pages)
    .fetch_all(pool)
    .await
}

/// The pages `ids` (those that still exist).
pub(super) async fn pages_of(pool: &PgPool, ids: &[i64]) -> sqlx::Result<Vec<PageRow>> {
    sqlx::query_as(&format!("{PAGE_SQL} WHERE id = ANY($1)"))
        .bind(ids)
        .fetch_all(pool)
        .await
}
