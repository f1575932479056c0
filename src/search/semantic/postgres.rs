//! The semantic index's SQL: what waits for an embedding, the vectors stored, and what
//! readers still see.

use futures_util::stream::BoxStream;
use sqlx::PgPool;
use uuid::Uuid;

/// A stored vector, and the oldest transaction running when it was read (the next pull's
/// watermark).
pub(super) type StoredVector = (Uuid, String, String, Vec<u8>, i64);

/// At most `limit` entries readers see without a vector of `model` for their version: `(id,
/// version, text to embed)`. The text is built for the chosen few only.
pub(super) async fn waiting(
    pool: &PgPool,
    model: &str,
    limit: i64,
) -> sqlx::Result<Vec<(Uuid, i64, String)>> {
    sqlx::query_as(
        "SELECT w.id, w.version, le.question || E'\\n' || faqd_html_text(le.answer_html)
         FROM (SELECT le.id, le.version
               FROM live_entries le
               LEFT JOIN entry_embeddings ee
                      ON ee.entry_id = le.id AND ee.model = $1 AND ee.version = le.version
               WHERE ee.entry_id IS NULL
               LIMIT $2) w
         JOIN live_entries le ON le.id = w.id",
    )
    .bind(model)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Stores the vectors of `model` (little-endian `f32` bytes) of the entries `ids` at their
/// `versions`, row by row, replacing an entry's previous vector; entries deleted meanwhile
/// are skipped.
pub(super) async fn store_vectors(
    pool: &PgPool,
    model: &str,
    ids: &[Uuid],
    versions: &[i64],
    blobs: &[Vec<u8>],
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO entry_embeddings (entry_id, version, model, embedding)
         SELECT v.id, v.version, $4, v.embedding
         FROM unnest($1::uuid[], $2::int8[], $3::bytea[]) AS v(id, version, embedding)
         JOIN entries e ON e.id = v.id
         ON CONFLICT (entry_id) DO UPDATE
         SET version = EXCLUDED.version, model = EXCLUDED.model,
             embedding = EXCLUDED.embedding, embedded_at = clock_timestamp(),
             xid = pg_current_xact_id()",
    )
    .bind(ids)
    .bind(versions)
    .bind(blobs)
    .bind(model)
    .execute(pool)
    .await?;
    Ok(())
}

/// The stored vectors of `model` written by transactions not older than `since` (every one
/// when `None`), in write order, with their entry's page and language: streamed.
pub(super) fn stored_since<'a>(
    pool: &'a PgPool,
    model: &'a str,
    since: Option<i64>,
) -> BoxStream<'a, sqlx::Result<StoredVector>> {
    sqlx::query_as::<_, StoredVector>(
        "SELECT ee.entry_id, p.slug, p.lang, ee.embedding,
                pg_snapshot_xmin(pg_current_snapshot())::text::int8
         FROM entry_embeddings ee
         JOIN entries e ON e.id = ee.entry_id
         JOIN pages p ON p.id = e.page_id
         WHERE ee.model = $1 AND ($2::int8 IS NULL OR ee.xid >= $2::int8::text::xid8)
         ORDER BY ee.xid",
    )
    .bind(model)
    .bind(since)
    .fetch(pool)
}

/// The ids of every entry readers see.
pub(super) async fn live_ids(pool: &PgPool) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT id FROM live_entries")
        .fetch_all(pool)
        .await
}

/// How many entries readers see wait for a vector of `model` for their version.
pub(super) async fn count_waiting(pool: &PgPool, model: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT count(*) FROM live_entries le
         LEFT JOIN entry_embeddings ee
                ON ee.entry_id = le.id AND ee.model = $1 AND ee.version = le.version
         WHERE ee.entry_id IS NULL",
    )
    .bind(model)
    .fetch_one(pool)
    .await
}
