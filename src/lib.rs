//! faqd: a headless CMS for FAQ content. See ARCHITECTURE.md for the map.

/// The HTTP API: handlers per resource, shared HTTP plumbing, the OpenAPI parts.
pub mod api;
/// The HTTP application: building and binding the server, the OpenAPI document.
pub mod app;
/// Bearer tokens and roles.
pub mod auth;
/// Anonymous reads answered from memory, kept coherent by the change log.
pub mod cache;
/// The change log's notifications in this process.
pub mod changes;
/// The command line.
pub mod cli;
/// Settings from flags and `FAQD_*` variables.
pub mod config;
/// Markdown: front matter, question/answer split, rendering and sanitising, slugs.
pub mod content;
/// Database: connection pool, migrations, the private PostgreSQL cluster.
pub mod db;
/// The editors' desk at `/admin`: embedded web interface over the public API.
pub mod desk;
/// Validated types: slugs, languages, limits, cursors.
pub mod domain;
/// The error type of the HTTP surface, as problem+json.
pub mod error;
/// Markdown files on disk: import one, seed a directory.
pub mod files;
/// `Idempotency-Key` on POST: retries get the first answer.
pub mod idempotency;
/// The Model Context Protocol server for AI agents (`POST /mcp`): its tools and resources.
pub mod mcp;
/// Prometheus metrics, request ids and the request log.
pub mod metrics;
/// The resources of the public contract.
pub mod model;
/// The client's address behind trusted reverse proxies.
pub mod proxy;
/// Rate limits per client for writes and searches.
pub mod ratelimit;
/// Scheduled publishing: every instance carries out `publish_at` / `unpublish_at` on time.
pub mod schedule;
/// Search: the Searcher the handlers call, its engines (PostgreSQL, the in-memory full-text
/// index, semantic retrieval and embeddings), their fusion, highlights, suggestions, insights.
pub mod search;
/// SQL per resource, shared by handlers, importer and CLI.
pub mod store;
/// Webhook delivery: signing, the address guard, the worker.
pub mod webhooks;
