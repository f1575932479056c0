//! Liveness and readiness probes (no prefix).

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::api::http::AppState;

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
    let ping = sqlx::query_scalar::<_, i32>("SELECT 1")
        .fetch_one(&state.pool)
        .await;
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
