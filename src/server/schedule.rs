//! Scheduled publishing: every instance looks once a second for entries and pages whose
//! `publish_at` or `unpublish_at` has come, claims each (`FOR UPDATE SKIP LOCKED`, after the
//! content write lock every writer takes first) and carries it out through the very path of
//! the manual action: for an entry `POST /faqs/{ref}/publish` and `PATCH {"status": "draft"}`
//! (a new version, its revision, the change log and its webhooks, the page's version); for a
//! page `PATCH /pages/{slug}` with `{"draft": false}` or `{"draft": true}` (the page's new
//! version, its front matter, `page.published` / `page.unpublished` in the change log and
//! webhooks). `run_due` takes `now`, so that tests drive the clock.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::api::faqs::workflow::{apply_update, current_page};
use crate::api::faqs::{input as entry_input, lifecycle};
use crate::api::pages::admin::{PagePatch, apply_patch};
use crate::error::ApiError;
use crate::store::{entries, pages, schedule};

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

/// Carries out every publication and withdrawal due at `now`, one entry or page per
/// transaction (pages first: an entry's schedule may wait for its page's); answers how many
/// were carried out. An entry or page whose action fails is logged and left for the next pass,
/// without holding up the others.
pub async fn run_due(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let (pages_due, entries_due) = {
        let mut conn = pool.acquire().await?;
        (
            schedule::any_page_due(&mut conn, now).await?,
            schedule::any_due(&mut conn, now).await?,
        )
    };
    let mut done = 0;
    if pages_due {
        done += drain::<schedule::PageDue>(pool, now).await?;
    }
    if entries_due {
        done += drain::<schedule::Due>(pool, now).await?;
    }
    Ok(done)
}

/// Something scheduled that is due: an entry or a page.
trait Scheduled: Sized {
    /// What identifies it, to skip it once it failed.
    type Key: Copy
        + std::fmt::Display
        + sqlx::Type<sqlx::Postgres>
        + sqlx::postgres::PgHasArrayType
        + for<'q> sqlx::Encode<'q, sqlx::Postgres>
        + Send
        + Sync;
    /// "entry" or "page", for the log.
    const WHAT: &'static str;
    fn key(&self) -> Self::Key;
    fn publish(&self) -> bool;
    /// Locks the next one due at `now`, but for `skip`.
    async fn claim(
        tx: &mut PgConnection,
        now: DateTime<Utc>,
        skip: &[Self::Key],
    ) -> sqlx::Result<Option<Self>>;
    /// Carries it out through the manual path, then clears that schedule.
    async fn carry_out(&self, tx: &mut PgConnection) -> Result<(), ApiError>;
}

impl Scheduled for schedule::Due {
    type Key = Uuid;
    const WHAT: &'static str = "entry";
    fn key(&self) -> Uuid {
        self.id
    }
    fn publish(&self) -> bool {
        self.publish
    }
    async fn claim(
        tx: &mut PgConnection,
        now: DateTime<Utc>,
        skip: &[Uuid],
    ) -> sqlx::Result<Option<Self>> {
        schedule::claim(tx, now, skip).await
    }
    async fn carry_out(&self, tx: &mut PgConnection) -> Result<(), ApiError> {
        carry_out(tx, self).await
    }
}

impl Scheduled for schedule::PageDue {
    type Key = i64;
    const WHAT: &'static str = "page";
    fn key(&self) -> i64 {
        self.page_id
    }
    fn publish(&self) -> bool {
        self.publish
    }
    async fn claim(
        tx: &mut PgConnection,
        now: DateTime<Utc>,
        skip: &[i64],
    ) -> sqlx::Result<Option<Self>> {
        schedule::claim_page(tx, now, skip).await
    }
    async fn carry_out(&self, tx: &mut PgConnection) -> Result<(), ApiError> {
        carry_out_page(tx, self).await
    }
}

/// Carries out every `T` due at `now`, one per transaction; answers how many. One whose action
/// fails is logged and left for the next pass, without holding up the others.
async fn drain<T: Scheduled>(pool: &PgPool, now: DateTime<Utc>) -> Result<usize, ApiError> {
    let mut done = 0;
    let mut failed: Vec<T::Key> = Vec::new();
    loop {
        let mut tx = pool.begin().await?;
        // The write lock first, as every content write takes it: no deadlock with them.
        entries::lock_writes(&mut tx).await?;
        let Some(due) = T::claim(&mut tx, now, &failed).await? else {
            tx.rollback().await?;
            break;
        };
        match due.carry_out(&mut tx).await {
            Ok(()) => {
                tx.commit().await?;
                done += 1;
            }
            Err(err) => {
                tx.rollback().await?;
                tracing::warn!(what = T::WHAT, key = %due.key(), publish = due.publish(), error = %err,
                    "a scheduled publication failed; it stays scheduled");
                failed.push(due.key());
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

/// Publishes (or withdraws) the claimed page as an editor's `PATCH {"draft": …}` would, then
/// clears that schedule. A page already in that state is left as it is.
async fn carry_out_page(tx: &mut PgConnection, due: &schedule::PageDue) -> Result<(), ApiError> {
    let (slug, lang) = pages::slug_and_lang(tx, due.page_id).await?;
    let (id, _version) = pages::lock(tx, &slug, &lang, false)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no page {slug} ({lang})")))?;
    let draft = !due.publish;
    if pages::fields(tx, id).await?.draft != draft {
        let patch = PagePatch {
            draft: Some(draft),
            ..PagePatch::default()
        };
        apply_patch(tx, id, &serde_json::json!({ "draft": draft }), patch).await?;
    }
    schedule::clear_page(tx, id, due.publish).await?;
    Ok(())
}
