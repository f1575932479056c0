//! The `Idempotency-Key` claim of the request being served, and the commit that records it:
//! a handler's writing transaction marks the claim as carried out before it commits, so that the
//! write and the record of it are one. The guard (`crate::http::middleware::idempotency`) then releases a key only
//! when nothing was committed.

use std::future::Future;

use sqlx::{Postgres, Transaction};

/// A claimed key: the token it belongs to and the key.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub principal: String,
    pub key: String,
}

tokio::task_local! {
    static CLAIM: Claimed;
}

/// Runs `f` (the rest of the request) with `claim` as the request's claim.
pub async fn within<F: Future>(claim: Claimed, f: F) -> F::Output {
    CLAIM.scope(claim, f).await
}

/// Commits `tx`, marking the request's idempotency claim (if any) as carried out in it.
pub async fn commit(mut tx: Transaction<'_, Postgres>) -> sqlx::Result<()> {
    if let Ok(claim) = CLAIM.try_with(Claimed::clone) {
        sqlx::query(
            "UPDATE idempotency_keys SET committed = true WHERE principal = $1 AND key = $2",
        )
        .bind(&claim.principal)
        .bind(&claim.key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}

/// Frees a claim for a retry, unless its write committed.
pub async fn release(pool: &sqlx::PgPool, claim: &Claimed) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND NOT committed")
        .bind(&claim.principal)
        .bind(&claim.key)
        .execute(pool)
        .await?;
    Ok(())
}

/// A stored claim: the request's fingerprint, the answer kept (status, headers, body) and
/// whether its write committed.
pub type Stored = (
    Vec<u8>,
    Option<i16>,
    Option<serde_json::Value>,
    Option<Vec<u8>>,
    bool,
);

/// Claims `key` for `principal`: true when this request is the first to use it (an expired
/// claim of the same key makes way first).
pub async fn insert(
    conn: &mut sqlx::PgConnection,
    principal: &str,
    key: &str,
    fingerprint: &[u8],
) -> sqlx::Result<bool> {
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2
           AND created_at < clock_timestamp() - interval '24 hours'",
    )
    .bind(principal)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (principal, key, fingerprint) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(principal)
    .bind(key)
    .bind(fingerprint)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The claim of `key` for `principal`, if it is still there.
pub async fn stored(
    conn: &mut sqlx::PgConnection,
    principal: &str,
    key: &str,
) -> sqlx::Result<Option<Stored>> {
    sqlx::query_as(
        "SELECT fingerprint, status, headers, body, committed FROM idempotency_keys
         WHERE principal = $1 AND key = $2",
    )
    .bind(principal)
    .bind(key)
    .fetch_optional(conn)
    .await
}

/// Keeps the answer of the request that claimed `key`, for its retries.
pub async fn keep_answer(
    pool: &sqlx::PgPool,
    principal: &str,
    key: &str,
    status: i16,
    headers: &serde_json::Value,
    body: &[u8],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5
         WHERE principal = $1 AND key = $2",
    )
    .bind(principal)
    .bind(key)
    .bind(status)
    .bind(headers)
    .bind(body)
    .execute(pool)
    .await?;
    Ok(())
}
