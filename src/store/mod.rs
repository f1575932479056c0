//! SQL, one module per resource: free functions over `&mut PgConnection`, shared by
//! the HTTP handlers, the importer and the CLI, so that no query is written twice.

pub mod changes;
pub mod entries;
pub mod export;
pub mod feedback;
pub mod idempotency;
pub mod import;
pub mod meta;
pub mod order;
pub mod pages;
pub mod related;
pub mod revisions;
pub mod schedule;
pub mod similar;
pub mod tags;
pub mod tokens;
pub mod webhooks;

use crate::model::Audience;

impl Audience {
    /// The relation holding the entries this audience sees (a view; see the migrations).
    pub(crate) fn entries_relation(self) -> &'static str {
        match self {
            Self::Reader => "live_entries",
            Self::Editor => "current_entries",
        }
    }

    /// The condition on pages (aliased `alias`) that this audience sees.
    pub(crate) fn pages_visible(self, alias: &str) -> String {
        match self {
            Self::Reader => format!("({alias}.deleted_at IS NULL AND NOT {alias}.draft)"),
            Self::Editor => format!("({alias}.deleted_at IS NULL)"),
        }
    }
}

/// Whether a database error only says that this process is shutting down (its pool closed):
/// background workers then stop without a warning, since nothing is wrong.
pub fn shutting_down(pool: &sqlx::PgPool, err: &sqlx::Error) -> bool {
    pool.is_closed() || matches!(err, sqlx::Error::PoolClosed)
}
