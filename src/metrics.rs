//! Prometheus metrics (`GET /metrics`, text exposition format), and the middleware that
//! measures every request, gives it a request id and logs it.
//!
//! Counters and histograms live in one process-wide registry; the gauges that describe the
//! database (pool, webhook queue, change-log lag) are read at scrape time.

use std::sync::LazyLock;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, get, web};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tracing::Instrument as _;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::http::AppState;
use crate::error::{ApiError, ApiResult};

/// The response header (and accepted request header) carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabels {
    result: String,
}

type HistogramFamily = Family<RouteLabels, Histogram, fn() -> Histogram>;

struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: HistogramFamily,
    cache: Family<ResultLabels, Counter>,
    webhook_failures: Counter,
    pool_size: Gauge,
    pool_idle: Gauge,
    webhook_queue: Gauge,
    webhook_oldest_seconds: Gauge,
    change_lag: Gauge,
}

fn latency_histogram() -> Histogram {
    // 0.1 ms to about 3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

static METRICS: LazyLock<Metrics> = LazyLock::new(|| {
    let mut registry = Registry::with_prefix("faqd");
    let requests = Family::<RequestLabels, Counter>::default();
    registry.register(
        "http_requests",
        "HTTP requests by method, route and status",
        requests.clone(),
    );
    let latency: HistogramFamily = Family::new_with_constructor(latency_histogram);
    registry.register(
        "http_request_duration_seconds",
        "HTTP request latency by method and route",
        latency.clone(),
    );
    let cache = Family::<ResultLabels, Counter>::default();
    registry.register(
        "read_cache",
        "Anonymous reads answered from memory (hit) or built (miss)",
        cache.clone(),
    );
    let webhook_failures = Counter::default();
    registry.register(
        "webhook_delivery_failures",
        "Webhook delivery attempts that did not get a 2xx",
        webhook_failures.clone(),
    );
    let gauge = |registry: &mut Registry, name: &str, help: &str| {
        let gauge = Gauge::default();
        registry.register(name, help, gauge.clone());
        gauge
    };
    let pool_size = gauge(
        &mut registry,
        "db_pool_connections",
        "Open database connections",
    );
    let pool_idle = gauge(
        &mut registry,
        "db_pool_idle_connections",
        "Idle database connections",
    );
    let webhook_queue = gauge(
        &mut registry,
        "webhook_queue_depth",
        "Webhook deliveries waiting for an attempt",
    );
    let webhook_oldest_seconds = gauge(
        &mut registry,
        "webhook_queue_oldest_seconds",
        "Age of the oldest waiting webhook delivery",
    );
    let change_lag = gauge(
        &mut registry,
        "change_log_lag",
        "Changes committed that this instance has not yet been told of",
    );
    Metrics {
        registry,
        requests,
        latency,
        cache,
        webhook_failures,
        pool_size,
        pool_idle,
        webhook_queue,
        webhook_oldest_seconds,
        change_lag,
    }
});

/// A read answered from the in-memory cache (`hit`) or built (`miss`).
pub fn cache_result(hit: bool) {
    let result = if hit { "hit" } else { "miss" };
    METRICS
        .cache
        .get_or_create(&ResultLabels {
            result: result.to_owned(),
        })
        .inc();
}

/// A webhook delivery attempt failed.
pub fn webhook_failure() {
    METRICS.webhook_failures.inc();
}

/// The request's id: the caller's `X-Request-Id` when it is a sane token, else a new one.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

fn request_id_of(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            (1..=128).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        })
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), str::to_owned)
}

/// Gives every request an id (also in the response), measures it and logs one line for it.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let started = Instant::now();
    let id = request_id_of(&req);
    req.extensions_mut().insert(RequestId(id.clone()));
    // Any token is a method to actix: only the standard ones get their own label.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "OTHER".to_owned(),
    };
    let span =
        tracing::info_span!("request", request_id = %id, method = %method, path = %req.path());
    let result = next.call(req).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let mut response = result?;
    let cached_route = response
        .request()
        .extensions()
        .get::<crate::cache::RouteLabel>()
        .map(|r| r.0.to_string());
    let route = cached_route
        .or_else(|| response.request().match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    METRICS
        .requests
        .get_or_create(&RequestLabels {
            method: method.clone(),
            route: route.clone(),
            status,
        })
        .inc();
    METRICS
        .latency
        .get_or_create(&RouteLabels { method, route })
        .observe(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    span.in_scope(|| {
        tracing::info!(
            status,
            micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            "served"
        );
    });
    Ok(response)
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}

/// Prometheus metrics
///
/// Requests by route and status, latency histograms, database pool use, read-cache hits and
/// misses, the webhook queue and its failures, and how far this instance is behind the
/// change log. Open unless `FAQD_METRICS_TOKEN` is set; then it needs
/// `Authorization: Bearer <that token>` (or an admin token).
#[utoipa::path(
    tag = "health",
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "Metrics in the Prometheus text format.", content_type = "text/plain; version=0.0.4", body = String),
        (status = 401, response = crate::api::Unauthorized),
    ),
)]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: crate::auth::Caller,
) -> ApiResult<HttpResponse> {
    if state.metrics_token.is_none() && !state.metrics_open {
        if caller.require(crate::auth::Role::Admin).is_err() {
            return Err(ApiError::Unauthorized(
                "metrics are served to admin tokens on this address (set FAQD_METRICS_TOKEN for \
                 a scraper, or FAQD_METRICS_PUBLIC=true)"
                    .to_owned(),
            ));
        }
    } else if let Some(token) = &state.metrics_token {
        let presented = req
            .headers()
            .get(actix_web::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim());
        let is_admin = caller.require(crate::auth::Role::Admin).is_ok();
        let matches = presented
            .is_some_and(|p| subtle::ConstantTimeEq::ct_eq(p.as_bytes(), token.as_bytes()).into());
        if !is_admin && !matches {
            return Err(ApiError::Unauthorized(
                "metrics need the metrics token (FAQD_METRICS_TOKEN) or an admin token".to_owned(),
            ));
        }
    }
    let m = &*METRICS;
    m.pool_size.set(i64::from(state.pool.size()));
    m.pool_idle
        .set(i64::try_from(state.pool.num_idle()).unwrap_or(i64::MAX));
    let queue = crate::store::webhooks::pending(&state.pool).await.ok();
    let newest = crate::store::changes::newest_id(&state.pool).await.ok();
    if let (Some((depth, oldest)), Some(newest)) = (queue, newest) {
        m.webhook_queue.set(depth);
        m.webhook_oldest_seconds.set(oldest.unwrap_or(0.0) as i64);
        let seen = state.changes.last_change();
        m.change_lag.set(newest.saturating_sub(seen).max(0));
    }
    let mut text = String::new();
    prometheus_client::encoding::text::encode(&mut text, &m.registry)
        .map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(text))
}
