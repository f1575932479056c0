//! The middleware layers, one file each, applied in one place (`server::Application`).

pub mod idempotency;
pub mod ratelimit;
pub mod read_cache;
