//! Database access: the connection pool, migrations, and the private PostgreSQL
//! cluster used when no `DATABASE_URL` is given.

pub mod postgres;

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgConnection, PgPool};

use crate::config::DatabaseSettings;
use postgres::PrivateCluster;

/// The name of faqd's database inside a private cluster.
pub const PRIVATE_DATABASE: &str = "faqd";

/// The migrations under `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// How long a request waits for a connection before answering 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("invalid DATABASE_URL: {0}")]
    Url(#[source] sqlx::Error),
    #[error(transparent)]
    Cluster(#[from] postgres::ClusterError),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the private cluster's launcher failed: {0}")]
    Launcher(#[from] tokio::task::JoinError),
}

/// An open database: the pool, and the private cluster behind it if any.
pub struct Database {
    pub pool: PgPool,
    options: PgConnectOptions,
    cluster: Option<PrivateCluster>,
}

impl Database {
    /// Opens the database the settings name: `DATABASE_URL`, or else the private
    /// cluster under the data directory (started, or attached to, here).
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let (options, cluster) = match &settings.database_url {
            Some(url) => (url.parse::<PgConnectOptions>().map_err(DbError::Url)?, None),
            None => {
                let data_dir = settings.data_dir.clone();
                let cluster =
                    tokio::task::spawn_blocking(move || PrivateCluster::start(&data_dir)).await??;
                create_database_if_missing(&cluster.connect_options("postgres"), PRIVATE_DATABASE)
                    .await?;
                (cluster.connect_options(PRIVATE_DATABASE), Some(cluster))
            }
        };
        let pool = pool_options(settings.db_max_connections)
            .connect_with(options.clone())
            .await
            .map_err(DbError::Connect)?;
        Ok(Self {
            pool,
            options,
            cluster,
        })
    }

    /// Applies the pending migrations.
    pub async fn migrate(&self) -> Result<(), DbError> {
        MIGRATOR.run(&self.pool).await?;
        Ok(())
    }

    /// The options this database was opened with.
    pub fn connect_options(&self) -> &PgConnectOptions {
        &self.options
    }

    /// A human description of where the data lives, for start-up messages.
    pub fn describe(&self) -> String {
        match &self.cluster {
            Some(cluster) => cluster.describe(),
            None => format!(
                "PostgreSQL database '{}' on {}",
                self.options.get_database().unwrap_or("(default)"),
                self.options.get_host()
            ),
        }
    }

    /// Closes the pool, then stops the private cluster if this process started it.
    pub async fn close(self) {
        self.pool.close().await;
        if let Some(cluster) = self.cluster {
            match tokio::task::spawn_blocking(move || cluster.stop()).await {
                Ok(Ok(())) => {}
                Ok(Err(err)) => tracing::warn!(error = %err, "could not stop the private cluster"),
                Err(err) => tracing::warn!(error = %err, "could not stop the private cluster"),
            }
        }
    }
}

/// Pool settings shared by the service and the tests.
pub fn pool_options(max_connections: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // No statement holds a connection for ever: past the bound it is cancelled and the
        // request answers 503 (searches set a tighter one of their own).
        .after_connect(|conn, _| {
            Box::pin(async move {
                sqlx::query("SET statement_timeout = '30s'")
                    .execute(conn)
                    .await
                    .map(|_| ())
            })
        })
}

/// Creates `name` on the server `admin` connects to, unless it exists.
pub async fn create_database_if_missing(
    admin: &PgConnectOptions,
    name: &str,
) -> Result<(), DbError> {
    let mut conn = PgConnection::connect_with(admin)
        .await
        .map_err(DbError::Connect)?;
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(name)
            .fetch_one(&mut conn)
            .await
            .map_err(DbError::Connect)?;
    if !exists {
        // Identifiers cannot be bound; `name` is ours, quoted all the same.
        let sql = format!("CREATE DATABASE \"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&sql).execute(&mut conn).await {
            Ok(_) => tracing::info!(database = name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(sqlx::Error::Database(db)) if db.code().as_deref() == Some("42P04") => {}
            Err(err) => return Err(DbError::Connect(err)),
        }
    }
    conn.close().await.map_err(DbError::Connect)?;
    Ok(())
}
