//! Anonymous reads from memory: the finished responses (body in the coding sent, `ETag`,
//! `Last-Modified`, `Cache-Control`) of pages, entries, lists, tags, exports and the change
//! feed, kept in a size-bounded cache and answered without touching PostgreSQL.
//!
//! Coherence comes from the change log (`crate::events::signal`): each cached response remembers the
//! generation it was built under and is served only while that generation is current and the
//! listener is connected. Every change any instance commits is announced by NOTIFY and bumps
//! the generation within milliseconds; this instance's own writes bump it as they answer, so a
//! writer's next read sees its write; a lost connection bumps it and turns the cache off until
//! the listener is back. A read that raced a change (the generation moved while it was built)
//! is answered but not kept. Requests with a token never touch the cache.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use crate::events::signal::ChangeSignal;

/// The largest body kept (bigger ones are served, not cached).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// Request headers a cached answer depends on, besides the method and URI.
const KEYED_HEADERS: [header::HeaderName; 3] = [
    header::ACCEPT,
    header::ACCEPT_ENCODING,
    header::ACCEPT_LANGUAGE,
];
/// Routes whose anonymous `GET`s are cached (search is not: every query is counted and
/// ranked afresh; nor is the change feed, whose answer also moves when a transaction that
/// wrote nothing ends and lets the feed's horizon pass).
const RESOURCES: [&str; 3] = ["/pages", "/faqs", "/tags"];
/// The same, outside the API's prefix.
const UNPREFIXED: [&str; 2] = ["/llms.txt", "/llms-full.txt"];

/// The route pattern of a response answered from memory, for the metrics: matching the path
/// against every route again (regular expressions) would cost more than the whole answer.
#[derive(Clone, Debug)]
pub struct RouteLabel(pub Arc<str>);

/// One finished response.
struct Stored {
    generation: u64,
    route: Option<Arc<str>>,
    status: StatusCode,
    headers: HeaderMap,
    body: web::Bytes,
}

#[derive(Clone)]
struct ByBytes;

impl Weighter<String, Arc<Stored>> for ByBytes {
    fn weight(&self, key: &String, value: &Arc<Stored>) -> u64 {
        let headers: usize = value
            .headers
            .iter()
            .map(|(n, v)| n.as_str().len() + v.len() + 16)
            .sum();
        (key.len() + headers + value.body.len() + 64) as u64
    }
}

/// The cache of one instance.
pub struct ReadCache {
    entries: Cache<String, Arc<Stored>, ByBytes>,
    signal: Arc<ChangeSignal>,
}

impl ReadCache {
    /// A cache of at most `bytes` (0 turns it off).
    pub fn new(bytes: u64, signal: Arc<ChangeSignal>) -> Option<Arc<Self>> {
        if bytes == 0 {
            return None;
        }
        // Responses are a few KiB: an estimate of the item count sizes the cache's shards.
        let items = usize::try_from(bytes / 4096).unwrap_or(usize::MAX).max(64);
        Some(Arc::new(Self {
            entries: Cache::with_weighter(items, bytes, ByBytes),
            signal,
        }))
    }
}

fn key_of(req: &ServiceRequest) -> String {
    let mut key = String::with_capacity(128);
    key.push_str(req.method().as_str());
    key.push(' ');
    key.push_str(&req.uri().to_string());
    for name in &KEYED_HEADERS {
        key.push('\n');
        for value in req.headers().get_all(name) {
            key.push_str(&String::from_utf8_lossy(value.as_bytes()));
            key.push(',');
        }
    }
    key
}

fn is_cacheable(req: &ServiceRequest) -> bool {
    req.method() == Method::GET
        && !req.headers().contains_key(header::AUTHORIZATION)
        && is_cached_route(req.path())
}

fn is_cached_route(path: &str) -> bool {
    let under = |path: &str, prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let in_api = path
        .strip_prefix(crate::http::API_PREFIX)
        .is_some_and(|rest| RESOURCES.iter().any(|r| under(rest, r)));
    in_api || UNPREFIXED.iter().any(|p| under(path, p))
}

fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Whether the stored answer's validators match the request's conditional headers.
fn not_modified(req: &ServiceRequest, stored: &Stored) -> bool {
    let text = |name| stored.headers.get(name).and_then(|v| v.to_str().ok());
    let Some(etag) = text(header::ETAG).and_then(|e| e.parse::<header::EntityTag>().ok()) else {
        return false;
    };
    let last_modified = text(header::LAST_MODIFIED)
        .and_then(|v| v.parse::<header::HttpDate>().ok())
        .map(std::time::SystemTime::from);
    crate::http::conditional::is_not_modified(req.request(), &etag, last_modified)
}

fn answer(req: ServiceRequest, stored: &Stored) -> ServiceResponse<BoxBody> {
    let not_modified = not_modified(&req, stored);
    let mut res = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::build(stored.status)
    };
    for (name, value) in &stored.headers {
        if not_modified && (name == header::CONTENT_TYPE || name == header::CONTENT_ENCODING) {
            continue;
        }
        res.append_header((name.clone(), value.clone()));
    }
    let res = if not_modified {
        res.finish()
    } else {
        res.body(stored.body.clone())
    };
    req.into_response(res)
}

/// Middleware (outside compression and the per-coding ETags, inside CORS): answers anonymous
/// reads from memory, keeps what it builds, and marks every write's answer as a change.
pub async fn serve(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let cache = req
        .app_data::<web::Data<Option<Arc<ReadCache>>>>()
        .and_then(|c| c.get_ref().clone());
    let Some(cache) = cache else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    if is_write(req.method()) {
        let res = next.call(req).await?;
        // A write that succeeded (only tokens write) is committed by now: the writer's next
        // read here rebuilds. Refused writes changed nothing; other instances hear by NOTIFY.
        if res.status().is_success() && res.request().headers().contains_key(header::AUTHORIZATION)
        {
            cache.signal.bump();
        }
        return Ok(res.map_into_boxed_body());
    }
    if !is_cacheable(&req) {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    }
    let generation = cache.signal.generation();
    let live = cache.signal.is_live();
    let key = key_of(&req);
    if live
        && let Some(stored) = cache.entries.get(&key)
        && stored.generation == generation
    {
        crate::metrics::cache_result(true);
        if let Some(route) = &stored.route {
            req.extensions_mut().insert(RouteLabel(route.clone()));
        }
        return Ok(answer(req, &stored));
    }
    crate::metrics::cache_result(false);
    let conditional = req.headers().contains_key(header::IF_NONE_MATCH)
        || req.headers().contains_key(header::IF_MODIFIED_SINCE);
    let res = next.call(req).await?;
    if !live || conditional || res.status() != StatusCode::OK {
        return Ok(res.map_into_boxed_body());
    }
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    // The body was built in memory (then compressed): reading it whole costs no more.
    let body = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(err) => {
            return Err(actix_web::error::ErrorInternalServerError(
                err.into().to_string(),
            ));
        }
    };
    let stored = Stored {
        generation,
        route: req.match_pattern().map(Arc::from),
        status: head.status(),
        headers: head.headers().clone(),
        body,
    };
    // Kept only if no change came while it was built.
    if stored.body.len() <= MAX_BODY
        && cache.signal.generation() == generation
        && cache.signal.is_live()
    {
        let stored = Arc::new(stored);
        cache.entries.insert(key, stored.clone());
        return Ok(ServiceResponse::new(req, rebuild(&stored)));
    }
    Ok(ServiceResponse::new(req, rebuild(&stored)))
}

fn rebuild(stored: &Stored) -> HttpResponse {
    let mut res = HttpResponse::build(stored.status);
    for (name, value) in &stored.headers {
        res.append_header((name.clone(), value.clone()));
    }
    res.body(stored.body.clone())
}
