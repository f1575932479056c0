//! Scheduled publishing's SQL: an entry's or a page's `publish_at` / `unpublish_at`, what is
//! due, and the claim of one due entry or page (`FOR UPDATE SKIP LOCKED`). A page's schedule
//! lives in `page_schedules` (`0019_page_schedule.sql`).

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// What is due for one entry.
#[derive(Debug, sqlx::FromRow)]
pub struct Due {
    pub id: Uuid,
    /// Publish (else withdraw).
    pub publish: bool,
}

/// Entries (of live pages, not deleted) with a schedule due at `now`.
const DUE: &str = "e.deleted_at IS NULL AND p.deleted_at IS NULL
    AND (e.publish_at <= $1 OR e.unpublish_at <= $1)";

/// Whether anything is due at `now`: a cheap look, without locks, before claiming.
pub async fn any_due(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<bool> {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM entries e JOIN pages p ON p.id = e.page_id WHERE {DUE})"
    ))
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Whether the due action of the row aliased `alias` (with `publish_at` and `unpublish_at`)
/// is its publication: of two actions due at `$1`, the earlier goes first.
fn publish_first(alias: &str) -> String {
    format!(
        "({alias}.publish_at <= $1
          AND ({alias}.unpublish_at IS NULL OR {alias}.unpublish_at > $1
               OR {alias}.publish_at <= {alias}.unpublish_at))
         IS TRUE AS publish"
    )
}

/// Locks the entry whose due action is the oldest, skipping rows other transactions hold
/// and the ids in `skip`. Of two actions due on one entry, the earlier goes first.
pub async fn claim(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    skip: &[Uuid],
) -> sqlx::Result<Option<Due>> {
    sqlx::query_as(&format!(
        "SELECT e.id, {publish}
         FROM entries e JOIN pages p ON p.id = e.page_id
         WHERE {DUE} AND NOT (e.id = ANY ($2))
         ORDER BY LEAST(e.publish_at, e.unpublish_at), e.id
         LIMIT 1
         FOR UPDATE OF e SKIP LOCKED",
        publish = publish_first("e"),
    ))
    .bind(now)
    .bind(skip)
    .fetch_optional(conn)
    .await
}

/// Forgets the schedule just carried out.
pub async fn clear(conn: &mut PgConnection, id: Uuid, publish: bool) -> sqlx::Result<()> {
    let column = if publish {
        "publish_at"
    } else {
        "unpublish_at"
    };
    sqlx::query(&format!("UPDATE entries SET {column} = NULL WHERE id = $1"))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets an entry's schedule; `None` leaves that time as it is. True when it changed.
pub async fn set(
    conn: &mut PgConnection,
    id: Uuid,
    publish_at: Option<Option<DateTime<Utc>>>,
    unpublish_at: Option<Option<DateTime<Utc>>>,
) -> sqlx::Result<bool> {
    if publish_at.is_none() && unpublish_at.is_none() {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE entries SET
             publish_at = CASE WHEN $2 THEN $3 ELSE publish_at END,
             unpublish_at = CASE WHEN $4 THEN $5 ELSE unpublish_at END
         WHERE id = $1
           AND (($2 AND publish_at IS DISTINCT FROM $3) OR ($4 AND unpublish_at IS DISTINCT FROM $5))",
    )
    .bind(id)
    .bind(publish_at.is_some())
    .bind(publish_at.flatten())
    .bind(unpublish_at.is_some())
    .bind(unpublish_at.flatten())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// An entry's schedule as stored: `(publish_at, unpublish_at)`.
pub async fn of(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)> {
    sqlx::query_as("SELECT publish_at, unpublish_at FROM entries WHERE id = $1")
        .bind(id)
        .fetch_one(conn)
        .await
}

/// What is due for one page.
#[derive(Debug, sqlx::FromRow)]
pub struct PageDue {
    pub page_id: i64,
    /// Publish (`draft` turns false), else withdraw (`draft` turns true).
    pub publish: bool,
}

/// Pages (not deleted) with a schedule due at `now`, from `page_schedules s`.
const PAGE_DUE: &str = "p.deleted_at IS NULL AND (s.publish_at <= $1 OR s.unpublish_at <= $1)";

/// Whether any page's schedule is due at `now`: a cheap look, without locks, before claiming.
pub async fn any_page_due(conn: &mut PgConnection, now: DateTime<Utc>) -> sqlx::Result<bool> {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM page_schedules s JOIN pages p ON p.id = s.page_id
                        WHERE {PAGE_DUE})"
    ))
    .bind(now)
    .fetch_one(conn)
    .await
}

/// Locks the schedule of the page whose due action is the oldest, skipping rows other
/// transactions hold and the pages in `skip`. Of two actions due on one page, the earlier
/// goes first.
pub async fn claim_page(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    skip: &[i64],
) -> sqlx::Result<Option<PageDue>> {
    sqlx::query_as(&format!(
        "SELECT s.page_id, {publish}
         FROM page_schedules s JOIN pages p ON p.id = s.page_id
         WHERE {PAGE_DUE} AND NOT (s.page_id = ANY ($2))
         ORDER BY LEAST(s.publish_at, s.unpublish_at), s.page_id
         LIMIT 1
         FOR UPDATE OF s SKIP LOCKED",
        publish = publish_first("s"),
    ))
    .bind(now)
    .bind(skip)
    .fetch_optional(conn)
    .await
}

/// Forgets a page's publication (`publish`) or withdrawal schedule: carried out, or done by
/// hand.
pub async fn clear_page(conn: &mut PgConnection, page_id: i64, publish: bool) -> sqlx::Result<()> {
    set_page(
        conn,
        page_id,
        publish.then_some(None),
        (!publish).then_some(None),
    )
    .await
    .map(|_| ())
}

/// Sets a page's schedule; `None` leaves that time as it is, `Some(None)` cancels it. True
/// when it changed. A page with nothing scheduled keeps no row.
pub async fn set_page(
    conn: &mut PgConnection,
    page_id: i64,
    publish_at: Option<Option<DateTime<Utc>>>,
    unpublish_at: Option<Option<DateTime<Utc>>>,
) -> sqlx::Result<bool> {
    if publish_at.is_none() && unpublish_at.is_none() {
        return Ok(false);
    }
    let (old_publish, old_unpublish) = of_page(&mut *conn, page_id).await?;
    let publish = publish_at.unwrap_or(old_publish);
    let unpublish = unpublish_at.unwrap_or(old_unpublish);
    if (publish, unpublish) == (old_publish, old_unpublish) {
        return Ok(false);
    }
    if publish.is_none() && unpublish.is_none() {
        sqlx::query("DELETE FROM page_schedules WHERE page_id = $1")
            .bind(page_id)
            .execute(conn)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO page_schedules (page_id, publish_at, unpublish_at) VALUES ($1, $2, $3)
             ON CONFLICT (page_id) DO UPDATE
                 SET publish_at = EXCLUDED.publish_at, unpublish_at = EXCLUDED.unpublish_at",
        )
        .bind(page_id)
        .bind(publish)
        .bind(unpublish)
        .execute(conn)
        .await?;
    }
    Ok(true)
}

/// A schedule: `(publish_at, unpublish_at)`.
pub type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A page's schedule as stored: `(publish_at, unpublish_at)`, both `None` when nothing is
/// scheduled.
pub async fn of_page(conn: &mut PgConnection, page_id: i64) -> sqlx::Result<Times> {
    let row: Option<Times> =
        sqlx::query_as("SELECT publish_at, unpublish_at FROM page_schedules WHERE page_id = $1")
            .bind(page_id)
            .fetch_optional(conn)
            .await?;
    Ok(row.unwrap_or((None, None)))
}
