//! The test harness: one PostgreSQL server per test process (`DATABASE_URL`, or
//! else a private cluster under `target/`), a migrated template database, and per
//! test a fresh database cloned from it and the real app on a random port.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use faqd::app::Application;
use faqd::config::ServeSettings;
use faqd::content::{self, QuestionStyle};
use faqd::db::{self, postgres::PrivateCluster};
use faqd::model::ImportReport;
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

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

    /// Imports a Markdown file as the CLI does.
    pub async fn import_file(
        &self,
        path: &Path,
        slug: Option<&str>,
        lang: Option<&str>,
    ) -> ImportReport {
        let options = faqd::files::ImportOptions {
            slug: slug.map(|s| faqd::domain::Slug::parse(s).expect("slug")),
            lang: lang.map(|l| faqd::domain::Lang::parse(l).expect("lang")),
            ..Default::default()
        };
        faqd::files::import_file(&self.pool, path, &options, "test")
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
