//! The middleware layers, one file each, applied in one place (`server::Application`).

pub mod auth;
pub mod idempotency;
pub mod observe;
pub mod ratelimit;
pub mod read_cache;
