//! The test harness: one PostgreSQL server per test process (`DATABASE_URL`, or
//! else a private cluster under `target/`), a migrated template database, and per
//! test a fresh database cloned from it and the real app on a random port.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use faqd::config::ServeSettings;
use faqd::content::{self, QuestionStyle};
use faqd::db::{self, cluster::PrivateCluster};
use faqd::model::ImportReport;
use faqd::server::Application;
use reqwest::{Method, header};
use serde_json::Value;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

/// The API's paths, spelled once (the tests hold the public contract: no import from faqd).
pub mod paths {
    use std::fmt::Display;

    pub const FAQS: &str = "/api/v1/faqs";
    pub const PAGES: &str = "/api/v1/pages";
    pub const SEARCH: &str = "/api/v1/search";
    pub const CHANGES: &str = "/api/v1/changes";
    pub const WEBHOOKS: &str = "/api/v1/webhooks";

    /// `/api/v1/faqs?{query}`: the entry list, filtered.
    pub fn faqs(query: impl Display) -> String {
        format!("{FAQS}?{query}")
    }

    /// `/api/v1/search?{query}`.
    pub fn search(query: impl Display) -> String {
        format!("{SEARCH}?{query}")
    }

    /// `/api/v1/changes?{query}`: the change feed.
    pub fn changes(query: impl Display) -> String {
        format!("{CHANGES}?{query}")
    }

    /// `/api/v1/faqs/{key}`: an entry by slug or id, with whatever follows it
    /// (`one/publish`, `one?stage=true`).
    pub fn faq(key: impl Display) -> String {
        format!("{FAQS}/{key}")
    }

    /// `/api/v1/pages/{slug}`, with whatever follows it (`help/export?lang=en`).
    pub fn page(slug: impl Display) -> String {
        format!("{PAGES}/{slug}")
    }

    /// `POST /api/v1/pages/import?{query}`.
    pub fn import(query: impl Display) -> String {
        format!("{PAGES}/import?{query}")
    }

    /// `/api/v1/webhooks/{rest}`.
    pub fn webhook(rest: impl Display) -> String {
        format!("{WEBHOOKS}/{rest}")
    }
}

/// The Hugo corpus the import and relevance tests read.
pub const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");

/// The media type a corpus file is imported as, by its extension.
pub fn media_type(file: &str) -> &'static str {
    match file.rsplit('.').next() {
        Some("yml" | "yaml") => "application/yaml",
        Some("toml") => "application/toml",
        _ => "text/markdown",
    }
}

/// Polls `check` until it holds, failing with `what` once `timeout` has passed: for
/// anything that happens in the background (NOTIFY, workers, schedulers, indexing).
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    wait_for(what, timeout, || {
        let done = check();
        async move {
            if done.await {
                Ok(())
            } else {
                Err(String::new())
            }
        }
    })
    .await;
}

/// Polls `check` until it yields `Ok`, failing with `what` and the last `Err` (the state
/// seen) once `timeout` has passed.
pub async fn wait_for<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, String>>,
{
    let started = Instant::now();
    loop {
        match check().await {
            Ok(value) => return value,
            Err(seen) => assert!(
                started.elapsed() < timeout,
                "{what}: not within {timeout:?} {seen}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The questions of a search answer's hits, in their order.
pub fn hit_questions(found: &Value) -> Vec<String> {
    found["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| h["question"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// The fields a 422 problem names, in its order.
pub fn problem_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("a field"))
        .collect()
}

/// Asserts an `application/problem+json` answer with `status`; its body.
pub async fn problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status(), status);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    res.json().await.expect("JSON problem")
}

/// How to reach the test server as a superuser, and the cluster if we run one.
struct TestServer {
    admin: PgConnectOptions,
    /// In a private cluster the app serves as `faqd_app`, as `faqd serve` does.
    app_role: Option<&'static str>,
    _cluster: Option<PrivateCluster>,
}

static SERVER: LazyLock<Result<TestServer, String>> = LazyLock::new(|| {
    if let Ok(url) = std::env::var("DATABASE_URL") {
        let admin = url
            .parse::<PgConnectOptions>()
            .map_err(|e| format!("invalid DATABASE_URL: {e}"))?;
        return Ok(TestServer {
            admin,
            app_role: None,
            _cluster: None,
        });
    }
    // Kept between runs (and left running for the next one): the first run pays
    // for initdb, later ones attach in milliseconds.
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("faqd-test-data");
    let cluster = PrivateCluster::start(&dir).map_err(|e| e.to_string())?;
    Ok(TestServer {
        admin: cluster.connect_options("postgres"),
        app_role: Some(db::APP_ROLE),
        _cluster: Some(cluster),
    })
});

fn server() -> &'static TestServer {
    match &*SERVER {
        Ok(server) => server,
        Err(err) => panic!("no PostgreSQL for the tests: {err}"),
    }
}

/// The migrated template every test database is cloned from, named after the
/// migrations so that a schema change gets a new one.
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn template() -> &'static str {
    TEMPLATE
        .get_or_init(|| async {
            let admin = &server().admin;
            let fingerprint: u64 = db::MIGRATOR
                .iter()
                .flat_map(|m| m.checksum.iter().copied())
                .fold(0xcbf2_9ce4_8422_2325, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
                });
            let name = format!("faqd_tpl_{fingerprint:016x}");
            let mut conn = PgConnection::connect_with(admin)
                .await
                .expect("connect to the test server");
            // Serialise template creation across test processes.
            sqlx::query("SELECT pg_advisory_lock(hashtext('faqd-test-template'))")
                .execute(&mut conn)
                .await
                .expect("lock");
            db::create_database_if_missing(admin, &name)
                .await
                .expect("create template");
            let pool = PgPool::connect_with(admin.clone().database(&name))
                .await
                .expect("connect to template");
            db::MIGRATOR.run(&pool).await.expect("migrate template");
            pool.close().await;
            if server().app_role.is_some() {
                // Grants are copied with the template into every test database.
                db::ensure_app_role(admin)
                    .await
                    .expect("create the app role");
                let mut tpl = PgConnection::connect_with(&admin.clone().database(&name))
                    .await
                    .expect("connect to template");
                db::grant_app_role(&mut tpl)
                    .await
                    .expect("grant the app role");
                tpl.close().await.ok();
            }
            sqlx::query("SELECT pg_advisory_unlock(hashtext('faqd-test-template'))")
                .execute(&mut conn)
                .await
                .expect("unlock");
            name
        })
        .await
}

/// The app under test, on its own database.
pub struct TestApp {
    pub address: String,
    pub pool: PgPool,
    pub client: reqwest::Client,
    db_name: String,
    handle: actix_web::dev::ServerHandle,
}

/// Starts the app on a fresh, migrated, empty database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(ServeSettings::for_tests()).await
}

/// Fetches a pinned model into the folder every test run shares (`<target>/models`), as
/// `faqd serve` does, once per target directory; false (said in one line) when it cannot be.
fn provision(package: &'static faqd::search::embed::models::Package, dir: PathBuf) -> bool {
    if package.installed(&dir) {
        return true;
    }
    match package.install(&dir) {
        Ok(()) => true,
        Err(err) => {
            eprintln!("{}", package.missing_line(&dir, &err.to_string()));
            false
        }
    }
}

/// Whether the word lists are installed where the tests read them (fetched the first time).
/// Done before the first app starts: the lists are read once per process.
pub fn word_lists() -> bool {
    static DONE: LazyLock<bool> = LazyLock::new(|| {
        let dir = ServeSettings::for_tests().lexicons;
        let done = provision(&faqd::search::embed::models::WORD_LISTS, dir);
        faqd::search::lexicon::reload();
        done
    });
    *DONE
}

/// Whether the embedding model is installed where the tests load it (fetched the first time).
pub fn embedding_model() -> bool {
    static DONE: LazyLock<bool> = LazyLock::new(|| {
        let dir = ServeSettings::for_tests().embeddings_model;
        provision(&faqd::search::embed::models::EMBEDDING_MODEL, dir)
    });
    *DONE
}

/// Starts the app with `settings` on a fresh, migrated, empty database.
pub async fn spawn_app_with(settings: ServeSettings) -> TestApp {
    // A blocking thread: the first call may download the lists.
    let _ = tokio::task::spawn_blocking(word_lists).await;
    let template = template().await;
    let db_name = format!("faqd_t_{}", uuid::Uuid::new_v4().simple());
    let admin = &server().admin;
    let mut conn = PgConnection::connect_with(admin)
        .await
        .expect("connect to the test server");
    sqlx::query(&format!(
        "CREATE DATABASE \"{db_name}\" TEMPLATE \"{template}\""
    ))
    .execute(&mut conn)
    .await
    .expect("create the test database");
    conn.close().await.ok();

    // The tests' own pool is the superuser's (fixtures); the app's is the role
    // `faqd serve` uses.
    let pool = db::pool_options(5).connect_lazy_with(admin.clone().database(&db_name));
    let app_pool = match server().app_role {
        Some(role) => {
            db::pool_options(5).connect_lazy_with(admin.clone().database(&db_name).username(role))
        }
        None => pool.clone(),
    };
    let app = Application::build(&settings, app_pool).expect("build the app");
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        pool,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // The server closes a connection idle for 5 s (actix's keep-alive): the client
            // forgets its idle ones sooner, so that no request races that close (a reset).
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .expect("client"),
        db_name,
        handle,
    }
}

/// Starts the app with the seed page imported.
pub async fn spawn_seeded_app() -> TestApp {
    let app = spawn_app().await;
    app.import_file(&seed_path(), None, None).await;
    app
}

pub fn seed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seed/faq.md")
}

impl TestApp {
    /// Mints a token with `role` as `faqd token create` does; returns its secret.
    pub async fn mint(&self, name: &str, role: faqd::auth::Role) -> String {
        let token = faqd::auth::generate_token().expect("random");
        let mut conn = self.pool.acquire().await.expect("connection");
        faqd::store::tokens::insert(&mut conn, name, role, &faqd::auth::hash_token(&token), None)
            .await
            .expect("insert token");
        token
    }

    /// A `DATABASE_URL` naming this test's database, for running the CLI.
    pub fn database_url(&self) -> String {
        if let Ok(url) = std::env::var("DATABASE_URL") {
            let mut url = url::Url::parse(&url).expect("DATABASE_URL is a URL");
            url.set_path(&self.db_name);
            return url.to_string();
        }
        let admin = &server().admin;
        let socket = admin
            .get_socket()
            .expect("the private cluster listens on a socket");
        let mut url = url::Url::parse("postgres://localhost").expect("URL");
        url.set_username(admin.get_username()).expect("user");
        url.set_path(&self.db_name);
        url.query_pairs_mut()
            .append_pair("host", &socket.to_string_lossy())
            .append_pair("port", &admin.get_port().to_string());
        url.to_string()
    }

    /// Runs the `faqd` binary against this test's database.
    pub fn faqd(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_faqd"))
            .args(args)
            .env("DATABASE_URL", self.database_url())
            .env("RUST_LOG", "warn")
            // The tests fetch the models themselves, into target/models, never the user's cache.
            .env("FAQD_MODELS_INSTALL", "off")
            .output()
            .expect("run faqd")
    }

    /// An editor's token.
    pub async fn editor(&self) -> String {
        self.mint("editor", faqd::auth::Role::Editor).await
    }

    /// An admin's token.
    pub async fn admin(&self) -> String {
        self.mint("admin", faqd::auth::Role::Admin).await
    }

    /// A preview token (reads drafts, writes nothing).
    pub async fn preview(&self) -> String {
        self.mint("preview", faqd::auth::Role::Preview).await
    }

    /// A request with a bearer token.
    pub fn with_token(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
    ) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }

    /// A stable picture of everything stored, to show that a refused write changed nothing.
    pub async fn snapshot(&self) -> String {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT row_to_json(t)::text FROM (
                SELECT 'entry' AS kind, id::text AS key, to_jsonb(e) - 'updated_at' AS data FROM entries e
                UNION ALL SELECT 'page', id::text, to_jsonb(p) FROM pages p
                UNION ALL SELECT 'revision', entry_id::text || '/' || version, to_jsonb(r) FROM entry_revisions r
                UNION ALL SELECT 'alias', slug, to_jsonb(a) FROM entry_slug_aliases a
             ) t ORDER BY kind, key",
        )
        .fetch_all(&self.pool)
        .await
        .expect("snapshot");
        rows.into_iter()
            .map(|(r,)| r)
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("JSON body")
    }

    /// `GET path` with a token; asserts 200, the JSON body.
    pub async fn get_json_as(&self, token: &str, path: &str) -> Value {
        let res = self
            .with_token(Method::GET, path, token)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.expect("JSON")
    }

    /// `GET /api/v1/pages/{slug}` as a reader; asserts 200, the page.
    pub async fn get_page(&self, slug: &str) -> Value {
        self.get_json(&paths::page(slug)).await
    }

    /// `GET /api/v1/search?q=…` as a reader; asserts 200, the results.
    pub async fn search(&self, q: &str) -> Value {
        let res = self
            .client
            .get(self.url(paths::SEARCH))
            .query(&[("q", q)])
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "q={q:?}");
        res.json().await.expect("JSON")
    }

    /// `POST /api/v1/faqs` with a JSON body.
    pub async fn create_entry(&self, token: &str, body: Value) -> reqwest::Response {
        send_json(self, Method::POST, paths::FAQS, token, None, Some(body)).await
    }

    /// `POST /api/v1/faqs`; asserts 201, the entry created.
    pub async fn create_entry_ok(&self, token: &str, body: Value) -> Value {
        let res = self.create_entry(token, body).await;
        let status = res.status();
        let entry: Value = res.json().await.unwrap_or(Value::Null);
        assert_eq!(status, 201, "{entry}");
        entry
    }

    /// `PATCH /api/v1/faqs/{slug}` (`If-Match: *`, staged or not); asserts 200, the entry.
    pub async fn patch_entry(&self, token: &str, slug: &str, body: Value, stage: bool) -> Value {
        let query = if stage { "?stage=true" } else { "" };
        let res = self
            .with_token(Method::PATCH, &paths::faq(format!("{slug}{query}")), token)
            .header("If-Match", "*")
            .header("Content-Type", "application/merge-patch+json")
            .json(&body)
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 200, "PATCH {slug}");
        res.json().await.expect("JSON")
    }

    /// `POST /api/v1/faqs/{key}/publish` (`If-Match: *`).
    pub async fn publish(&self, token: &str, key: &str) -> reqwest::Response {
        send_json(
            self,
            Method::POST,
            &paths::faq(format!("{key}/publish")),
            token,
            Some("*"),
            None,
        )
        .await
    }

    /// `POST /api/v1/pages/import?{query}` with `body` as `media`.
    pub async fn import_page(
        &self,
        token: &str,
        query: &str,
        media: &str,
        body: &str,
    ) -> reqwest::Response {
        self.with_token(Method::POST, &paths::import(query), token)
            .header("Content-Type", media)
            .body(body.to_owned())
            .send()
            .await
            .expect("request")
    }

    /// `POST /api/v1/pages/import?{query}`; asserts 200, the report.
    pub async fn import_ok(&self, token: &str, query: &str, media: &str, body: &str) -> Value {
        let res = self.import_page(token, query, media, body).await;
        let status = res.status();
        let report: Value = res.json().await.expect("JSON");
        assert_eq!(status, 200, "{report}");
        report
    }

    /// `GET path` (an export); asserts 200, the text.
    pub async fn export(&self, path: &str) -> String {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        res.text().await.expect("text")
    }

    /// Imports a Markdown file as the CLI does.
    pub async fn import_file(
        &self,
        path: &Path,
        slug: Option<&str>,
        lang: Option<&str>,
    ) -> ImportReport {
        let options = faqd::cli::files::ImportOptions {
            slug: slug.map(|s| faqd::domain::Slug::parse(s).expect("slug")),
            lang: lang.map(|l| faqd::domain::Lang::parse(l).expect("lang")),
            ..Default::default()
        };
        faqd::cli::files::import_file(&self.pool, path, &options, "test")
            .await
            .expect("import")
    }

    /// Imports Markdown text as the page `(slug, lang)`.
    pub async fn import_markdown(
        &self,
        markdown: &str,
        slug: &str,
        lang: &str,
        style: Option<QuestionStyle>,
    ) -> ImportReport {
        let parsed = content::parse_page(markdown, style).expect("parse");
        let mut conn = self.pool.acquire().await.expect("connection");
        faqd::store::import::import_page(
            &mut conn,
            &parsed,
            slug,
            lang,
            "test",
            &Default::default(),
        )
        .await
        .expect("import")
    }
}

/// A request with a token, an optional `If-Match` and an optional JSON body.
pub async fn send_json(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Option<serde_json::Value>,
) -> reqwest::Response {
    let mut req = app.with_token(method, path, token);
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    req.send().await.expect("request")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        let admin = server().admin.clone();
        let db_name = self.db_name.clone();
        // Drop runs inside the test's runtime: drop the database from a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            runtime.block_on(async {
                let mut conn = PgConnection::connect_with(&admin)
                    .await
                    .map_err(std::io::Error::other)?;
                sqlx::query(&format!(
                    "DROP DATABASE IF EXISTS \"{db_name}\" WITH (FORCE)"
                ))
                .execute(&mut conn)
                .await
                .map_err(std::io::Error::other)?;
                Ok::<_, std::io::Error>(())
            })
        })
        .join();
        if let Ok(Err(err)) = dropped {
            eprintln!("could not drop test database {}: {err}", self.db_name);
        }
    }
}

/// A second instance of faqd on `app`'s database; its base URL.
pub fn second_instance(app: &TestApp) -> String {
    let other = Application::build(&ServeSettings::for_tests(), app.pool.clone())
        .expect("build a second instance");
    let address = format!("http://127.0.0.1:{}", other.port());
    tokio::spawn(other.run_until_stopped());
    address
}
