//! Authentication before routing: a request that carries `Authorization` gets its bearer
//! token checked (401 whatever else is wrong with it, as the contract's precedence says), and
//! the [`auth::Principal`] left in its extensions for the `Caller` extractor.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, web};
use subtle::ConstantTimeEq;

use crate::auth;
use crate::error::ApiError;
use crate::state::AppState;

/// Middleware: checks the bearer token of any request that carries one, and
/// leaves the [`Principal`] in the request's extensions.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    let token = bearer_token(value)?;
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("no application state"))?;
    // The metrics token is no API token: `/metrics` checks it itself.
    let is_metrics_token = req.path() == "/metrics"
        && state
            .metrics_token
            .as_deref()
            .is_some_and(|m| bool::from(m.as_bytes().ct_eq(token.as_bytes())));
    if !is_metrics_token {
        let principal = auth::check_token(&state.pool, token).await?;
        req.extensions_mut().insert(principal);
    }
    next.call(req)
        .await
        .map(ServiceResponse::map_into_boxed_body)
}

fn bearer_token(value: &header::HeaderValue) -> Result<&str, ApiError> {
    let malformed = || ApiError::Unauthorized("use `Authorization: Bearer <token>`".to_owned());
    let value = value.to_str().map_err(|_| malformed())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(malformed)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(malformed());
    }
    Ok(token.trim())
}
