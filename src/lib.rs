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
/// Sentence embeddings: multilingual-e5-small loaded at run time when installed, or an
/// OpenAI-compatible embeddings endpoint.
pub mod embed;
/// The error type of the HTTP surface, as problem+json.
pub mod error;
/// The change log's notifications in this process, and webhook delivery (signing, the
/// address guard, the worker).
pub mod events;
/// Search highlights: escaped text with `<mark>` around matching words.
pub mod highlight;
/// HTTP plumbing under the handlers: conditional requests, bodies, negotiation, the
/// fallback, the client's address, and one file per middleware layer.
pub mod http;
/// Hybrid search: full-text and semantic rankings fused.
pub mod hybrid;
/// Search insights: what readers search for, counted in batches.
pub mod insights;
/// The full-text index in memory, derived from PostgreSQL and kept current by the change log.
pub mod lexical;
/// Real words per language, so that typo correction leaves them alone.
pub mod lexicon;
/// Prometheus metrics, request ids and the request log.
pub mod metrics;
/// The resources of the public contract.
pub mod model;
/// The pinned models faqd fetches for itself (embedding model, word lists).
pub mod models;
/// Search parts apart from the engines: query terms, vocabulary, suggestions, facets.
pub mod search;
/// Semantic retrieval: the in-memory embedding index and its worker.
pub mod semantic;
/// The server's assembly: building and running the app, its background tasks, the docs
/// page and the editors' desk.
pub mod server;
/// The state every handler and middleware shares.
pub mod state;
/// SQL per resource, shared by handlers, importer and CLI.
pub mod store;
