//! Scheduled publishing: every instance looks once a second for entries whose `publish_at`
//! or `unpublish_at` has come, claims each (`FOR UPDATE SKIP LOCKED`, after the content
//! write lock every writer takes first) and carries it out through the very path of the
//! manual `POST /faqs/{ref}/publish` and `PATCH {"status": "draft"}`: a new version, its
//! revision, the change log and its webhooks, the page's version. `run_due` takes `now`,
//! so that tests drive the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::api::faqs::workflow::{apply_update, current_page};
use crate::api::faqs::{input as entry_input, lifecycle};
use crate::error::ApiError;
use crate::store::{entries, schedule};

/// How often an instance looks for what is due.
pub const EVERY: Duration = Duration::from_secs(1);

/// The actor named in the revisions the scheduler writes.
pub const ACTOR: &str = "scheduler";

/// Looks for due schedules every [`EVERY`] until the pool closes.
pub fn start(pool: PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = run_due(&pool, Utc::now()).await {
                tracing::warn!(error = %err, "scheduled publishing: will retry");
            }
        }
    });
}

/// Carries out every publication and withdrawal due at `now`, one entry per transaction;
/// answers how many were carried out. An entry whose action fails is logged and left for
/// the next pass, without holding up the others.
pub async fn run_due(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, ApiError> {
    {
        let mut conn = pool.acquire().await?;
        if !schedule::any_due(&mut conn, now).await? {
            return Ok(0);
        }
    }
    let mut done = 0;
    let mut failed: Vec<Uuid> = Vec::new();
    loop {
        let mut tx = pool.begin().await?;
        // The write lock first, as every content write takes it: no deadlock with them.
        entries::lock_writes(&mut tx).await?;
        let Some(due) = schedule::claim(&mut tx, now, &failed).await? else {
            tx.rollback().await?;
            break;
        };
        match carry_out(&mut tx, &due).await {
            Ok(()) => {
                tx.commit().await?;
                done += 1;
            }
            Err(err) => {
                tx.rollback().await?;
                tracing::warn!(entry = %due.id, publish = due.publish, error = %err,
                    "a scheduled publication failed; it stays scheduled");
                failed.push(due.id);
            }
        }
    }
    Ok(done)
}

/// Publishes (or withdraws) the claimed entry as an editor would, then clears that schedule.
async fn carry_out(tx: &mut PgConnection, due: &schedule::Due) -> Result<(), ApiError> {
    let current = entries::lock(tx, due.id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no entry {}", due.id)))?;
    let page = current_page(tx, current.page_id).await?;
    let (status, kind) = if due.publish {
        ("published", "published")
    } else {
        ("draft", "updated")
    };
    let body = lifecycle::same_content(&current, Some(status));
    let valid = entry_input::validate(tx, body, Some(&page), Some(&current.slug)).await?;
    apply_update(tx, &current, &valid, false, kind, ACTOR).await?;
    schedule::clear(tx, due.id, due.publish).await?;
    Ok(())
}
