//! The roles of a private cluster: [`APP_ROLE`], which serves, and the superuser, which
//! owns the schema and migrates; see the [`db`](super) module docs.

use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection};

use super::DbError;

/// The role faqd serves as in a private cluster: no superuser, owns nothing.
pub const APP_ROLE: &str = "faqd_app";

/// The cluster's superuser, which owns the schema and runs migrations.
pub(super) const OWNER_ROLE: &str = "postgres";

/// Creates [`APP_ROLE`] on the server `admin` (a superuser) connects to, or makes
/// sure an existing one has no special powers. It has no password: the private
/// cluster trusts its private socket.
pub async fn ensure_app_role(admin: &PgConnectOptions) -> Result<(), DbError> {
    let mut conn = PgConnection::connect_with(admin)
        .await
        .map_err(DbError::Connect)?;
    // Serialised by an advisory lock: two processes starting together would otherwise
    // both try to create it.
    let sql = format!(
        "DO $$ BEGIN
           PERFORM pg_advisory_xact_lock(hashtext('faqd-app-role'));
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
             CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
           ELSIF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}'
                         AND (rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls)) THEN
             ALTER ROLE {APP_ROLE} NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
           END IF;
         END $$"
    );
    sqlx::raw_sql(&sql)
        .execute(&mut conn)
        .await
        .map_err(DbError::Connect)?;
    conn.close().await.map_err(DbError::Connect)?;
    Ok(())
}

/// Grants [`APP_ROLE`] what serving needs in the database `conn` (the schema's
/// owner) is connected to: rows of every table (the migrations' bookkeeping
/// read-only), sequences, functions (triggers run with the caller's rights, so the
/// tables they write — `changes`, `webhook_deliveries`, search documents — are
/// covered by the same grants), and the same by default on whatever later
/// migrations create. No ownership, no DDL, no `TRUNCATE`.
pub async fn grant_app_role(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    let sql = format!(
        "BEGIN;
         SELECT pg_advisory_xact_lock(hashtext('faqd-grants'));
         DO $$ BEGIN
           EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO {APP_ROLE}', current_database());
         END $$;
         GRANT USAGE ON SCHEMA public TO {APP_ROLE};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE};
         REVOKE INSERT, UPDATE, DELETE ON _sqlx_migrations FROM {APP_ROLE};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE};
         GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {APP_ROLE};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public
           GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {APP_ROLE};
         COMMIT;"
    );
    sqlx::raw_sql(&sql).execute(&mut *conn).await.map(|_| ())
}
