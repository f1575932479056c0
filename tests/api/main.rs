//! Integration tests: the real app over real HTTP, each test on its own database.

mod auth;
mod changes;
mod cli;
mod cluster;
mod errors;
mod faqs;
mod helpers;
mod hugo;
mod hybrid;
mod idempotency;
mod import;
mod insights;
mod lifecycle;
mod observability;
mod openapi;
mod page_admin;
mod pages;
mod proxies;
mod read_cache;
mod relevance;
mod remote_embeddings;
mod search;
mod search_docs;
mod slugs;
mod webhooks;
mod writes;
