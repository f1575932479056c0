//! `/faqs`: entries, one question and its answer each — reads for everyone,
//! writes for editors.

pub mod editing;
pub mod input;
pub mod lifecycle;
pub mod related;
pub mod workflow;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::faqs::input::{self as entry_input, EntryBody};
use crate::api::responses;
use crate::auth::{Caller, Role};
use crate::domain::{Cursor, Lang, Limit};
use crate::error::{ApiError, ApiResult};
use crate::http::body;
use crate::http::body::{JSON, MAX_JSON_BYTES, MERGE_PATCH_JSON};
use crate::http::conditional;
use crate::http::conditional::{Cacheable, entry_etag, with_derived};
use crate::model::{Audience, Entry, EntryList, EntryStatus};
use crate::state::AppState;
use crate::store::entries::{self, EntryFilter, EntryKey, EntryRef};
use crate::store::feedback::{self, WorstKey};
use workflow::{Locked, existing, insert_entry, no_entry, update_entry};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_faqs)
        .service(create_faq)
        .service(get_faq)
        .service(replace_faq)
        .service(patch_faq)
        .service(delete_faq);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListFaqsQuery {
    /// Only entries of the page with this slug.
    #[param(example = "faq")]
    pub page: Option<String>,
    /// Only entries of pages in this language (BCP 47).
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
    /// Only entries carrying this tag.
    pub tag: Option<String>,
    /// Only entries under this section heading; empty for entries with no section.
    pub section: Option<String>,
    /// Editors only (401 without a token): entries in this state.
    #[param(value_type = Option<EntryStatus>)]
    pub status: Option<EntryStatus>,
    /// Editors only (401 without a token when true): deleted entries (restorable) instead of live ones.
    pub deleted: Option<bool>,
    /// Editors only (401 without a token): `-not_helpful` lists the entries with the most
    /// "not helpful" votes first (then in the usual order).
    #[param(value_type = Option<String>, pattern = "^-not_helpful$")]
    pub sort: Option<FaqSort>,
    /// Items per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// Orders of the entry listing besides the usual one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum FaqSort {
    /// The most "not helpful" votes first.
    #[serde(rename = "-not_helpful")]
    WorstRated,
}

/// List entries
///
/// Entries ordered by page slug, language, position and id. Anonymous readers see
/// published content; a token (any role) shows editors' current versions and drafts.
#[utoipa::path(
    tag = "faqs",
    params(ListFaqsQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of entries.", body = EntryList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Last-Modified" = String, description = "When the newest matching entry last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers; `private, no-store` with a token."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs")]
pub async fn list_faqs(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListFaqsQuery>,
) -> ApiResult<HttpResponse> {
    let audience = caller.audience();
    let query = query.into_inner();
    if (query.status.is_some() || query.deleted == Some(true) || query.sort.is_some())
        && audience == Audience::Reader
    {
        return Err(ApiError::Unauthorized(
            "the status and deleted filters and the sort are for editors: send a token".to_owned(),
        ));
    }
    let limit = query.limit.unwrap_or_default().get();
    let filter = EntryFilter {
        page: query.page.as_deref(),
        lang: query.lang.as_ref().map(Lang::as_str),
        tag: query.tag.as_deref(),
        section: query.section.as_deref(),
        status: query.status.map(EntryStatus::as_str),
        deleted: query.deleted.unwrap_or(false),
    };

    let mut conn = state.conn().await?;
    let worst_rated = query.sort == Some(FaqSort::WorstRated);
    let mut items = if worst_rated {
        let after: Option<WorstKey> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
        feedback::worst_rated(&mut conn, audience, &filter, after.as_ref(), limit + 1).await?
    } else {
        let after: Option<EntryKey> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
        entries::list(&mut conn, audience, &filter, after.as_ref(), limit + 1).await?
    };
    let (total, last_modified) = entries::count(&mut conn, audience, &filter).await?;
    crate::api::feedback::add_counts(&mut conn, audience, &mut items).await?;
    crate::api::faqs::related::add_links(&mut conn, audience, &mut items).await?;
    let next_cursor = if worst_rated {
        Cursor::next_page(&mut items, limit as usize, |e| {
            let not_helpful = e.feedback.map_or(0, |f| f.not_helpful);
            (
                not_helpful,
                e.page.clone(),
                e.lang.clone(),
                e.sort_key,
                e.id,
            )
        })
    } else {
        Cursor::next_page(&mut items, limit as usize, |e| {
            (e.page.clone(), e.lang.clone(), e.sort_key, e.id)
        })
    };
    state.present_all(&mut items);
    Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: None,
        last_modified,
    }
    .json(&EntryList {
        items,
        next_cursor,
        total,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetFaqQuery {
    /// `related` adds `related`: up to 5 related published entries in the same language, as
    /// `GET /faqs/{ref}/related` lists them (the `ETag` is then a weak one of the body).
    #[param(pattern = "^related$", example = "related")]
    pub include: Option<String>,
}

impl GetFaqQuery {
    fn include_related(&self) -> Result<bool, ApiError> {
        match self.include.as_deref() {
            None => Ok(false),
            Some(list) => {
                for part in list.split(',') {
                    if part.trim() != "related" {
                        return Err(ApiError::BadRequest(format!(
                            "include: '{}' is not something an entry can include (related)",
                            crate::domain::truncate_for_message(part)
                        )));
                    }
                }
                Ok(true)
            }
        }
    }
}

/// Get an entry
///
/// One entry by id or slug. An old slug (changed by an editor) redirects with `301`.
#[utoipa::path(
    tag = "faqs",
    params(("ref" = String, Path, description = "The entry's id or slug.", example = "what-is-a-technical-coach"), GetFaqQuery),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The entry.", body = Entry, headers(
            ("ETag" = String, description = "Strong validator: `\"<version>.<position>\"`, followed by `~<hash>` when the entry has translations (`If-Match` ignores that part); weak with `include=related`."),
            ("Last-Modified" = String, description = "When the entry last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers; `private, no-store` with a token."),
        )),
        (status = 301, description = "An old slug: `Location` names the entry's current URL.", headers(
            ("Location" = String, description = "The entry's current URL."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/{ref}")]
pub async fn get_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    query: web::Query<GetFaqQuery>,
) -> ApiResult<HttpResponse> {
    let audience = caller.audience();
    let include_related = query.include_related()?;
    let parsed = EntryRef::parse(&entry_ref).ok_or_else(|| no_entry(&entry_ref))?;
    let mut conn = state.conn().await?;
    let Some(mut entry) = entries::get(&mut conn, audience, &parsed).await? else {
        if let EntryRef::Slug(slug) = &parsed
            && let Some((id, current)) = entries::slug_alias(&mut conn, slug).await?
            && entries::get(&mut conn, audience, &EntryRef::Id(id))
                .await?
                .is_some()
        {
            // Short-lived: an editor may take the old slug back. A redirect answered to a
            // token is the editor's alone: never stored by a shared cache.
            let cache_control = match audience {
                Audience::Reader => "public, max-age=60",
                Audience::Editor => responses::PRIVATE,
            };
            return Ok(HttpResponse::MovedPermanently()
                .insert_header((header::LOCATION, entry_location(&current)))
                .insert_header((header::CACHE_CONTROL, cache_control))
                .insert_header((header::VARY, "Authorization"))
                .finish());
        }
        return Err(no_entry(&entry_ref));
    };
    state.present(&mut entry);
    crate::api::feedback::add_counts(&mut conn, audience, std::slice::from_mut(&mut entry)).await?;
    crate::api::faqs::related::add_links(&mut conn, audience, std::slice::from_mut(&mut entry))
        .await?;
    let etag = if include_related {
        entry.related =
            Some(crate::api::faqs::related::related_of(&state, &mut conn, &entry).await?);
        // The related list follows other entries: validated by the bytes.
        None
    } else {
        Some(with_derived(
            entry_etag(entry.version, entry.position),
            &entry.translations,
        ))
    };
    Cacheable {
        req: &req,
        state: &state,
        audience,
        etag,
        last_modified: Some(entry.updated_at),
    }
    .json(&entry)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WriteQuery {
    /// Stage the change: readers keep the published version until `POST /faqs/{ref}/publish`.
    pub stage: Option<bool>,
}

impl WriteQuery {
    /// Parsed inside the handler, after the checks that the contract puts first.
    pub(crate) fn parse(req: &HttpRequest) -> Result<Self, ApiError> {
        web::Query::<Self>::from_query(req.query_string())
            .map(web::Query::into_inner)
            .map_err(|e| ApiError::BadRequest(format!("invalid query string: {e}")))
    }
}

/// Create an entry
///
/// Body: `page`, `question` and `answer` are required. The slug is derived from the
/// question unless given (a derived slug that would parse as an entry id gets `-q`; a given
/// one is refused with 422); `position` places the entry (the others move along).
/// A new entry is published unless `status` is `draft` (or `?stage=true`).
#[utoipa::path(
    tag = "faqs",
    params(WriteQuery),
    request_body(content = entry_input::EntryCreateDoc, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created.", body = Entry, headers(
            ("Location" = String, description = "The new entry's URL."),
            ("ETag" = String, description = "`\"1\"`."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 409, response = crate::api::Conflict),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[post("/faqs")]
pub async fn create_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: EntryBody = body::parse_typed(body::parse_json(&bytes)?)?;
    let stage = WriteQuery::parse(&req)?.stage.unwrap_or(false);
    let entry = insert_entry(&state, principal, body, stage).await?;
    Ok(responses::private(HttpResponse::Created())
        .insert_header((header::LOCATION, entry_location(&entry.id.to_string())))
        .insert_header(header::ETag(entry_etag(entry.version, entry.position)))
        .json(entry))
}

/// Replace an entry
///
/// Replaces the writable fields: `question` and `answer` are required; omitted
/// optional fields take their defaults (no section, no tags), while the slug, page,
/// position and publication state stay unless given. A write to a published entry
/// goes live at once unless `?stage=true`.
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
        WriteQuery,
    ),
    request_body(content = entry_input::EntryReplaceDoc, content_type = "application/json"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry as written.", body = Entry, headers(
            ("ETag" = String, description = "The new version's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 409, response = crate::api::Conflict),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[put("/faqs/{ref}")]
pub async fn replace_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let bytes = body::read_body(&req, payload, &[JSON], MAX_JSON_BYTES).await?;
    let body: EntryBody = body::parse_typed(body::parse_json(&bytes)?)?;
    let stage = WriteQuery::parse(&req)?.stage.unwrap_or(false);
    let precondition = conditional::if_match(&req)?;
    update_entry(
        &state,
        principal,
        id,
        &precondition,
        stage,
        "updated",
        |_, _| Ok(body),
    )
    .await
}

/// Patch an entry
///
/// A JSON Merge Patch (RFC 7396) over the writable fields, sent as
/// `application/merge-patch+json` or `application/json`. `{"status": "draft"}`
/// unpublishes; `{"status": "published"}` publishes the patched version.
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
        WriteQuery,
    ),
    request_body(content(
        (entry_input::EntryPatchDoc = "application/merge-patch+json"),
        (entry_input::EntryPatchDoc = "application/json"),
    )),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The entry as written.", body = Entry, headers(
            ("ETag" = String, description = "The new version's ETag."),
        )),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 403, response = crate::api::Forbidden),
        (status = 404, response = crate::api::NotFound),
        (status = 409, response = crate::api::Conflict),
        (status = 412, response = crate::api::PreconditionFailed),
        (status = 413, response = crate::api::PayloadTooLarge),
        (status = 415, response = crate::api::UnsupportedMediaType),
        (status = 422, response = crate::api::Unprocessable),
        (status = 428, response = crate::api::PreconditionRequired),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[patch("/faqs/{ref}")]
pub async fn patch_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let bytes = body::read_body(&req, payload, &[MERGE_PATCH_JSON, JSON], MAX_JSON_BYTES).await?;
    let patch = body::parse_json(&bytes)?;
    // Type-check the patch itself now (400 comes before 428 and 412): its nulls
    // remove fields, its other values must fit the schema.
    let serde_json::Value::Object(fields) = &patch else {
        return Err(ApiError::BadRequest(
            "a merge patch here must be a JSON object".to_owned(),
        ));
    };
    let present: serde_json::Map<_, _> = fields
        .iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    body::parse_typed::<EntryBody>(serde_json::Value::Object(present))?;
    let stage = WriteQuery::parse(&req)?.stage.unwrap_or(false);
    let precondition = conditional::if_match(&req)?;
    update_entry(
        &state,
        principal,
        id,
        &precondition,
        stage,
        "updated",
        |current, page| {
            let mut doc = serde_json::json!({
                "page": page.slug,
                "lang": page.lang,
                "slug": current.slug,
                "section": current.section,
                "question": current.question,
                "answer": current.answer,
                "tags": current.tags,
            });
            json_patch::merge(&mut doc, &patch);
            let mut body: EntryBody = body::parse_typed(doc)?;
            // A merge patch's `null` removes a key; for a schedule it cancels it.
            for (field, slot) in [
                ("publish_at", &mut body.publish_at),
                ("unpublish_at", &mut body.unpublish_at),
            ] {
                if fields.get(field).is_some_and(serde_json::Value::is_null) {
                    *slot = Some(None);
                }
            }
            Ok(body)
        },
    )
    .await
}

/// Delete an entry
///
/// The entry leaves readers at once; it keeps its slug and stays restorable.
#[utoipa::path(
    tag = "faqs",
    params(
        ("ref" = String, Path, description = "The entry's id or slug."),
        ("If-Match" = String, Header, description = "The entry's ETag as last read, or `*`.", pattern = "^(\\*|(W/)?\"[!#-~]*\"( *, *(W/)?\"[!#-~]*\")*)$"),
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
#[delete("/faqs/{ref}")]
pub async fn delete_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    entry_ref: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let principal = caller.require(Role::Editor)?;
    let id = existing(&state, &entry_ref).await?;
    let precondition = conditional::if_match(&req)?;
    let Locked { mut tx, current } = workflow::lock(&state, id, &precondition).await?;
    entries::soft_delete(&mut tx, id, "deleted", &principal.name).await?;
    if current.status != EntryStatus::Draft {
        entries::bump_pages(&mut tx, &[current.page_id]).await?;
    }
    workflow::finish(tx, true).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub(crate) fn entry_location(entry_ref: &str) -> String {
    format!("{}/faqs/{entry_ref}", crate::http::API_PREFIX)
}
