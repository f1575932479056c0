//! The documentation page at `/docs` (Swagger UI, vendored) and its Content-Security-Policy.

use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;

/// The Content-Security-Policy of the documentation page and its assets. Swagger UI is
/// served by faqd (vendored): its page loads only its own files (the bundle, the styles and
/// `swagger-initializer.js`, no inline script or style element), draws icons from `data:`
/// URLs, and fetches the document and "Try it out" requests from this origin.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes' \
    'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: `/docs` and its assets carry [`DOCS_CSP`].
pub async fn docs_policy(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let mut res = next.call(req).await?;
    if docs {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(DOCS_CSP),
        );
    }
    Ok(res)
}
