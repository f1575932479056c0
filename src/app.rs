//! The HTTP application: `Application::build` binds its own listener (port 0 in
//! tests) so that `faqd serve` and every test run the same code path, and
//! `api_doc()` gives the OpenAPI document without binding or a database.

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::{Server, Service as _, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, header};
use actix_web::middleware::{Compress, DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::http::{self, AppState, RouteTable};
use crate::api::{self, ApiDoc};
use crate::auth;
use crate::config::ServeSettings;
use crate::search::insights::Insights;

/// The prefix of every resource route.
pub const API_PREFIX: &str = "/api/v1";

/// Routes outside the OpenAPI document's paths, for the 404/405 table.
const UNDOCUMENTED_ROUTES: &[(&str, Method)] = &[
    ("/openapi.json", Method::GET),
    ("/docs", Method::GET),
    ("/docs/{tail}*", Method::GET),
    ("/admin", Method::GET),
    ("/admin/{tail}*", Method::GET),
];

/// The documented routes, and the OpenAPI document collected from them: one
/// registration for the server and for `faqd openapi`, so they cannot differ.
fn documented_app() -> (
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    utoipa::openapi::OpenApi,
) {
    let (app, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(utoipa_actix_web::scope(API_PREFIX).configure(api::configure))
        .configure(api::health::configure)
        .configure(api::llms::configure)
        .configure(api::mcp::configure)
        .configure(crate::metrics::configure)
        .split_for_parts();
    api::add_common_responses(&mut doc);
    (app, doc)
}

/// The OpenAPI document, exactly as `/openapi.json` serves it.
pub fn api_doc() -> utoipa::openapi::OpenApi {
    documented_app().1
}

/// The OpenAPI document as committed in `openapi/openapi.json` and served.
pub fn api_doc_json() -> String {
    match api_doc().to_pretty_json() {
        Ok(json) => json + "\n",
        // Serialising the document's own types cannot fail; say so loudly if it ever does.
        Err(err) => panic!("the OpenAPI document does not serialise: {err}"),
    }
}

/// Forgets idle rate-limit clients every minute, so that state grows with the clients of the
/// last minute, not with every address ever seen.
fn spawn_rate_limit_pruner(limits: Arc<crate::ratelimit::RateLimits>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            limits.prune();
        }
    });
}

/// A bound, not yet running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
    pool: sqlx::PgPool,
    insights: Option<Arc<Insights>>,
}

impl Application {
    /// Binds `settings.bind` and builds the server over `pool`.
    pub fn build(settings: &ServeSettings, pool: sqlx::PgPool) -> std::io::Result<Self> {
        let listener = TcpListener::bind(&settings.bind)?;
        let port = listener.local_addr()?.port();
        let loopback = listener.local_addr()?.ip().is_loopback();
        let insights = settings
            .search_insights
            .then(|| Arc::new(Insights::new(settings.search_insights_retention_days)));
        if let Some(insights) = &insights {
            spawn_insights_flusher(insights.clone(), pool.clone());
        }
        crate::search::lexicon::configure(&settings.lexicons);
        let semantic = crate::search::semantic::start(settings, &pool);
        let rate_limits = crate::ratelimit::RateLimits::with_feedback(
            settings.rate_limit_writes,
            settings.rate_limit_search,
            settings.rate_limit_feedback,
        );
        spawn_rate_limit_pruner(rate_limits.clone());
        let changes = crate::changes::start(&pool);
        let lexical = settings
            .search_index
            .then(|| crate::search::lexical::start(&pool, changes.clone()))
            .flatten();
        spawn_housekeeping(pool.clone());
        crate::schedule::start(pool.clone());
        let webhooks = settings.webhook_policy();
        if settings.webhook_delivery {
            crate::webhooks::start(webhooks.clone(), pool.clone(), changes.clone());
        }
        let read_cache = crate::cache::ReadCache::new(
            settings.read_cache_mb.saturating_mul(1 << 20),
            changes.clone(),
        );
        let state = AppState {
            changes,
            webhooks,
            metrics_token: settings
                .metrics_token
                .clone()
                .filter(|t| !t.trim().is_empty()),
            metrics_open: settings.metrics_public || loopback,
            pool: pool.clone(),
            cache_max_age: settings.cache_max_age,
            insights: insights.clone(),
            search_timeout_ms: settings.search_timeout_ms,
            semantic,
            lexical,
            presenter: Arc::new(crate::content::present::Presenter::new(
                settings.public_base_url.clone(),
            )),
            site_name: Arc::from(settings.site_name.trim()),
        };
        let mcp = api::mcp::McpEndpoint::new(state.clone(), &settings.cors_origins);
        let doc_json = web::Bytes::from(api_doc_json());
        let cors_origins = settings.cors_origins.clone();
        let trusted_proxies = settings.trusted_proxies.clone();
        let mut server = HttpServer::new(move || {
            let (app, doc) = documented_app();
            let routes = RouteTable::from_openapi(&doc, UNDOCUMENTED_ROUTES);
            let doc_json = doc_json.clone();
            app.app_data(web::Data::new(state.clone()))
                .app_data(web::Data::new(rate_limits.clone()))
                .app_data(web::Data::new(read_cache.clone()))
                .app_data(web::Data::new(mcp.clone()))
                .app_data(web::Data::new(trusted_proxies.clone()))
                .app_data(web::Data::new(routes))
                .app_data(web::QueryConfig::default().error_handler(http::query_error))
                .app_data(web::PathConfig::default().error_handler(http::path_error))
                .route(
                    "/openapi.json",
                    web::get().to(move || {
                        let body = doc_json.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
                                .body(body)
                        }
                    }),
                )
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header((header::LOCATION, "/docs/"))
                            .finish()
                    }),
                )
                .service(
                    SwaggerUi::new("/docs/{_:.*}")
                        // No badge fetched from validator.swagger.io: nothing leaves the machine.
                        .config(
                            utoipa_swagger_ui::Config::from("/openapi.json").validator_url("none"),
                        ),
                )
                .configure(crate::desk::configure)
                .default_service(web::to(http::fallback))
                .wrap(from_fn(crate::idempotency::guard))
                .wrap(from_fn(crate::ratelimit::limit))
                .wrap(from_fn(auth::authenticate))
                .wrap(ErrorHandlers::new().default_handler(http::problem_for_foreign_errors))
                .wrap(Compress::default())
                .wrap(from_fn(http::etag_per_coding))
                .wrap(from_fn(crate::cache::serve))
                // No response is sniffed into another type, framed, or leaks the referrer.
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "no-referrer")),
                )
                .wrap(from_fn(docs_policy))
                .wrap(cors(&cors_origins))
                .wrap(from_fn(crate::metrics::observe))
                .wrap_fn(|mut req, srv| {
                    http::head_as_get(&mut req);
                    srv.call(req)
                })
        })
        .listen(listener)?;
        if let Some(workers) = settings.workers {
            server = server.workers(workers.max(1));
        }
        Ok(Self {
            port,
            server: server.run(),
            pool,
            insights,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server.
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM (or the handle) stops the server, then writes
    /// the search insights still pending.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        if let Some(insights) = &self.insights
            && let Err(err) = insights.flush(&self.pool).await
        {
            tracing::warn!(error = %err, "could not write the last search insights");
        }
        served
    }
}

/// How often expired idempotency keys are removed.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(600);

/// Removes what has lapsed: idempotency keys older than a day, finished webhook deliveries
/// (and their attempts) older than 30 days.
fn spawn_housekeeping(pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            let swept = sqlx::query(
                "WITH keys AS (
                     DELETE FROM idempotency_keys
                     WHERE created_at < clock_timestamp() - interval '24 hours'
                 )
                 DELETE FROM webhook_deliveries
                 WHERE state <> 'pending' AND created_at < clock_timestamp() - interval '30 days'",
            )
            .execute(&pool)
            .await;
            if let Err(err) = swept {
                tracing::debug!(error = %err, "could not remove expired idempotency keys");
            }
        }
    });
}

/// The Content-Security-Policy of the documentation page and its assets. Swagger UI is
/// served by faqd (vendored): its page loads only its own files (the bundle, the styles and
/// `swagger-initializer.js`, no inline script or style element), draws icons from `data:`
/// URLs, and fetches the document and "Try it out" requests from this origin.
pub const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-hashes' \
    'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='; \
    img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: `/docs` and its assets carry [`DOCS_CSP`].
async fn docs_policy(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path() == "/docs" || req.path().starts_with("/docs/");
    let mut res = next.call(req).await?;
    if docs {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(DOCS_CSP),
        );
    }
    Ok(res)
}

/// How often search insights are written.
const INSIGHTS_FLUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// Writes search insights in the background, in batches.
fn spawn_insights_flusher(insights: Arc<Insights>, pool: sqlx::PgPool) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(INSIGHTS_FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(err) = insights.flush(&pool).await
                && !crate::db::shutting_down(&pool, &err)
            {
                tracing::warn!(error = %err, "could not write search insights; will retry");
            }
        }
    });
}

/// CORS: anonymous reads from the configured origins (`*`: any). Tokens travel in
/// `Authorization`, never in cookies, so no credentials mode is needed.
fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allow_any_method()
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::ACCEPT_LANGUAGE,
            crate::idempotency::IDEMPOTENCY_KEY,
            crate::metrics::REQUEST_ID,
            header::HeaderName::from_static("mcp-protocol-version"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LAST_MODIFIED,
            header::CONTENT_LANGUAGE,
            header::RETRY_AFTER,
            crate::idempotency::REPLAYED,
            crate::metrics::REQUEST_ID,
            header::HeaderName::from_static("ratelimit-limit"),
            header::HeaderName::from_static("ratelimit-remaining"),
            header::HeaderName::from_static("ratelimit-reset"),
        ])
        .max_age(3600);
    if origins.iter().any(|o| o.trim() == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in origins.iter().map(|o| o.trim()).filter(|o| !o.is_empty()) {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}
