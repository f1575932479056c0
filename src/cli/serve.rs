//! `faqd serve` (the default): open the database, migrate, seed once, serve.

use crate::cli::files;
use crate::config::{DatabaseSettings, ServeSettings};
use crate::server::Application;

pub async fn run(database: &DatabaseSettings, settings: &ServeSettings) -> anyhow::Result<()> {
    let mut db = super::open_database(database).await?;
    // A private cluster's server that dies under us is started again.
    db.supervise();
    if settings.auto_seed {
        match files::seed_once(&db.pool, &settings.seed_dir).await {
            Ok(Some(reports)) => {
                if !reports.is_empty() {
                    db.analyze().await;
                }
                for report in reports {
                    tracing::info!("seeded {}", files::summary(&report));
                }
            }
            Ok(None) => {}
            Err(err) => {
                db.close().await;
                return Err(err.context("cannot seed the database"));
            }
        }
    }
    let app = match Application::build(settings, db.pool.clone()) {
        Ok(app) => app,
        Err(err) => {
            db.close().await;
            return Err(
                anyhow::Error::new(err).context(format!("cannot listen on {}", settings.bind))
            );
        }
    };
    let host = settings
        .bind
        .rsplit_once(':')
        .map_or("127.0.0.1", |(host, _)| host);
    let host = match host {
        "0.0.0.0" | "" => "127.0.0.1",
        "[::]" => "[::1]",
        other => other,
    };
    let base = format!("http://{host}:{}", app.port());
    println!("faqd serving {}", db.describe());
    println!("  API      {base}/api/v1/pages");
    println!("  docs     {base}/docs/");
    println!("  desk     {base}/admin");
    println!("  OpenAPI  {base}/openapi.json");
    let result = app.run_until_stopped().await;
    db.close().await;
    result.map_err(Into::into)
}
