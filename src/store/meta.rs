//! One-off facts about a database, such as whether it has been seeded.

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
