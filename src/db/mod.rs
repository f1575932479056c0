//! Database access: the connection pool, migrations, and the private PostgreSQL
//! cluster used when no `DATABASE_URL` is given.
//!
//! # Roles
//!
//! In a private cluster, migrations run as the cluster's superuser (`postgres`,
//! which owns the schema), and everything else — the serving pool, the CLI's imports
//! and tokens — as [`APP_ROLE`], a role that is not a superuser, owns nothing and
//! may only read and write rows ([`grant_app_role`]): SQL that reaches the serving
//! pool cannot `COPY … TO PROGRAM`, `ALTER SYSTEM`, read server files or change
//! the schema. With `DATABASE_URL` the operator chooses the roles: the URL's for
//! serving and `FAQD_MIGRATION_DATABASE_URL`'s (default: the same) for migrations.

pub mod cluster;
mod roles;

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

use crate::config::DatabaseSettings;
use cluster::{PrivateCluster, supervise};
use roles::OWNER_ROLE;
pub use roles::{APP_ROLE, ensure_app_role, grant_app_role};

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
    #[error("invalid FAQD_MIGRATION_DATABASE_URL: {0}")]
    MigrationUrl(#[source] sqlx::Error),
    #[error(transparent)]
    Cluster(#[from] cluster::ClusterError),
    #[error("cannot connect to the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the private cluster's launcher failed: {0}")]
    Launcher(#[from] tokio::task::JoinError),
}

/// An open database: the pool, and the private cluster behind it if any.
pub struct Database {
    /// The serving pool: [`APP_ROLE`] in a private cluster, `DATABASE_URL`'s role
    /// otherwise.
    pub pool: PgPool,
    options: PgConnectOptions,
    /// Who migrates: the private cluster's superuser, or
    /// `FAQD_MIGRATION_DATABASE_URL` (default `DATABASE_URL`).
    owner: PgConnectOptions,
    cluster: Option<Arc<PrivateCluster>>,
    supervisor: Option<tokio::task::JoinHandle<()>>,
}

impl Database {
    /// Opens the database the settings name: `DATABASE_URL`, or else the private
    /// cluster under the data directory (started, or attached to, here).
    pub async fn open(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let (options, owner, cluster) = match &settings.database_url {
            Some(url) => {
                let options = url.parse::<PgConnectOptions>().map_err(DbError::Url)?;
                let owner = match &settings.migration_database_url {
                    Some(url) => url
                        .parse::<PgConnectOptions>()
                        .map_err(DbError::MigrationUrl)?,
                    None => options.clone(),
                };
                (options, owner, None)
            }
            None => {
                if settings.migration_database_url.is_some() {
                    tracing::warn!(
                        "FAQD_MIGRATION_DATABASE_URL is ignored without DATABASE_URL: the \
                         private cluster migrates as its own superuser"
                    );
                }
                let data_dir = settings.data_dir.clone();
                let cluster =
                    tokio::task::spawn_blocking(move || PrivateCluster::start(&data_dir)).await??;
                let admin = cluster.connect_options(OWNER_ROLE);
                create_database_if_missing(&admin, PRIVATE_DATABASE).await?;
                ensure_app_role(&admin).await?;
                (
                    cluster.connect_options_as(APP_ROLE, PRIVATE_DATABASE),
                    cluster.connect_options(PRIVATE_DATABASE),
                    Some(Arc::new(cluster)),
                )
            }
        };
        let pool = pool_options(settings.db_max_connections)
            .connect_with(options.clone())
            .await
            .map_err(DbError::Connect)?;
        Ok(Self {
            pool,
            options,
            owner,
            cluster,
            supervisor: None,
        })
    }

    /// Applies the pending migrations, as the owner; in a private cluster, then
    /// grants [`APP_ROLE`] what it needs on what the migrations made.
    pub async fn migrate(&self) -> Result<(), DbError> {
        // Almost always there is nothing to do: one query through the serving pool says so,
        // sparing every command a second connection (as the owner), two advisory locks and
        // the grants.
        if self.up_to_date().await {
            return Ok(());
        }
        let mut conn = PgConnection::connect_with(&self.owner)
            .await
            .map_err(DbError::Connect)?;
        MIGRATOR.run(&mut conn).await?;
        if self.cluster.is_some() {
            grant_app_role(&mut conn).await.map_err(DbError::Connect)?;
        }
        conn.close().await.map_err(DbError::Connect)?;
        Ok(())
    }

    /// Whether every embedded migration is applied as embedded (same versions, same
    /// checksums, none failed) and, in a private cluster, the serving role may read every
    /// table (the grants that follow a migration were made). Any doubt, an error included,
    /// is a no: the migrator then checks and applies as usual.
    async fn up_to_date(&self) -> bool {
        // Applied versions, their checksums, and whether all is well.
        type Applied = (Vec<i64>, Vec<Vec<u8>>, bool);
        let applied: Result<Applied, sqlx::Error> = sqlx::query_as(
            "SELECT coalesce(array_agg(version ORDER BY version), '{}'),
                    coalesce(array_agg(checksum ORDER BY version), '{}'),
                    bool_and(success)
                      AND coalesce((SELECT bool_and(has_table_privilege(c.oid, 'SELECT'))
                                    FROM pg_class c
                                    WHERE c.relnamespace = 'public'::regnamespace
                                      AND c.relkind = 'r'), true)
             FROM _sqlx_migrations",
        )
        .fetch_one(&self.pool)
        .await;
        let Ok((versions, checksums, ok)) = applied else {
            return false;
        };
        let wanted: Vec<(i64, &[u8])> = MIGRATOR
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| (m.version, &*m.checksum))
            .collect();
        ok && versions.len() == wanted.len()
            && versions
                .iter()
                .zip(&checksums)
                .zip(&wanted)
                .all(|((v, c), (wv, wc))| v == wv && c.as_slice() == *wc)
    }

    /// Refreshes the planner's statistics after a bulk load, as the owner (only a
    /// table's owner may). Failures are logged: statistics are an optimisation. It takes
    /// seconds on a large corpus, as it should: its own connection does not report it as a
    /// slow statement (sqlx's warning past one second), and its time is logged at debug.
    pub async fn analyze(&self) {
        let started = std::time::Instant::now();
        let result = async {
            let options = self.owner.clone().disable_statement_logging();
            let mut conn = PgConnection::connect_with(&options).await?;
            sqlx::query("ANALYZE search_docs, search_words, entries, pages")
                .execute(&mut conn)
                .await?;
            conn.close().await
        }
        .await;
        match result {
            Ok(()) => tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                "planner statistics refreshed"
            ),
            Err(err) => {
                tracing::warn!(error = %err, "could not refresh the planner's statistics")
            }
        }
    }

    /// Watches the private cluster's server and starts it again when it dies, until
    /// [`Database::close`]; no-op with `DATABASE_URL`. Meanwhile requests answer 503.
    pub fn supervise(&mut self) {
        if let (Some(cluster), None) = (&self.cluster, &self.supervisor) {
            self.supervisor = Some(tokio::spawn(supervise::watch(Arc::clone(cluster))));
        }
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

    /// Closes the pool, then leaves the private cluster, which stops when no other
    /// faqd process uses it.
    pub async fn close(self) {
        if let Some(supervisor) = self.supervisor {
            supervisor.abort();
        }
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
