//! `/changes`: the change feed, for static builds that cannot receive webhooks. Oldest first,
//! from a cursor; removals come as tombstones (`entry.deleted`, `entry.unpublished`,
//! `page.deleted`), so a mirror can drop what readers no longer see.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::http::{AppState, Cacheable};
use crate::auth::Caller;
use crate::domain::{Cursor, Limit};
use crate::error::ApiResult;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_changes);
}

/// One change readers can see.
#[derive(Debug, Serialize, ToSchema, sqlx::FromRow)]
pub struct Change {
    /// Grows with every change; the feed's order.
    pub id: i64,
    /// `entry.created`, `entry.updated`, `entry.published`, `entry.unpublished`,
    /// `entry.deleted`, `entry.restored`, `page.imported`, `page.updated`, `page.deleted`,
    /// `page.restored`.
    #[schema(example = "entry.updated")]
    pub kind: String,
    pub at: DateTime<Utc>,
    /// The entry, for `entry.*` changes.
    pub entry_id: Option<Uuid>,
    /// Its slug now (it may have changed since).
    pub entry_slug: Option<String>,
    /// The page's slug and language.
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
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
    let after: i64 = query
        .since
        .as_deref()
        .map(Cursor::decode)
        .transpose()?
        .unwrap_or(0);
    let limit = i64::from(query.limit.unwrap_or_default().get());
    let mut conn = state.conn().await?;
    let mut items: Vec<Change> = sqlx::query_as(
        "SELECT c.id, c.kind, c.at, c.entry_id, e.slug AS entry_slug, p.slug AS page, p.lang
         FROM changes c
         JOIN pages p ON p.id = c.page_id
         LEFT JOIN entries e ON e.id = c.entry_id
         -- Reader feedback travels the log to webhooks only: it is not content.
         WHERE c.id > $1 AND c.kind <> 'entry.feedback'
         ORDER BY c.id
         LIMIT $2",
    )
    .bind(after)
    .bind(limit + 1)
    .fetch_all(&mut *conn)
    .await?;
    let has_more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let last = items.last().map_or(after, |c| c.id);
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
        next_cursor: Cursor::encode(&last),
        has_more,
    })
}
