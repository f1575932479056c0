//! Pages as objects editors change: `PATCH`, `DELETE` and restore a page, and reorder its
//! entries in one step. Every route acts on one language of the page: `?lang=`, else the one
//! negotiated from `Accept-Language` among the page's languages.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, patch, post, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::pages::no_page;
use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::domain::{Lang, Slug};
use crate::error::{ApiError, ApiResult, FieldError};
use crate::http::body;
use crate::http::body::present;
use crate::http::body::{JSON, MAX_JSON_BYTES, MERGE_PATCH_JSON};
use crate::http::conditional;
use crate::http::negotiate::negotiate_lang;
use crate::model::{Audience, PageWithEntries};
use crate::state::AppState;
use crate::store::{entries, pages, schedule};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(reorder_page)
        .service(patch_page)
        .service(delete_page)
        .service(restore_page);
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageLangQuery {
    /// The page's language; without it, negotiated from `Accept-Language` among the
    /// page's languages, falling back to `en`, then to the page's first language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// The page row a write acts on, locked.
struct Target {
    id: i64,
    slug: String,
    lang: String,
    version: i64,
}

/// Finds the page `(slug, ?lang or negotiated)` among live pages (or deleted ones), locks it.
async fn lock_page(
    tx: &mut sqlx::PgConnection,
    req: &HttpRequest,
    slug: &str,
    deleted: bool,
) -> ApiResult<Target> {
    if Slug::parse(slug).is_err() {
        return Err(no_page(slug, None));
    }
    let query = web::Query::<PageLangQuery>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))?;
    let lang = match query.lang {
        Some(lang) => lang.as_str().to_owned(),
        None => {
            let available = pages::languages_of(tx, slug, deleted).await?;
            negotiate_lang(req, &available).ok_or_else(|| no_page(slug, None))?
        }
    };
    let row = pages::lock(tx, slug, &lang, deleted).await?;
    let (id, version) = row.ok_or_else(|| no_page(slug, Some(&lang)))?;
    Ok(Target {
        id,
        slug: slug.to_owned(),
        lang,
        version,
    })
}

/// The page as editors see it, with its ETag.
async fn page_response(state: &AppState, slug: &str, lang: &str) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    let page = pages::get(&mut conn, Audience::Editor, slug, lang)
        .await?
        .ok_or_else(|| no_page(slug, Some(lang)))?;
    let mut entries = entries::of_page(&mut conn, Audience::Editor, slug, lang).await?;
    state.present_all(&mut entries);
    crate::api::feedback::add_counts(&mut conn, Audience::Editor, &mut entries).await?;
    crate::api::faqs::related::add_links(&mut conn, Audience::Editor, &mut entries).await?;
    Ok(responses::private(HttpResponse::Ok())
        .insert_header(header::ETag(crate::http::conditional::page_etag(
            lang,
            page.version,
        )))
        .insert_header((header::CONTENT_LANGUAGE, lang.to_owned()))
        .json(PageWithEntries { page, entries }))
}

/// The body of a reorder.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderBody {
    /// Every entry id of the page (drafts included, deleted ones not) exactly once, in the
    /// new order.
    pub ids: Vec<Uuid>,
}

/// Reorder a page
///
/// Puts the page's entries in the order given: every id of the page exactly once (else 422
/// and nothing changes). One change of the page: its `version` grows by one; the entries'
/// versions stay.
#[utoipa::path(
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The page's slug.", example = "faq"),
        PageLangQuery,
        ("If-Match" = String, Header, description = "The page's ETag (or `\"<version>\"`) as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    request_body(content = OrderBody, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The page in its new order.", body = PageWithEntries),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/pages/{slug}/order")]
pub async fn reorder_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let target = lock_page(&mut tx, &req, &slug, false).await?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: OrderBody = body::parse_typed(body::parse_json(&bytes)?)?;
    let precondition = conditional::if_match(&req)?;
    precondition.check(target.version)?;

    let current = entries::ids_on_page(&mut tx, target.id).await?;
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, id) in body.ids.iter().enumerate() {
        if !seen.insert(*id) {
            errors.push(FieldError::new(
                format!("ids[{i}]"),
                format!("{id} is listed twice"),
            ));
        } else if !current.contains(id) {
            errors.push(FieldError::new(
                format!("ids[{i}]"),
                format!("{id} is not an entry of this page"),
            ));
        }
    }
    let missing: Vec<String> = current
        .iter()
        .filter(|id| !seen.contains(id))
        .map(Uuid::to_string)
        .collect();
    if !missing.is_empty() {
        errors.push(FieldError::new(
            "ids",
            format!(
                "every entry of the page must be listed; missing: {}",
                missing.join(", ")
            ),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if body.ids != current {
        entries::set_order(&mut tx, &body.ids).await?;
        entries::bump_pages(&mut tx, &[target.id]).await?;
    }
    crate::store::idempotency::commit(tx).await?;
    page_response(&state, &target.slug, &target.lang).await
}

/// The largest magnitude of a front matter number. PostgreSQL keeps a JSON number as its
/// exact decimal; a float within a few units of `f64::MAX` written out that way may not read
/// back (serde_json's fast float parsing overflows), and the page could not be read again.
const MAX_NUMBER: f64 = 1e308;

/// Whether every number in `value` stays readable once stored.
fn numbers_read_back(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64().is_none_or(|x| x.abs() <= MAX_NUMBER),
        Value::Array(items) => items.iter().all(numbers_read_back),
        Value::Object(map) => map.values().all(numbers_read_back),
        _ => true,
    }
}

/// The fields of a page editors change (JSON Merge Patch).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PagePatch {
    pub title: Option<String>,
    pub description: Option<String>,
    /// `true` hides the page and its entries from readers.
    pub draft: Option<bool>,
    /// Merged into the front matter (RFC 7396: `null` removes a key; the front matter
    /// itself cannot be removed).
    #[schema(value_type = Object)]
    pub front_matter: Option<Value>,
    /// When the page is to go live by itself (`draft` turns false, as by a PATCH); `null`
    /// cancels; omitted leaves it as it is. A time already past is carried out within a second.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub publish_at: Option<Option<DateTime<Utc>>>,
    /// When the page is to leave readers by itself (`draft` turns true, as by a PATCH);
    /// `null` cancels; omitted leaves it as it is.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<chrono::DateTime<chrono::Utc>>)]
    pub unpublish_at: Option<Option<DateTime<Utc>>>,
}

/// The keys of a [`PagePatch`] that are a schedule, not content.
const SCHEDULE_KEYS: [&str; 2] = ["publish_at", "unpublish_at"];

/// Change a page
///
/// Title, description, `draft` and front matter fields, as a JSON Merge Patch. The raw front
/// matter is kept in step (a changed top-level value is rewritten on its own line), so that
/// the page still exports as its file. `publish_at` / `unpublish_at` schedule the page's
/// publication or withdrawal (`null` cancels): a schedule is not content, setting one alone
/// leaves the page's version as it is; carried out, on any instance, it is this same change of
/// `draft`, with the same events.
#[utoipa::path(
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The page's slug.", example = "faq"),
        PageLangQuery,
        ("If-Match" = String, Header, description = "The page's ETag (or `\"<version>\"`) as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    request_body(content = PagePatch, content_type = "application/merge-patch+json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The page as changed.", body = PageWithEntries),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[patch("/pages/{slug}")]
pub async fn patch_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let target = lock_page(&mut tx, &req, &slug, false).await?;
    let bytes = body::read_body(&req, payload, &[MERGE_PATCH_JSON, JSON], MAX_JSON_BYTES).await?;
    let patch_value = body::parse_json(&bytes)?;
    let patch: PagePatch = body::parse_typed(patch_value.clone())?;
    let precondition = conditional::if_match(&req)?;
    precondition.check(target.version)?;
    check_patch(&patch_value)?;
    apply_patch(&mut tx, target.id, &patch_value, patch).await?;
    crate::store::idempotency::commit(tx).await?;
    page_response(&state, &target.slug, &target.lang).await
}

/// The checks of a page PATCH beyond its schema: 422 with every field at fault.
fn check_patch(patch_value: &Value) -> ApiResult<()> {
    let mut errors = body::nul_errors(patch_value);
    let text_len = |key: &str| {
        patch_value
            .get(key)
            .and_then(Value::as_str)
            .map(|t| t.chars().count())
    };
    if text_len("title").is_some_and(|n| n > 500) {
        errors.push(FieldError::new("title", "must be at most 500 characters"));
    }
    if text_len("description").is_some_and(|n| n > 5000) {
        errors.push(FieldError::new(
            "description",
            "must be at most 5000 characters",
        ));
    }
    // `null` would remove the whole front matter (RFC 7396), which a page cannot be without:
    // it is refused like any other non-object (a `null` inside the object removes a key).
    if patch_value
        .get("front_matter")
        .is_some_and(|v| !v.is_object())
    {
        errors.push(FieldError::new(
            "front_matter",
            "must be an object (a null value inside it removes that key)",
        ));
    }
    if patch_value
        .get("front_matter")
        .is_some_and(|v| !numbers_read_back(v))
    {
        errors.push(FieldError::new(
            "front_matter",
            format!("numbers must be between -{MAX_NUMBER:e} and {MAX_NUMBER:e}"),
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(errors))
    }
}

/// The one place where a page's own fields change: the manual `PATCH /pages/{slug}` and the
/// scheduler (`server::schedule`) both write through it, on page `page_id`, locked, with the
/// content write lock held. A patch of only a schedule writes only the schedule; any other
/// patch is a new version of the page. A publication (or withdrawal) done now is no longer to
/// be done later.
pub(crate) async fn apply_patch(
    tx: &mut PgConnection,
    page_id: i64,
    patch_value: &Value,
    patch: PagePatch,
) -> ApiResult<()> {
    let schedule_only = patch_value.as_object().is_some_and(|map| {
        !map.is_empty() && map.keys().all(|k| SCHEDULE_KEYS.contains(&k.as_str()))
    });
    if !schedule_only {
        let was_draft = write_fields(tx, page_id, patch_value, &patch).await?;
        if let Some(draft) = patch.draft.filter(|draft| *draft != was_draft) {
            schedule::clear_page(tx, page_id, !draft).await?;
        }
    }
    schedule::set_page(tx, page_id, patch.publish_at, patch.unpublish_at).await?;
    Ok(())
}

/// Writes the page's fields as patched (a new version), keeping the raw front matter and the
/// entries' spans in step; answers whether the page was a draft before.
async fn write_fields(
    tx: &mut PgConnection,
    page_id: i64,
    patch_value: &Value,
    patch: &PagePatch,
) -> ApiResult<bool> {
    let pages::PatchedFields {
        front_matter,
        front_matter_raw: raw,
        front_matter_format: format,
        title,
        description,
        draft: was_draft,
        front_matter_bytes: old_raw_bytes,
    } = pages::fields(tx, page_id).await?;
    let mut fm = front_matter.0;
    if let Some(changes) = patch_value.get("front_matter") {
        json_patch::merge(&mut fm, changes);
    }
    let title = patch.title.clone().unwrap_or(title);
    let description = patch.description.clone().unwrap_or(description);
    let draft = patch.draft.unwrap_or(was_draft);
    // The page's own fields are front matter keys too.
    if let Some(map) = fm.as_object_mut() {
        if patch_value.get("title").is_some() {
            map.insert("title".to_owned(), Value::String(title.clone()));
        }
        if patch_value.get("description").is_some() {
            map.insert("description".to_owned(), Value::String(description.clone()));
        }
        if patch_value.get("draft").is_some() {
            map.insert("draft".to_owned(), Value::Bool(draft));
        }
    }
    let raw = raw.map(|raw| {
        crate::content::front_matter::rewrite(&raw, format.as_deref().unwrap_or("yaml"), &fm)
    });
    // The source keeps the new front matter, and the entries' spans move with the bytes
    // after it.
    if let (Some(old), Some(new)) = (old_raw_bytes, raw.as_ref()) {
        let delta = i32::try_from(new.len()).unwrap_or(i32::MAX) - old;
        if delta != 0 {
            entries::shift_spans(tx, page_id, delta, old).await?;
        }
    }
    pages::set_fields(
        tx,
        page_id,
        &title,
        &description,
        draft,
        &fm,
        raw.as_deref(),
    )
    .await?;
    Ok(was_draft)
}

/// Delete a page
///
/// The page and its entries leave readers at once; everything stays restorable
/// (`POST /pages/{slug}/restore`).
#[utoipa::path(
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The page's slug.", example = "faq"),
        PageLangQuery,
        ("If-Match" = String, Header, description = "The page's ETag (or `\"<version>\"`) as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted."),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[delete("/pages/{slug}")]
pub async fn delete_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let target = lock_page(&mut tx, &req, &slug, false).await?;
    let precondition = conditional::if_match(&req)?;
    precondition.check(target.version)?;
    pages::set_deleted(&mut tx, target.id, true).await?;
    crate::store::idempotency::commit(tx).await?;
    Ok(responses::private(HttpResponse::NoContent()).finish())
}

/// Restore a deleted page
///
/// The page and its entries (those not deleted on their own) come back to readers.
#[utoipa::path(
    tag = "pages",
    params(
        ("slug" = String, Path, description = "The page's slug.", example = "faq"),
        PageLangQuery,
        ("If-Match" = String, Header, description = "The deleted page's `\"<version>\"`, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The page, back.", body = PageWithEntries),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/pages/{slug}/restore")]
pub async fn restore_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
) -> ApiResult<HttpResponse> {
    caller.require(Role::Editor)?;
    let mut tx = state.pool.begin().await?;
    entries::lock_writes(&mut tx).await?;
    let target = lock_page(&mut tx, &req, &slug, true).await?;
    let precondition = conditional::if_match(&req)?;
    precondition.check(target.version)?;
    pages::set_deleted(&mut tx, target.id, false).await?;
    crate::store::idempotency::commit(tx).await?;
    page_response(&state, &target.slug, &target.lang).await
}
