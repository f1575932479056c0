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
/// Sentence embeddings: multilingual-e5-small loaded at run time when installed, or an
/// OpenAI-compatible embeddings endpoint.
pub mod embed;
/// The error type of the HTTP surface, as problem+json.
pub mod error;
/// Search highlights: escaped text with `<mark>` around matching words.
pub mod highlight;
/// Hybrid search: full-text and semantic rankings fused.
pub mod hybrid;
/// `Idempotency-Key` on POST: retries get the first answer.
pub mod idempotency;
/// Search insights: what readers search for, counted in batches.
pub mod insights;
/// The full-text index in memory, derived from PostgreSQL and kept current by the change log.
pub mod lexical;
/// Real words per language, so that typo correction leaves them alone.
pub mod lexicon;
/// The Model Context Protocol server for AI agents (`POST /mcp`): its tools and resources.
pub mod mcp;
/// Prometheus metrics, request ids and the request log.
pub mod metrics;
/// The resources of the public contract.
pub mod model;
/// The pinned models faqd fetches for itself (embedding model, word lists).
pub mod models;
/// The client's address behind trusted reverse proxies.
pub mod proxy;
/// Rate limits per client for writes and searches.
pub mod ratelimit;
/// Scheduled publishing: every instance carries out `publish_at` / `unpublish_at` on time.
pub mod schedule;
/// Search parts apart from the engines: query terms, vocabulary, suggestions, facets.
pub mod search;
/// Semantic retrieval: the in-memory embedding index and its worker.
pub mod semantic;
/// SQL per resource, shared by handlers, importer and CLI.
pub mod store;
/// Webhook delivery: signing, the address guard, the worker.
pub mod webhooks;
