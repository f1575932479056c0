//! The HTTP application: `Application::build` binds its own listener (port 0 in
//! tests) so that `faqd serve` and every test run the same code path, and
//! `api_doc()` gives the OpenAPI document without binding or a database.

pub mod desk;
pub mod docs;
pub mod schedule;
pub mod tasks;

use std::net::TcpListener;
use std::sync::Arc;

use actix_cors::Cors;
use actix_web::dev::{Server, Service as _};
use actix_web::http::header;
use actix_web::middleware::{Compress, DefaultHeaders, ErrorHandlers, from_fn};
use actix_web::{HttpResponse, HttpServer, web};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::api::openapi::{UNDOCUMENTED_ROUTES, api_doc_json, documented_app};
use crate::config::ServeSettings;
use crate::http::fallback::RouteTable;
use crate::search::insights::Insights;
use crate::state::AppState;

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
            tasks::spawn_insights_flusher(insights.clone(), pool.clone());
        }
        crate::search::lexicon::configure(&settings.lexicons);
        let changes = crate::events::signal::start(&pool);
        let semantic = crate::search::semantic::start(settings, &pool, &changes);
        let rate_limits = crate::http::middleware::ratelimit::RateLimits::with_feedback(
            settings.rate_limit_writes,
            settings.rate_limit_search,
            settings.rate_limit_feedback,
        );
        tasks::spawn_rate_limit_pruner(rate_limits.clone());
        let lexical = settings
            .search_index
            .then(|| crate::search::lexical::start(&pool, changes.clone()))
            .flatten();
        tasks::spawn_housekeeping(pool.clone());
        crate::server::schedule::start(pool.clone());
        let webhooks = settings.webhook_policy();
        if settings.webhook_delivery {
            crate::events::webhooks::start(webhooks.clone(), pool.clone(), changes.clone());
        }
        let read_cache = crate::http::middleware::read_cache::ReadCache::new(
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
            searcher: crate::search::Searcher::new(
                pool.clone(),
                lexical.clone(),
                semantic.clone(),
                insights.clone(),
                settings.search_timeout_ms,
            ),
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
                .app_data(
                    web::QueryConfig::default().error_handler(crate::http::fallback::query_error),
                )
                .app_data(
                    web::PathConfig::default().error_handler(crate::http::fallback::path_error),
                )
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
                .configure(crate::server::desk::configure)
                .default_service(web::to(crate::http::fallback::fallback))
                .wrap(from_fn(crate::http::fallback::refuse_undeclared_query))
                .wrap(from_fn(crate::http::middleware::idempotency::guard))
                .wrap(from_fn(crate::http::middleware::ratelimit::limit))
                .wrap(from_fn(crate::http::middleware::auth::authenticate))
                .wrap(
                    ErrorHandlers::new()
                        .default_handler(crate::http::fallback::problem_for_foreign_errors),
                )
                .wrap(Compress::default())
                .wrap(from_fn(crate::http::conditional::etag_per_coding))
                .wrap(from_fn(crate::http::middleware::read_cache::serve))
                // No response is sniffed into another type, framed, or leaks the referrer.
                .wrap(
                    DefaultHeaders::new()
                        .add(("X-Content-Type-Options", "nosniff"))
                        .add(("X-Frame-Options", "DENY"))
                        .add(("Referrer-Policy", "no-referrer")),
                )
                .wrap(from_fn(docs::docs_policy))
                .wrap(from_fn(crate::http::conditional::private_for_tokens))
                .wrap(cors(&cors_origins))
                .wrap(from_fn(crate::http::middleware::observe::observe))
                .wrap_fn(|mut req, srv| {
                    crate::http::fallback::head_as_get(&mut req);
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
        if let Some(insights) = &self.insights {
            // The pool's idle connections may belong to the HTTP workers' runtimes, which
            // have just stopped: the last flush takes a connection of its own, on this one.
            let last = sqlx::postgres::PgPoolOptions::new()
                .max_connections(1)
                .connect_with((*self.pool.connect_options()).clone())
                .await;
            let written = match last {
                Ok(pool) => {
                    let written = insights.flush(&pool).await;
                    pool.close().await;
                    written
                }
                Err(err) => Err(err),
            };
            if let Err(err) = written {
                tracing::warn!(error = %err, "could not write the last search insights");
            }
        }
        served
    }
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
            crate::http::middleware::idempotency::IDEMPOTENCY_KEY,
            crate::http::middleware::observe::REQUEST_ID,
            header::HeaderName::from_static("mcp-protocol-version"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LAST_MODIFIED,
            header::CONTENT_LANGUAGE,
            header::RETRY_AFTER,
            crate::http::middleware::idempotency::REPLAYED,
            crate::http::middleware::observe::REQUEST_ID,
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
