//! An entry's lifecycle beyond writes: publishing a staged change, bringing a deleted entry
//! back, and its history (every version, a diff of each against the one before, restoring an
//! old version as a new one).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::faqs::WriteQuery;
use crate::api::faqs::input::EntryBody;
use crate::api::faqs::workflow::{self, existing, no_entry, update_entry};
use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::domain::{Cursor, Limit};
use crate::error::{ApiError, ApiResult};
use crate::http::conditional;
use crate::model::{Entry, EntryStatus};
use crate::state::AppState;
use crate::store::entries::{self, EntryRef};
use crate::store::revisions::{self, RevisionSummary};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(publish_faq)
        .service(restore_faq)
        .service(list_revisions)
        .service(get_revision)
        .service(restore_revision);
}

/// Publish an entry
///
/// Makes the current version live: a staged change (`changed`) or a draft becomes what readers
/// see. On an entry that readers already see as it is, nothing changes (200).
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry, published.", body = Entry, headers(
            ("ETag" = String, description = "The entry's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/faqs/{ref}/publish")]
pub async fn publish_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let precondition = conditional::if_match(&req)?;
    update_entry(
        &state,
        principal,
        id,
        &precondition,
        false,
        "published",
        |current, _| Ok(same_content(current, Some("published"))),
    )
    .await
}

/// The body of a write that keeps an entry's content (and place), with `status`.
pub(crate) fn same_content(current: &entries::LockedEntry, status: Option<&str>) -> EntryBody {
    EntryBody {
        page: None,
        lang: None,
        question: Some(current.question.clone()),
        answer: Some(current.answer.clone()),
        slug: None,
        section: current.section.clone(),
        position: None,
        tags: Some(current.tags.clone()),
        status: status.map(str::to_owned),
        publish_at: None,
        unpublish_at: None,
    }
}

/// Restore a deleted entry
///
/// A deleted entry comes back under its id and slug, at its old place, with the publication
/// state it had. On an entry that is not deleted, nothing changes (200).
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The deleted entry's ETag as last read (`GET /faqs?deleted=true`), or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry, back.", body = Entry, headers(
            ("ETag" = String, description = "The entry's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/faqs/{ref}/restore")]
pub async fn restore_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = any_entry(&state, &entry_ref).await?;
    let precondition = conditional::if_match(&req)?;
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let (version, deleted, status, page_id) = entries::lock_any(&mut tx, id)
        .await?
        .ok_or_else(|| no_entry(&entry_ref))?;
    // A deleted entry has no place to name: its version (`"<version>"`, or a tag of it) will do.
    precondition.check(version)?;
    if deleted {
        entries::undelete(&mut tx, id).await?;
        entries::write_revision(&mut tx, id, "restored", &principal.name).await?;
        if status != EntryStatus::Draft.as_str() {
            entries::bump_pages(&mut tx, &[page_id]).await?;
        }
    }
    workflow::finish(tx, true).await?;
    workflow::respond(&state, id).await
}

/// The entry a path names, deleted or not (404 otherwise).
async fn any_entry(state: &AppState, entry_ref: &str) -> ApiResult<Uuid> {
    let parsed = EntryRef::parse(entry_ref).ok_or_else(|| no_entry(entry_ref))?;
    let mut conn = state.conn().await?;
    entries::resolve_including_deleted(&mut conn, &parsed)
        .await?
        .ok_or_else(|| no_entry(entry_ref))
}

/// A page of an entry's history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub items: Vec<RevisionSummary>,
    pub next_cursor: Option<String>,
    /// Versions in all.
    pub total: i64,
}

/// One version of an entry, whole, with what changed in its answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revision {
    pub version: i64,
    pub kind: String,
    pub actor: String,
    pub created_at: DateTime<Utc>,
    pub status: EntryStatus,
    pub slug: String,
    pub section: Option<String>,
    pub question: String,
    pub answer: String,
    pub answer_html: String,
    pub tags: Vec<String>,
    /// A unified line diff of the answer against the version before (empty for version 1 or
    /// when the answer did not change).
    #[schema(example = "@@ -1 +1 @@\n-Yes.\n+Yes, always.\n")]
    pub answer_diff: String,
    /// Whether the question changed from the version before.
    pub question_changed: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RevisionsQuery {
    /// Versions per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// An entry's history
///
/// Every version of the entry, newest first: who, when, what kind of change. Editors and
/// preview tokens; deleted entries' history included.
#[utoipa::path(
    tag = "faqs",
    params(("ref" = String, Path, description = "The entry's id or slug."), RevisionsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "A page of versions.", body = RevisionList),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/{ref}/revisions")]
pub async fn list_revisions(
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    query: web::Query<RevisionsQuery>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Preview)?;
    let id = any_entry(&state, &entry_ref).await?;
    let limit = i64::from(query.limit.unwrap_or_default().get());
    let before: Option<i64> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let mut conn = state.conn().await?;
    let mut items = revisions::list(&mut conn, id, before, limit + 1).await?;
    let total = revisions::count(&mut conn, id).await?;
    let next_cursor = Cursor::next_page(&mut items, limit as usize, |r| r.version);
    Ok(responses::private(HttpResponse::Ok()).json(RevisionList {
        items,
        next_cursor,
        total,
    }))
}

fn no_revision(entry_ref: &str, version: i64) -> ApiError {
    ApiError::NotFound(format!(
        "entry '{}' has no version {version}",
        crate::domain::truncate_for_message(entry_ref)
    ))
}

/// One version of an entry
///
/// The full snapshot of a version, and a line diff of its answer against the version before.
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("version" = i64, Path, description = "The version, from 1."),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The version.", body = Revision),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/{ref}/revisions/{version}")]
pub async fn get_revision(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Preview)?;
    let (entry_ref, version) = path.into_inner();
    let id = any_entry(&state, &entry_ref).await?;
    let mut conn = state.conn().await?;
    let row = revisions::get(&mut conn, id, version)
        .await?
        .ok_or_else(|| no_revision(&entry_ref, version))?;
    let before = match version.checked_sub(1).filter(|v| *v >= 1) {
        Some(v) => revisions::get(&mut conn, id, v).await?,
        None => None,
    };
    let answer_diff = match &before {
        Some(before) if before.answer != row.answer => {
            similar::TextDiff::from_lines(&before.answer, &row.answer)
                .unified_diff()
                .context_radius(2)
                .header(
                    &format!("version {}", before.version),
                    &format!("version {version}"),
                )
                .to_string()
        }
        _ => String::new(),
    };
    let question_changed = before.as_ref().is_some_and(|b| b.question != row.question);
    Ok(responses::private(HttpResponse::Ok()).json(Revision {
        version: row.version,
        kind: row.kind,
        actor: row.actor,
        created_at: row.created_at,
        status: row.status,
        slug: row.slug,
        section: row.section,
        question: row.question,
        answer: row.answer,
        answer_html: row.answer_html,
        tags: row.tags,
        answer_diff,
        question_changed,
    }))
}

/// Restore an old version
///
/// Copies the question, answer, section and tags of `version` into a new version of the
/// entry. History is never rewritten. The publication state is kept: a published entry shows
/// the restored text at once (or stages it with `?stage=true`), a draft stays a draft.
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("version" = i64, Path, description = "The version to restore."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
        WriteQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry with the restored content.", body = Entry, headers(
            ("ETag" = String, description = "The entry's new ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/faqs/{ref}/revisions/{version}/restore")]
pub async fn restore_revision(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, i64)>,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let (entry_ref, version) = path.into_inner();
    let id = existing(&state, &entry_ref).await?;
    let old = {
        let mut conn = state.conn().await?;
        revisions::get(&mut conn, id, version)
            .await?
            .ok_or_else(|| no_revision(&entry_ref, version))?
    };
    let stage = WriteQuery::parse(&req)?.stage.unwrap_or(false);
    let precondition = conditional::if_match(&req)?;
    update_entry(
        &state,
        principal,
        id,
        &precondition,
        stage,
        "restored",
        |_, _| {
            Ok(EntryBody {
                page: None,
                lang: None,
                question: Some(old.question.clone()),
                answer: Some(old.answer.clone()),
                slug: None,
                section: old.section.clone(),
                position: None,
                tags: Some(old.tags.clone()),
                status: None,
                publish_at: None,
                unpublish_at: None,
            })
        },
    )
    .await
}
