//! HTTP plumbing shared by every handler: conditional and cacheable responses,
//! language negotiation, extractor error mapping, and the central 404/405.

use actix_web::body::MessageBody;
use actix_web::dev::{ResourceDef, ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    self, AcceptLanguage, EntityTag, Header, HttpDate, IfModifiedSince, IfNoneMatch, LanguageTag,
    Preference,
};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::ErrorHandlerResponse;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::domain::DEFAULT_LANG;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::model::Audience;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub pool: sqlx::PgPool,
    /// `max-age` of anonymous reads, in seconds.
    pub cache_max_age: u32,
    /// Search insights, unless turned off.
    pub insights: Option<std::sync::Arc<crate::search::insights::Insights>>,
    /// Bound of one search's database work, in milliseconds.
    pub search_timeout_ms: u32,
    /// Semantic search: off, waiting for its model, or live.
    pub semantic: std::sync::Arc<crate::search::semantic::Semantic>,
    /// The full-text index in memory, unless turned off.
    pub lexical: Option<std::sync::Arc<crate::search::lexical::LexicalIndex>>,
    /// The change log's signal: read-cache generations, the webhook worker's wake-up.
    pub changes: std::sync::Arc<crate::changes::ChangeSignal>,
    /// How webhooks are checked and delivered.
    pub webhooks: crate::webhooks::Policy,
    /// `/metrics` needs this bearer token (or an admin token) when set.
    pub metrics_token: Option<String>,
    /// Without a metrics token, whether `/metrics` is open to anyone: only when the server
    /// listens on a loopback address or `FAQD_METRICS_PUBLIC=true` says so; otherwise only
    /// admin tokens read it.
    pub metrics_open: bool,
    /// How answers are presented to readers (the public base URL).
    pub presenter: std::sync::Arc<crate::content::present::Presenter>,
    /// The site's name (`FAQD_SITE_NAME`).
    pub site_name: std::sync::Arc<str>,
}

impl AppState {
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, ApiError> {
        Ok(self.pool.acquire().await?)
    }

    /// Fills what an entry's representation derives from its stored answer: `answer_text`,
    /// and `answer_html` with relative URLs resolved against the public base URL.
    pub fn present(&self, entry: &mut crate::model::Entry) {
        entry.answer_text = crate::content::present::plain_text(&entry.answer_html);
        if self.presenter.base().is_some() {
            entry.answer_html = self.presenter.answer_html(&entry.answer_html);
        }
    }

    /// [`AppState::present`] for every entry.
    pub fn present_all(&self, entries: &mut [crate::model::Entry]) {
        for entry in entries {
            self.present(entry);
        }
    }
}

/// A weak ETag over the exact bytes of a representation (for lists and search).
pub fn weak_etag_of(bytes: &[u8]) -> EntityTag {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_weak(hex)
}

/// The strong ETag of a versioned resource: `"<version>"`.
pub fn version_etag(version: i64) -> EntityTag {
    EntityTag::new_strong(version.to_string())
}

/// The content codings a strong ETag is suffixed with when the body is sent compressed.
const CODING_SUFFIXES: &[&str] = &["-gzip", "-br", "-zstd", "-deflate"];

/// A tag as the representation in identity coding had it: `1.3-gzip` → `1.3`.
pub fn identity_tag(tag: &str) -> &str {
    CODING_SUFFIXES
        .iter()
        .find_map(|suffix| tag.strip_suffix(suffix))
        .unwrap_or(tag)
}

/// Middleware (outside `Compress`): a compressed body is another representation, so its
/// strong ETag gets the coding as a suffix (`"3-gzip"`); the identity body keeps `"3"`.
/// Validators sent back are read without the suffix (`identity_tag`).
pub async fn etag_per_coding(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let coding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .filter(|c| !c.eq_ignore_ascii_case("identity"))
        .map(str::to_ascii_lowercase);
    if let Some(coding) = coding
        && let Some(etag) = res
            .headers()
            .get(header::ETAG)
            .and_then(|v| v.to_str().ok())
        && etag.starts_with('"')
        && etag.ends_with('"')
        && etag.len() >= 2
    {
        let tagged = format!("\"{}-{coding}\"", &etag[1..etag.len() - 1]);
        if let Ok(value) = header::HeaderValue::from_str(&tagged) {
            res.headers_mut().insert(header::ETAG, value);
        }
    }
    Ok(res)
}

/// The strong ETag of an entry: `"<version>.<position>"`, so that a move changes it.
pub fn entry_etag(version: i64, position: i64) -> EntityTag {
    EntityTag::new_strong(crate::api::write::entry_tag(version, position))
}

/// The strong ETag of one language of a page: `"<lang>-<version>"`, so that the French and
/// the English page never share one.
pub fn page_etag(lang: &str, version: i64) -> EntityTag {
    EntityTag::new_strong(format!("{lang}-{version}"))
}

/// A strong ETag that also covers what a representation derives from other resources (an
/// entry's `translations`): `"<tag>~<hash>"`, or `tag` itself when `derived` is empty. `If-Match`
/// ignores the `~…` part (a write is about the resource's own state, which `tag` names).
pub fn with_derived<T: Serialize>(tag: EntityTag, derived: &[T]) -> EntityTag {
    if derived.is_empty() {
        return tag;
    }
    let bytes = serde_json::to_vec(derived).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    EntityTag::new_strong(format!("{}~{hex}", tag.tag()))
}

/// A JSON response that honours `If-None-Match` / `If-Modified-Since` (answering
/// 304 with no body) and carries `ETag`, `Last-Modified` and the `Cache-Control`
/// that fits its audience. `etag: None` uses a weak tag of the body.
pub struct Cacheable<'a> {
    pub req: &'a HttpRequest,
    pub state: &'a AppState,
    pub audience: Audience,
    pub etag: Option<EntityTag>,
    pub last_modified: Option<DateTime<Utc>>,
}

impl Cacheable<'_> {
    pub fn json<T: Serialize>(self, body: &T) -> Result<HttpResponse, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
        self.body(bytes, "application/json")
    }

    /// [`Cacheable::json`] for a body already serialised as `content_type`.
    pub fn body(self, bytes: Vec<u8>, content_type: &str) -> Result<HttpResponse, ApiError> {
        let etag = self.etag.clone().unwrap_or_else(|| weak_etag_of(&bytes));
        let not_modified = self.not_modified(&etag);
        let mut res = if not_modified {
            HttpResponse::NotModified()
        } else {
            HttpResponse::Ok()
        };
        res.insert_header(header::ETag(etag));
        if let Some(at) = self.last_modified {
            res.insert_header(header::LastModified(to_http_date(at)));
        }
        res.insert_header((header::CACHE_CONTROL, self.cache_control()));
        // A token changes what is seen: shared caches must not mix the two.
        res.insert_header((header::VARY, "Authorization"));
        if not_modified {
            return Ok(res.finish());
        }
        Ok(res.content_type(content_type).body(bytes))
    }

    fn cache_control(&self) -> String {
        match self.audience {
            Audience::Reader => format!(
                "public, max-age={age}, stale-while-revalidate={age}",
                age = self.state.cache_max_age
            ),
            Audience::Editor => "private, no-store".to_owned(),
        }
    }

    fn not_modified(&self, etag: &EntityTag) -> bool {
        is_not_modified(
            self.req,
            etag,
            self.last_modified.map(std::time::SystemTime::from),
        )
    }
}

/// RFC 9110 §13.2.2: `If-None-Match` (weak comparison, codings ignored) decides when
/// present; otherwise `If-Modified-Since` against `Last-Modified`. Shared by handlers and the
/// read cache.
pub fn is_not_modified(
    req: &HttpRequest,
    etag: &EntityTag,
    last_modified: Option<std::time::SystemTime>,
) -> bool {
    if req.headers().contains_key(header::IF_NONE_MATCH) {
        return match IfNoneMatch::parse(req) {
            Ok(IfNoneMatch::Any) => true,
            Ok(IfNoneMatch::Items(tags)) => tags
                .iter()
                .any(|t| identity_tag(t.tag()) == identity_tag(etag.tag())),
            Err(_) => false,
        };
    }
    match (IfModifiedSince::parse(req), last_modified) {
        (Ok(IfModifiedSince(since)), Some(at)) => {
            let since: std::time::SystemTime = since.into();
            // HTTP dates have whole seconds.
            at.duration_since(since).map_or(true, |d| d.as_secs() == 0)
        }
        _ => false,
    }
}

fn to_http_date(at: DateTime<Utc>) -> HttpDate {
    HttpDate::from(std::time::SystemTime::from(at))
}

/// Picks the language of a page for a request without `?lang=`: the best of the
/// page's `available` languages by `Accept-Language` (exact tag, then same primary
/// language), else the default language, else the first available.
pub fn negotiate_lang(req: &HttpRequest, available: &[String]) -> Option<String> {
    let ranked = AcceptLanguage::parse(req)
        .map(|a| a.ranked())
        .unwrap_or_default();
    for pref in &ranked {
        match pref {
            Preference::Any => break,
            Preference::Specific(tag) => {
                if let Some(found) = best_match(tag, available) {
                    return Some(found.clone());
                }
            }
        }
    }
    available
        .iter()
        .find(|l| l.as_str() == DEFAULT_LANG)
        .or_else(|| available.first())
        .cloned()
}

fn best_match<'a>(wanted: &LanguageTag, available: &'a [String]) -> Option<&'a String> {
    let exact = available
        .iter()
        .find(|l| l.eq_ignore_ascii_case(wanted.as_str()));
    exact.or_else(|| {
        let primary = wanted.primary_language();
        available.iter().find(|l| {
            l.split('-')
                .next()
                .is_some_and(|p| p.eq_ignore_ascii_case(primary))
        })
    })
}

// ---------------------------------------------------------------------------
// Extractor errors, unknown routes and wrong methods, all as problem+json.

/// Query strings that do not parse are 400s naming the problem.
pub fn query_error(err: actix_web::error::QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::BadRequest(format!("invalid query string: {err}")).into()
}

/// Path segments that do not parse name nothing that exists: 404.
pub fn path_error(err: actix_web::error::PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::NotFound(format!("no such resource: {err}")).into()
}

/// The routes of the service and their methods, to tell a wrong method (405
/// with `Allow`) from an unknown route (404). Built from the OpenAPI document, so
/// that it cannot drift from what is served.
#[derive(Clone, Default)]
pub struct RouteTable(Vec<(ResourceDef, Vec<Method>)>);

impl RouteTable {
    pub fn from_openapi(doc: &utoipa::openapi::OpenApi, extra: &[(&str, Method)]) -> Self {
        let mut routes: Vec<(String, Vec<Method>)> = Vec::new();
        let mut add = |path: &str, method: Method| match routes.iter_mut().find(|(p, _)| p == path)
        {
            Some((_, methods)) => {
                if !methods.contains(&method) {
                    methods.push(method);
                }
            }
            None => routes.push((path.to_owned(), vec![method])),
        };
        for (path, item) in &doc.paths.paths {
            let ops = [
                (&item.get, Method::GET),
                (&item.post, Method::POST),
                (&item.put, Method::PUT),
                (&item.patch, Method::PATCH),
                (&item.delete, Method::DELETE),
            ];
            for (op, method) in ops {
                if op.is_some() {
                    add(path, method);
                }
            }
        }
        for (path, method) in extra {
            add(path, method.clone());
        }
        Self(
            routes
                .into_iter()
                .map(|(path, mut methods)| {
                    if let Some(i) = methods.iter().position(|m| m == Method::GET) {
                        methods.insert(i + 1, Method::HEAD);
                    }
                    (ResourceDef::new(path), methods)
                })
                .collect(),
        )
    }

    /// The methods `path` answers, if it is a route at all.
    pub fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// The default service: 405 with `Allow` for a known route, else 404.
pub async fn fallback(req: HttpRequest, routes: web::Data<RouteTable>) -> HttpResponse {
    match routes.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => {
            ApiError::MethodNotAllowed(methods.to_vec()).error_response()
        }
        _ => ApiError::NotFound(format!(
            "no route {}",
            crate::domain::truncate_for_message(req.path())
        ))
        .error_response(),
    }
}

/// Rewrites `HEAD` as `GET` before routing, so that every `GET` answers `HEAD`;
/// actix-http still sends no body, because it remembers the request was a HEAD.
pub fn head_as_get(req: &mut ServiceRequest) {
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
}

/// Turns any error response that is not already problem+json (from actix itself
/// or a library) into one, keeping its status and headers.
pub fn problem_for_foreign_errors<B: MessageBody + 'static>(
    res: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let is_problem = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    // The MCP endpoint answers JSON-RPC errors in JSON, as its protocol says.
    let is_jsonrpc = res.request().path() == crate::api::mcp::PATH
        && res
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if is_problem || is_jsonrpc {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    let detail = match status {
        StatusCode::NOT_FOUND => "no such resource".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("error").to_lowercase(),
    };
    let problem = crate::error::Problem {
        kind: crate::error::problem_type(status),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors: None,
    };
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let new = new.content_type(PROBLEM_JSON).json(problem);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, new).map_into_right_body(),
    ))
}
