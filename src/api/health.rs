//! Liveness and readiness probes, and the Prometheus metrics (no prefix).

use actix_web::{HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(healthz).service(readyz);
}

/// A probe's answer.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`, or `unavailable` when a dependency is down.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Readiness only: semantic search — `live`, `installing` its model, or `unavailable` —
    /// absent when it is turned off (`FAQD_EMBEDDINGS=off`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub semantic_search: Option<crate::search::semantic::SemanticStatus>,
    /// Readiness only: the in-memory index of the word side of search (absent when it is
    /// turned off and words are searched in PostgreSQL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search_index: Option<crate::search::lexical::IndexStatus>,
}

/// Liveness: the process serves HTTP.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "The process is alive.", body = Health),
        (status = 401, response = crate::api::Unauthorized),
    ),
)]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(Health {
            status: "ok",
            semantic_search: None,
            search_index: None,
        })
}

/// Readiness: the database answers.
#[utoipa::path(
    tag = "health",
    security(()),
    responses(
        (status = 200, description = "Ready to serve: the database answers.", body = Health),
        (status = 401, response = crate::api::Unauthorized),
        (status = 503, description = "The database is unreachable.", body = Health,
            headers(("Retry-After" = String, description = "Seconds to wait before retrying."))),
    ),
)]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let ping = store::meta::ping(&state.pool).await;
    match ping {
        Ok(_) => HttpResponse::Ok()
            .insert_header(("Cache-Control", "no-store"))
            .json(Health {
                status: "ok",
                semantic_search: state.semantic.status(),
                search_index: state.lexical.as_ref().map(|s| s.status()),
            }),
        Err(err) => {
            tracing::warn!(error = %err, "readiness check failed");
            HttpResponse::ServiceUnavailable()
                .insert_header(("Cache-Control", "no-store"))
                .insert_header(("Retry-After", "5"))
                .json(Health {
                    status: "unavailable",
                    semantic_search: None,
                    search_index: None,
                })
        }
    }
}

/// `GET /metrics` (no prefix), registered after the other unprefixed routes.
pub fn configure_metrics(cfg: &mut ServiceConfig) {
    cfg.service(metrics);
}

/// Prometheus metrics
///
/// Requests by route and status, latency histograms, database pool use, read-cache hits and
/// misses, the webhook queue and its failures, and how far this instance is behind the
/// change log. With `FAQD_METRICS_TOKEN` set, it needs `Authorization: Bearer <that token>`
/// (or an admin token). Without it, it is open when faqd listens on a loopback address or
/// `FAQD_METRICS_PUBLIC=true`, and otherwise served to admin tokens only.
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
    // A scrape never fails for the database: what it does not answer is left unset.
    let queue = store::webhooks::pending(&state.pool).await.ok();
    let newest = store::changes::newest_id(&state.pool).await.ok();
    let gauges = crate::metrics::Gauges {
        pool_size: state.pool.size(),
        pool_idle: state.pool.num_idle(),
        webhook_queue: queue.map(|(depth, oldest)| (depth, oldest.unwrap_or(0.0))),
        change_lag: newest.map(|newest| newest.saturating_sub(state.changes.last_change()).max(0)),
    };
    let text = crate::metrics::encode(&gauges).map_err(|e| ApiError::Internal(Box::new(e)))?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(text))
}
