//! Tags of what readers see, with their counts.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;

/// A tag and how many published entries carry it.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct TagCount {
    #[schema(example = "coaching")]
    pub tag: String,
    /// Published entries (on live pages) with the tag.
    #[schema(example = 3)]
    pub count: i64,
}

/// The tags of live entries, most used first, then by name; only those of pages with this
/// slug and language when given.
pub async fn counts(
    conn: &mut PgConnection,
    page: Option<&str>,
    lang: Option<&str>,
) -> sqlx::Result<Vec<TagCount>> {
    sqlx::query_as(
        "SELECT t.tag, count(*) AS count
         FROM live_entries e
         JOIN pages p ON p.id = e.page_id
         CROSS JOIN LATERAL unnest(e.tags) AS t(tag)
         WHERE ($1::text IS NULL OR p.slug = $1) AND ($2::text IS NULL OR p.lang = $2)
         GROUP BY t.tag
         ORDER BY count(*) DESC, t.tag",
    )
    .bind(page)
    .bind(lang)
    .fetch_all(conn)
    .await
}

/// When any page last changed (tags' `Last-Modified`).
pub async fn pages_last_modified(conn: &mut PgConnection) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT max(updated_at) FROM pages")
        .fetch_one(conn)
        .await
}
