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

/// Whether the database answers.
pub async fn ping(pool: &sqlx::PgPool) -> sqlx::Result<()> {
    sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(pool)
        .await?;
    Ok(())
}

/// The seed files already imported (a seed that stopped half-way resumes after them).
pub async fn seeded_files(pool: &sqlx::PgPool) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT path FROM seed_files")
        .fetch_all(pool)
        .await
}

/// Waits for any other instance seeding the database, until the transaction ends.
pub async fn lock_seeding(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('faqd-seed'))")
        .execute(conn)
        .await?;
    Ok(())
}

/// Fresh statistics after a bulk load, so that the planner picks the search indexes from the
/// first query on (autovacuum would get there later). Only the tables' owner may: a role that
/// serves without owning them (the private cluster's `faqd_app`) skips it, and
/// `Database::analyze` does it as the owner.
pub async fn analyze_if_owner(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query(
        "DO $$ BEGIN
           IF pg_has_role((SELECT relowner FROM pg_class WHERE oid = 'entries'::regclass), 'MEMBER') THEN
             ANALYZE search_docs, search_words, entries, pages;
           END IF;
         END $$",
    )
    .execute(conn)
    .await?;
    Ok(())
}
