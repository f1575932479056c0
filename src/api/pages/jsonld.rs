//! `/pages/{slug}/jsonld`: a page as schema.org `FAQPage` structured data, ready to paste into a
//! `<script type="application/ld+json">` element.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::pages::{GetPageQuery, no_page, page_lang};
use crate::auth::Caller;
use crate::content::present::script_safe_json;
use crate::domain::Slug;
use crate::error::{ApiError, ApiResult};
use crate::http::conditional::Cacheable;
use crate::model::Audience;
use crate::state::AppState;
use crate::store::{entries, pages};

/// The media type of JSON-LD.
pub const LD_JSON: &str = "application/ld+json";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_page_jsonld);
}

/// A schema.org `FAQPage`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FaqPage {
    /// `https://schema.org`.
    #[serde(rename = "@context")]
    #[schema(example = "https://schema.org")]
    pub context: &'static str,
    /// `FAQPage`.
    #[serde(rename = "@type")]
    #[schema(example = "FAQPage")]
    pub kind: &'static str,
    /// The page's title (absent when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The page's description (absent when it has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The page's language (BCP 47).
    #[serde(rename = "inLanguage")]
    #[schema(example = "en")]
    pub in_language: String,
    /// The page on the public site, when `FAQD_PUBLIC_BASE_URL` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// One `Question` per published entry, in page order.
    #[serde(rename = "mainEntity")]
    pub main_entity: Vec<Question>,
}

/// A schema.org `Question` with its accepted answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Question {
    /// `Question`.
    #[serde(rename = "@type")]
    #[schema(example = "Question")]
    pub kind: &'static str,
    /// The question's text.
    pub name: String,
    #[serde(rename = "acceptedAnswer")]
    pub accepted_answer: Answer,
}

/// A schema.org `Answer`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Answer {
    /// `Answer`.
    #[serde(rename = "@type")]
    #[schema(example = "Answer")]
    pub kind: &'static str,
    /// The answer as HTML limited to headings, `p`, `br`, `ol`/`ul`/`li`, `a` (`href` only),
    /// `b`/`strong`, `i`/`em` and `div`; relative links resolved against the public base URL.
    pub text: String,
}

/// Get a page as schema.org FAQPage (JSON-LD)
///
/// The page as a schema.org `FAQPage`: one `Question` with its `acceptedAnswer` per published
/// entry, in page order, `inLanguage`, and `url` when `FAQD_PUBLIC_BASE_URL` is set. Always
/// what anonymous readers see (a token changes only the caching headers). `<`, `>` and `&` are
/// written as `\u003c`, `\u003e`, `\u0026`, so that the body can be pasted into an HTML script
/// element of type `application/ld+json` unchanged.
#[utoipa::path(
    tag = "pages",
    operation_id = "get_page_jsonld",
    security((), ("bearer" = [])),
    params(("slug" = String, Path, description = "The page's slug.", example = "faq"), GetPageQuery),
    responses(
        (status = 200, description = "The page as a schema.org FAQPage.", content((FaqPage = "application/ld+json")), headers(
            ("ETag" = String, description = "Strong validator derived from the page's `version` and language."),
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
#[get("/pages/{slug}/jsonld")]
pub async fn get_page_jsonld(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    slug: web::Path<String>,
    query: web::Query<GetPageQuery>,
) -> ApiResult<HttpResponse> {
    // Structured data is for search engines: what readers see, whoever asks.
    let audience = caller.audience();
    let slug = slug.into_inner();
    if Slug::parse(&slug).is_err() {
        return Err(no_page(&slug, None));
    }
    let mut conn = state.conn().await?;
    let lang = page_lang(
        &mut conn,
        &req,
        Audience::Reader,
        &slug,
        query.lang.as_ref(),
    )
    .await?;
    let page = pages::get(&mut conn, Audience::Reader, &slug, &lang)
        .await?
        .ok_or_else(|| no_page(&slug, Some(&lang)))?;
    let live = entries::of_page(&mut conn, Audience::Reader, &slug, &lang).await?;
    let presenter = &state.presenter;
    let non_empty = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
    let body = FaqPage {
        context: "https://schema.org",
        kind: "FAQPage",
        name: non_empty(&page.title),
        description: non_empty(&page.description),
        in_language: page.lang.clone(),
        url: presenter.page_url(&page.slug, &page.lang),
        main_entity: live
            .into_iter()
            .map(|e| Question {
                kind: "Question",
                name: e.question,
                accepted_answer: Answer {
                    kind: "Answer",
                    text: presenter.json_ld_html(&e.answer_html),
                },
            })
            .collect(),
    };
    let json = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let etag = header::EntityTag::new_strong(format!(
        "ld-{lang}-{}{}",
        page.version,
        presenter.fingerprint()
    ));
    let mut res = Cacheable {
        req: &req,
        state: &state,
        audience,
        etag: Some(etag),
        last_modified: Some(page.updated_at),
    }
    .body(script_safe_json(&json).into_bytes(), LD_JSON)?;
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
