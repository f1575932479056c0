//! `/faqs`: entries, one question and its answer each.

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::http::{AppState, Cacheable, version_etag};
use crate::domain::{Cursor, Lang, Limit};
use crate::error::{ApiError, ApiResult};
use crate::model::{Audience, Entry, EntryList};
use crate::store::entries::{self, EntryFilter, EntryKey, EntryRef};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_faqs).service(get_faq);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListFaqsQuery {
    /// Only entries of the page with this slug.
    #[param(example = "faq")]
    pub page: Option<String>,
    /// Only entries of pages in this language (BCP 47).
    #[param(value_type = Option<String>, example = "en")]
    pub lang: Option<Lang>,
    /// Only entries carrying this tag.
    pub tag: Option<String>,
    /// Only entries under this section heading; empty for entries with no section.
    pub section: Option<String>,
    /// Items per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    pub cursor: Option<String>,
}

/// List entries
///
/// Entries ordered by page slug, language, position and id.
#[utoipa::path(
    tag = "faqs",
    params(ListFaqsQuery),
    responses(
        (status = 200, description = "A page of entries.", body = EntryList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Last-Modified" = String, description = "When the newest matching entry last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs")]
pub async fn list_faqs(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<ListFaqsQuery>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::Reader;
    let query = query.into_inner();
    let after: Option<EntryKey> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let limit = query.limit.unwrap_or_default().get();
    let filter = EntryFilter {
        page: query.page.as_deref(),
        lang: query.lang.as_ref().map(Lang::as_str),
        tag: query.tag.as_deref(),
        section: query.section.as_deref(),
    };

    let mut conn = state.conn().await?;
    let mut items = entries::list(&mut conn, audience, &filter, after.as_ref(), limit + 1).await?;
    let (total, last_modified) = entries::count(&mut conn, audience, &filter).await?;
    let next_cursor = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items
            .last()
            .map(|e| Cursor::encode(&(&e.page, &e.lang, e.sort_key, e.id)))
    } else {
        None
    };
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

/// Get an entry
///
/// One entry by id or slug.
#[utoipa::path(
    tag = "faqs",
    params(("ref" = String, Path, description = "The entry's id or slug.", example = "what-is-a-technical-coach")),
    responses(
        (status = 200, description = "The entry.", body = Entry, headers(
            ("ETag" = String, description = "Strong validator: `\"<version>\"`."),
            ("Last-Modified" = String, description = "When the entry last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/faqs/{ref}")]
pub async fn get_faq(
    req: HttpRequest,
    state: web::Data<AppState>,
    entry_ref: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let audience = Audience::Reader;
    let no_entry = || {
        ApiError::NotFound(format!(
            "no entry '{}'",
            crate::domain::truncate_for_message(&entry_ref)
        ))
    };
    let parsed = EntryRef::parse(&entry_ref).ok_or_else(no_entry)?;
    let mut conn = state.conn().await?;
    let entry = entries::get(&mut conn, audience, &parsed)
        .await?
        .ok_or_else(no_entry)?;
    Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: Some(version_etag(entry.version)),
        last_modified: Some(entry.updated_at),
    }
    .json(&entry)
}
