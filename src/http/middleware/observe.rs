//! The outermost layer: gives every request an id (also in the response), measures it and
//! logs one line for it.

use std::time::Instant;

use actix_web::HttpMessage;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument as _;

use crate::metrics;

/// The response header (and accepted request header) carrying the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

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
    let from_query = matches!(*req.method(), Method::GET | Method::HEAD | Method::DELETE);
    let result = crate::error::with_text_from_query(from_query, next.call(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    let mut response = result?;
    let cached_route = response
        .request()
        .extensions()
        .get::<crate::http::middleware::read_cache::RouteLabel>()
        .map(|r| r.0.to_string());
    let route = cached_route
        .or_else(|| response.request().match_pattern())
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    metrics::record_request(method, route, status, elapsed.as_secs_f64());
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
