//! `/pages`: FAQ pages, with their entries in order.

pub mod admin;
pub mod files;
pub mod jsonld;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::domain::{Cursor, Lang, Limit, Slug};
use crate::error::{ApiError, ApiResult};
use crate::http::conditional::{Cacheable, editor_page_etag, page_etag, with_derived};
use crate::http::negotiate::negotiate_lang;
use crate::model::{Audience, PageList, PageWithEntries};
use crate::state::AppState;
use crate::store::{entries, pages};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_pages).service(get_page);
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListPagesQuery {
    /// Only pages in this language (BCP 47).
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
    /// Items per response, 1 to 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<Limit>,
    /// The `next_cursor` of the previous response.
    #[param(min_length = 1)]
    pub cursor: Option<String>,
}

/// List pages
///
/// Every page in every language, ordered by slug then language.
#[utoipa::path(
    tag = "pages",
    security((), ("bearer" = [])),
    params(ListPagesQuery),
    responses(
        (status = 200, description = "A page of pages.", body = PageList, headers(
            ("ETag" = String, description = "Weak validator of this representation."),
            ("Last-Modified" = String, description = "When the newest listed page last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/pages")]
pub async fn list_pages(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListPagesQuery>,
) -> ApiResult<HttpResponse> {
    let audience = caller.audience();
    let query = query.into_inner();
    let after: Option<pages::PageKey> = query.cursor.as_deref().map(Cursor::decode).transpose()?;
    let limit = query.limit.unwrap_or_default().get();
    let lang = query.lang.as_ref().map(Lang::as_str);

    let mut conn = state.conn().await?;
    let mut items = pages::list(&mut conn, audience, lang, after.as_ref(), limit + 1).await?;
    let (total, last_modified) = pages::count(&mut conn, audience, lang).await?;
    let next_cursor = Cursor::next_page(&mut items, limit as usize, |p| {
        (p.slug.clone(), p.lang.clone())
    });
    let body = PageList {
        items,
        next_cursor,
        total,
    };
    Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: None,
        last_modified,
    }
    .json(&body)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GetPageQuery {
    /// The page's language; without it, negotiated from `Accept-Language` among the
    /// page's languages, falling back to `en`, then to the page's first language.
    #[param(value_type = Option<String>, example = "en", pattern = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?$")]
    pub lang: Option<Lang>,
}

/// Get a page with its entries
///
/// The page and what readers see of its entries, in order: everything a frontend
/// needs to render it, in one call.
#[utoipa::path(
    tag = "pages",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The page's slug.", example = "faq"), GetPageQuery),
    responses(
        (status = 200, description = "The page and its entries.", body = PageWithEntries, headers(
            ("ETag" = String, description = "Strong validator derived from the page's `version`."),
            ("Last-Modified" = String, description = "When the page or anything readers see of it last changed."),
            ("Cache-Control" = String, description = "Public and short-lived for anonymous readers."),
            ("Content-Language" = String, description = "The page's language."),
            ("Vary" = String, description = "`Accept-Language`: the language is negotiated."),
        )),
        (status = 304, response = crate::api::NotModified),
        (status = 400, response = crate::api::BadRequest),
        (status = 401, response = crate::api::Unauthorized),
        (status = 404, response = crate::api::NotFound),
        (status = 503, response = crate::api::Unavailable),
    ),
)]
#[get("/pages/{slug}")]
pub async fn get_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<GetPageQuery>,
) -> ApiResult<HttpResponse> {
    let audience = caller.audience();
    let slug = slug.into_inner();
    // A malformed slug names no page: answer without asking the database.
    if Slug::parse(&slug).is_err() {
        return Err(no_page(&slug, None));
    }
    let mut conn = state.conn().await?;
    let lang = page_lang(&mut conn, &req, audience, &slug, query.lang.as_ref()).await?;
    let page = pages::get(&mut conn, audience, &slug, &lang)
        .await?
        .ok_or_else(|| no_page(&slug, Some(&lang)))?;
    let mut entries = entries::of_page(&mut conn, audience, &slug, &lang).await?;
    state.present_all(&mut entries);
    crate::api::feedback::add_counts(&mut conn, audience, &mut entries).await?;
    crate::api::faqs::related::add_links(&mut conn, audience, &mut entries).await?;
    // Readers' view changes exactly when the page's version does; editors' view
    // also shows drafts, so it is validated by its bytes as well, with the version first so
    // that the page's writes accept it in `If-Match` (`W/"en-3.9f2c…"`).
    let translations: Vec<(&str, &[crate::model::Translation])> = entries
        .iter()
        .map(|e| (e.slug.as_str(), e.translations.as_slice()))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let reader_etag = (audience == Audience::Reader)
        .then(|| with_derived(page_etag(&lang, page.version), &translations));
    let version = page.version;
    let last_modified = Some(page.updated_at);
    let bytes =
        serde_json::to_vec(&PageWithEntries { page, entries }).map_err(ApiError::internal)?;
    let etag = reader_etag.unwrap_or_else(|| editor_page_etag(&lang, version, &bytes));
    let mut res = Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: Some(etag),
        last_modified,
    }
    .body(bytes, "application/json")?;
    let headers = res.headers_mut();
    if let Ok(value) = header::HeaderValue::from_str(&lang) {
        headers.insert(header::CONTENT_LANGUAGE, value);
    }
    headers.insert(
        header::VARY,
        header::HeaderValue::from_static("Accept-Language, Authorization"),
    );
    Ok(res)
}

/// The language a page route acts on: `?lang=`, else the one negotiated from
/// `Accept-Language` among the page's languages this audience sees (404 when none).
pub(crate) async fn page_lang(
    conn: &mut sqlx::PgConnection,
    req: &HttpRequest,
    audience: Audience,
    slug: &str,
    asked: Option<&Lang>,
) -> ApiResult<String> {
    match asked {
        Some(lang) => Ok(lang.as_str().to_owned()),
        None => {
            let available = pages::languages(conn, audience, slug).await?;
            negotiate_lang(req, &available).ok_or_else(|| no_page(slug, None))
        }
    }
}

pub(crate) fn no_page(slug: &str, lang: Option<&str>) -> ApiError {
    let slug = crate::domain::truncate_for_message(slug);
    ApiError::NotFound(match lang {
        Some(lang) => format!("no page '{slug}' in language '{lang}'"),
        None => format!("no page '{slug}'"),
    })
}
