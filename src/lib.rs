//! faqd: a headless CMS for FAQ content. See ARCHITECTURE.md for the map.

/// The HTTP API: handlers per resource, shared HTTP plumbing, the OpenAPI parts.
pub mod api;
/// Bearer tokens and roles.
pub mod auth;
/// The command line.
pub mod cli;
/// Settings from flags and `FAQD_*` variables.
pub mod config;
/// Markdown: front matter, question/answer split, rendering and sanitising, slugs.
pub mod content;
/// Database: connection pool, migrations, the private PostgreSQL cluster.
pub mod db;
/// Validated types: slugs, languages, limits, cursors.
pub mod domain;
/// The error type of the HTTP surface, as problem+json.
pub mod error;
/// The change log's notifications in this process, and webhook delivery (signing, the
/// address guard, the worker).
pub mod events;
/// HTTP plumbing under the handlers: conditional requests, bodies, negotiation, the
/// fallback, the client's address, and one file per middleware layer.
pub mod http;
/// Prometheus metrics, request ids and the request log.
pub mod metrics;
/// The resources of the public contract.
pub mod model;
/// Search: the Searcher the handlers call, its engines (PostgreSQL, the in-memory full-text
/// index, semantic retrieval and embeddings), their fusion, highlights, suggestions, insights.
pub mod search;
/// The server's assembly: building and running the app, its background tasks, the docs
/// page and the editors' desk.
pub mod server;
/// The state every handler and middleware shares.
pub mod state;
/// SQL per resource, shared by handlers, importer and CLI.
pub mod store;
