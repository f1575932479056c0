//! The server's background tasks, each on its own timer: rate-limit pruning, housekeeping of
//! what has lapsed, and the search insights' flush. (Scheduled publishing is `schedule`; the
//! webhook worker and the change-log listener are in `events`.)

use std::sync::Arc;

use crate::http::middleware::ratelimit::RateLimits;
use crate::search::insights::Insights;
use crate::store;

/// Forgets idle rate-limit clients every minute, so that state grows with the clients of the
/// last minute, not with every address ever seen.
pub fn spawn_rate_limit_pruner(limits: Arc<RateLimits>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            limits.prune();
        }
    });
}

/// How often expired idempotency keys are removed.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes what has lapsed: idempotency keys older than a day, finished webhook deliveries
/// (and their attempts) older than 30 days.
pub fn spawn_housekeeping(pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = store::meta::sweep_expired(&pool).await {
                tracing::debug!(error = %err, "could not remove expired idempotency keys");
            }
        }
    });
}

/// How often search insights are written.
const INSIGHTS_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Writes search insights in the background, in batches.
pub fn spawn_insights_flusher(insights: Arc<Insights>, pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INSIGHTS_FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = insights.flush(&pool).await
                && !crate::store::shutting_down(&pool, &err)
            {
                tracing::warn!(error = %err, "could not write search insights; will retry");
            }
        }
    });
}
