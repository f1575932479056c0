//! Facts about a database as a whole: whether it has been seeded, and the housekeeping of what has lapsed.

use sqlx::PgConnection;

const SEEDED: &str = "seeded_at";

/// Whether `seed/` has ever been imported into this database.
pub async fn is_seeded(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM faqd_meta WHERE key = $1)")
        .bind(SEEDED)
        .fetch_one(conn)
        .await
}

/// Records that `seed/` has been imported, so that it never is again.
pub async fn mark_seeded(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO faqd_meta (key, value) VALUES ($1, now()::text)
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(SEEDED)
    .execute(conn)
    .await?;
    Ok(())
}

/// Removes what has lapsed: idempotency keys older than a day, finished webhook deliveries
/// (and their attempts) older than 30 days.
pub async fn sweep_expired(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    sqlx::query(
        "WITH keys AS (
             DELETE FROM idempotency_keys
             WHERE created_at < clock_timestamp() - interval '24 hours'
         )
         DELETE FROM webhook_deliveries
         WHERE state <> 'pending' AND created_at < clock_timestamp() - interval '30 days'",
    )
    .execute(pool)
    .await?;
    Ok(())
}
