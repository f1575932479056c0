//! The change log (`changes`, filled by triggers in the changing transaction): its newest id,
//! and the feed readers follow (`GET /changes`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use utoipa::ToSchema;
use uuid::Uuid;

/// The channel the change log's triggers notify (payload: the newest change id).
pub const CHANNEL: &str = "faqd_changes";

/// A connection of its own that listens on [`CHANNEL`].
pub async fn listen(pool: &PgPool) -> sqlx::Result<PgListener> {
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

/// Asks the listening connection itself for an answer (a dead one gives none).
pub async fn probe(listener: &mut PgListener) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(listener).await.map(|_| ())
}

/// The newest change's id (0 when the log is empty): what the change signal, the search
/// index and the search handler compare with what they have seen.
pub async fn newest_id<'e>(executor: impl sqlx::PgExecutor<'e>) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM changes")
        .fetch_one(executor)
        .await
}

/// One change readers can see.
#[derive(Debug, Serialize, ToSchema)]
pub struct Change {
    /// The change's id: unique, and growing within a transaction. The feed's order is the
    /// cursor's (by transaction, then id), not always by id.
    pub id: i64,
    /// `entry.created`, `entry.updated`, `entry.published`, `entry.unpublished`,
    /// `entry.deleted`, `entry.restored`, `entry.moved`, `page.imported`, `page.updated`,
    /// `page.reordered`, `page.published`, `page.unpublished`, `page.deleted`,
    /// `page.restored`.
    #[schema(example = "entry.updated")]
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The entry, for `entry.*` changes.
    pub entry_id: Option<Uuid>,
    /// Its slug when the change happened.
    pub entry_slug: Option<String>,
    /// The page's slug and language when the change happened (for a removal, the page
    /// readers saw the entry on; for `entry.moved`, the page it moved to).
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
    /// For `entry.moved`: the page the entry left.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_page: Option<String>,
    /// For `entry.moved`: the language of the page the entry left.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub from_lang: Option<String>,
    /// The position after this change (the cursor's order).
    #[serde(skip)]
    pub xid: i64,
}

/// What one read of the feed found.
#[derive(Debug, Default)]
pub struct FeedRead {
    /// Up to `limit` changes after the position, oldest first, among those no running
    /// transaction can still precede.
    pub changes: Vec<Change>,
    /// Committed changes after the position wait behind the horizon (transactions that
    /// started before them are still running).
    pub held_back: bool,
}

/// One read of the feed, in one statement (one snapshot, one horizon).
///
/// The horizon (`horizon.h`) is the oldest transaction of this database still running in the
/// statement's snapshot, or the snapshot's `xmax` when none is. Only a transaction of this
/// database can write `changes`, so a transaction that `pg_stat_activity` shows in another
/// database does not hold the feed back; one it does not show (it ended meanwhile) still
/// counts, which only delays.
///
/// The position is `(xid, id)`; without `xid` (a cursor issued before transaction ids were
/// kept) it is the start of `id`'s transaction (or the beginning of the log when `id` is not
/// in it). The first row carries `held_back` even when no change is visible: the feed's rows
/// are left-joined to it.
const FEED: &str = "WITH snap AS (SELECT pg_current_snapshot() AS s),
     others AS (
         SELECT backend_xid::text::bigint AS x FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL
           AND datid IS DISTINCT FROM (SELECT oid FROM pg_database
                                       WHERE datname = current_database())
     ),
     horizon AS (
         SELECT coalesce(
             (SELECT min(r) FROM snap, pg_snapshot_xip(snap.s) AS r
              WHERE (r::text::bigint % 4294967296) NOT IN (SELECT x FROM others)),
             (SELECT pg_snapshot_xmax(s) FROM snap)) AS h
     ),
     position AS (
         SELECT coalesce($1::text::xid8,
                         (SELECT xid FROM changes WHERE id = $2),
                         '0'::xid8) AS x
     ),
     feed AS (
         SELECT c.id, c.kind, c.at, c.entry_id, c.entry_slug, c.page_slug AS page, c.lang,
                c.from_page_slug AS from_page, c.from_lang, c.xid
         FROM changes c, horizon h, position p
         WHERE c.xid < h.h
           AND (c.xid, c.id) > (p.x, $2)
           -- Reader feedback travels the log to webhooks only: it is not content.
           AND c.kind <> 'entry.feedback'
         ORDER BY c.xid, c.id
         LIMIT $3
     ),
     held AS (
         SELECT EXISTS (SELECT 1 FROM changes c, horizon h, position p
                        WHERE c.xid >= h.h
                          AND (c.xid, c.id) > (p.x, $2)
                          AND c.kind <> 'entry.feedback') AS held_back
     )
     SELECT f.id, f.kind, f.at, f.entry_id, f.entry_slug, f.page, f.lang, f.from_page,
            f.from_lang, f.xid::text::bigint AS xid, held.held_back
     FROM held LEFT JOIN feed f ON true
     ORDER BY f.xid, f.id";

/// A row of [`FEED`]: a change, or only `held_back` when none is visible.
#[derive(sqlx::FromRow)]
struct FeedRow {
    id: Option<i64>,
    kind: Option<String>,
    at: Option<DateTime<Utc>>,
    entry_id: Option<Uuid>,
    entry_slug: Option<String>,
    page: Option<String>,
    lang: Option<String>,
    from_page: Option<String>,
    from_lang: Option<String>,
    xid: Option<i64>,
    held_back: bool,
}

impl FeedRow {
    fn change(self) -> Option<Change> {
        Some(Change {
            id: self.id?,
            kind: self.kind?,
            at: self.at?,
            entry_id: self.entry_id,
            entry_slug: self.entry_slug,
            page: self.page?,
            lang: self.lang?,
            from_page: self.from_page,
            from_lang: self.from_lang,
            xid: self.xid?,
        })
    }
}

/// Up to `limit` changes after the position `(xid, id)` (see [`FEED`]), and whether more
/// wait behind the horizon.
pub async fn feed(
    conn: &mut PgConnection,
    xid: Option<i64>,
    id: i64,
    limit: i64,
) -> sqlx::Result<FeedRead> {
    let rows: Vec<FeedRow> = sqlx::query_as(FEED)
        .bind(xid.map(|x| x.to_string()))
        .bind(id)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    let held_back = rows.first().is_some_and(|r| r.held_back);
    Ok(FeedRead {
        changes: rows.into_iter().filter_map(FeedRow::change).collect(),
        held_back,
    })
}
