//! An entry's history: the revisions its writes leave (written by `entries`), read back.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::model::EntryStatus;

/// One version of an entry, in brief.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct RevisionSummary {
    pub version: i64,
    /// What made it: `created`, `updated`, `published`, `imported`, `deleted`, `restored`.
    #[schema(example = "updated")]
    pub kind: String,
    /// The token's name (or `cli`, `seed`) that made it.
    #[schema(example = "alice")]
    pub actor: String,
    pub created_at: DateTime<Utc>,
    /// The entry's status in that version.
    #[sqlx(try_from = "String")]
    pub status: EntryStatus,
    pub question: String,
}

/// Entry `id`'s versions older than `before` (all when `None`), newest first, at most `limit`.
pub async fn list(
    conn: &mut PgConnection,
    id: Uuid,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<RevisionSummary>> {
    sqlx::query_as(
        "SELECT version, kind, actor, created_at, status, question FROM entry_revisions
         WHERE entry_id = $1 AND ($2::int8 IS NULL OR version < $2)
         ORDER BY version DESC LIMIT $3",
    )
    .bind(id)
    .bind(before)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// How many versions entry `id` has.
pub async fn count(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM entry_revisions WHERE entry_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// One version, whole.
#[derive(sqlx::FromRow)]
pub struct RevisionRow {
    pub version: i64,
    pub kind: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
    #[sqlx(try_from = "String")]
    pub status: EntryStatus,
    pub slug: String,
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    pub answer_html: String,
    pub tags: Vec<String>,
}

/// Version `version` of entry `id`, whole.
pub async fn get(
    conn: &mut PgConnection,
    id: Uuid,
    version: i64,
) -> sqlx::Result<Option<RevisionRow>> {
    sqlx::query_as(
        "SELECT version, kind, actor, created_at, status, slug, section, question, answer,
                answer_html, tags
         FROM entry_revisions WHERE entry_id = $1 AND version = $2",
    )
    .bind(id)
    .bind(version)
    .fetch_optional(conn)
    .await
}
