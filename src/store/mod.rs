//! SQL, one module per resource: free functions over `&mut PgConnection`, shared by
//! the HTTP handlers, the importer and the CLI, so that no query is written twice.

pub mod entries;
pub mod export;
pub mod feedback;
pub mod idempotency;
pub mod import;
pub mod meta;
pub mod pages;
pub mod related;
pub mod schedule;
pub mod similar;
pub mod tokens;

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
