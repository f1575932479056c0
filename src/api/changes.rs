//! `/changes`: the change feed, for static builds that cannot receive webhooks. Oldest first,
//! from a cursor; removals come as tombstones (`entry.deleted`, `entry.unpublished`,
//! `page.deleted`), so a mirror can drop what readers no longer see.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::Caller;
use crate::domain::{Cursor, Limit};
use crate::error::ApiResult;
use crate::http::conditional::Cacheable;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

/// One change readers can see.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
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
    #[sqlx(rename = "xid")]
    pub xid: i64,
}

/// A page of the change feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeList {
    pub items: Vec<Change>,
    /// Pass as `since` to continue after these; the same cursor when nothing is new.
    pub next_cursor: String,
    /// More changes wait after these.
    pub has_more: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The `next_cursor` of the previous response; without it, the feed starts at the
    /// beginning.
    pub since: Option<String>,
    /// Changes per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
}

/// The change feed
///
/// What readers can see that changed after a cursor, oldest first, with tombstones for
/// removals. Poll it with the last `next_cursor` (a `304` with `If-None-Match` when nothing
/// is new).
#[utoipa::path(
    tag = "changes",
    params(ChangesQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Changes after the cursor.", body = ChangeList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/changes")]
pub async fn list_changes(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ChangesQuery>,
) -> ApiResult<HttpResponse> {
    let after = match query.since.as_deref() {
        Some(cursor) => FeedCursor::decode(cursor)?,
        None => FeedCursor::default(),
    };
    let limit = i64::from(query.limit.unwrap_or_default().get());
    let mut items = read_feed(&state, after, limit).await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let last = items.last().map_or(after, |c| FeedCursor(c.xid, c.id));
    let last_modified = items.last().map(|c| c.at);
    Cacheable {
        req: &req,
        state: &state,
        audience: caller.audience(),
        etag: None,
        last_modified,
    }
    .json(&ChangeList {
        items,
        next_cursor: last.encode(),
        has_more,
    })
}

/// A position in the feed: the transaction id and the id of the last change read. Rows are
/// served in `(xid, id)` order and only once every transaction that could still add a row
/// before them has ended, so a reader that follows the cursor never skips a late commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FeedCursor(i64, i64);

impl FeedCursor {
    fn encode(self) -> String {
        Cursor::encode(&(self.0, self.1))
    }

    /// The cursors this feed issues; a bare id (as issued before transaction ids were kept)
    /// continues from the start of that id's transaction.
    fn decode(cursor: &str) -> Result<Self, crate::error::ApiError> {
        Cursor::decode::<(i64, i64)>(cursor)
            .map(|(xid, id)| Self(xid, id))
            .or_else(|_| Cursor::decode::<i64>(cursor).map(|id| Self(LEGACY, id)))
    }
}

/// The feed's horizon (`horizon.h`): the oldest transaction of this database still running
/// in the statement's snapshot, or the snapshot's `xmax` when none is. Only a transaction of
/// this database can write `changes`, so a transaction that `pg_stat_activity` shows in
/// another database does not hold the feed back; one it does not show (it ended meanwhile)
/// still counts, which only delays.
const HORIZON: &str = "WITH snap AS (SELECT pg_current_snapshot() AS s),
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
     )";

/// The transaction id of a bare-id cursor: looked up from its change.
const LEGACY: i64 = -1;

/// How long a read waits for transactions that started before the newest visible change to
/// end (a write in flight elsewhere holds the feed's horizon back for its duration).
const HORIZON_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Up to `limit + 1` changes after `after`, oldest first, among those no running transaction
/// can still precede.
async fn read_feed(state: &AppState, after: FeedCursor, limit: i64) -> ApiResult<Vec<Change>> {
    let after = if after.0 == LEGACY {
        let mut conn = state.conn().await?;
        let xid: Option<i64> =
            sqlx::query_scalar("SELECT xid::text::bigint FROM changes WHERE id = $1")
                .bind(after.1)
                .fetch_optional(&mut *conn)
                .await?;
        FeedCursor(xid.unwrap_or(0), after.1)
    } else {
        after
    };
    let deadline = tokio::time::Instant::now() + HORIZON_WAIT;
    loop {
        let mut conn = state.conn().await?;
        let rows: Vec<Change> = sqlx::query_as(&format!(
            "{HORIZON}
             SELECT c.id, c.kind, c.at, c.entry_id, c.entry_slug, c.page_slug AS page, c.lang,
                    c.from_page_slug AS from_page, c.from_lang, c.xid::text::bigint AS xid
             FROM changes c, horizon h
             WHERE c.xid < h.h
               AND (c.xid, c.id) > ($1::text::xid8, $2)
               -- Reader feedback travels the log to webhooks only: it is not content.
               AND c.kind <> 'entry.feedback'
             ORDER BY c.xid, c.id
             LIMIT $3"
        ))
        .bind(after.0.to_string())
        .bind(after.1)
        .bind(limit + 1)
        .fetch_all(&mut *conn)
        .await?;
        if rows.len() as i64 > limit || tokio::time::Instant::now() >= deadline {
            return Ok(rows);
        }
        // Committed changes past the horizon: wait for the transactions before them to end.
        let held_back: bool = sqlx::query_scalar(&format!(
            "{HORIZON}
             SELECT EXISTS (SELECT 1 FROM changes c, horizon h
                            WHERE c.xid >= h.h
                              AND (c.xid, c.id) > ($1::text::xid8, $2)
                              AND c.kind <> 'entry.feedback')"
        ))
        .bind(after.0.to_string())
        .bind(after.1)
        .fetch_one(&mut *conn)
        .await?;
        if !held_back {
            return Ok(rows);
        }
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
