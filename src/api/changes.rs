//! `/changes`: the change feed, for static builds that cannot receive webhooks. Oldest first,
//! from a cursor; removals come as tombstones (`entry.deleted`, `entry.unpublished`,
//! `page.deleted`), so a mirror can drop what readers no longer see.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::domain::{Cursor, Limit};
use crate::error::ApiResult;
use crate::http::conditional::Cacheable;
use crate::state::AppState;
use crate::store::changes::{self, Change};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
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

/// The transaction id of a bare-id cursor: looked up from its change.
const LEGACY: i64 = -1;

/// How long a read waits for transactions that started before the newest visible change to
/// end (a write in flight elsewhere holds the feed's horizon back for its duration).
const HORIZON_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// Up to `limit + 1` changes after `after`, oldest first, among those no running transaction
/// can still precede (`store::changes::feed`).
async fn read_feed(state: &AppState, after: FeedCursor, limit: i64) -> ApiResult<Vec<Change>> {
    let xid = (after.0 != LEGACY).then_some(after.0);
    let deadline = tokio::time::Instant::now() + HORIZON_WAIT;
    loop {
        let mut conn = state.conn().await?;
        let read = changes::feed(&mut conn, xid, after.1, limit + 1).await?;
        if read.changes.len() as i64 > limit
            || tokio::time::Instant::now() >= deadline
            || !read.held_back
        {
            return Ok(read.changes);
        }
        // Committed changes past the horizon: wait for the transactions before them to end.
        drop(conn);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
