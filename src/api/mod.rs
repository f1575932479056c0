//! The HTTP API: one module per resource, each with a `configure()` that
//! registers its handlers (with `.service`, so that they reach the OpenAPI
//! document), and the document's shared parts.

pub mod changes;
pub mod faqs;
pub mod feedback;
pub mod health;
pub mod llms;
pub mod mcp;
pub mod openapi;
pub mod pages;
pub mod responses;
pub mod search;
pub mod tags;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

pub use openapi::{
    BadRequest, Conflict, Forbidden, MethodNotAllowed, NotFound, NotModified, PayloadTooLarge,
    PreconditionFailed, PreconditionRequired, TooManyRequests, Unauthorized, Unavailable,
    Unprocessable, UnsupportedMediaType,
};

/// Registers every `/api/v1` handler.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(pages::configure)
        .configure(pages::jsonld::configure)
        .configure(pages::files::configure)
        .configure(faqs::editing::configure)
        .configure(faqs::lifecycle::configure)
        .configure(pages::admin::configure)
        .configure(faqs::configure)
        .configure(feedback::configure)
        .configure(faqs::related::configure)
        .configure(search::configure)
        .configure(tags::configure)
        .configure(changes::configure)
        .configure(webhooks::configure);
}
