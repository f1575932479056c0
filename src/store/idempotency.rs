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
