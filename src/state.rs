//! The state every handler and middleware shares, below all of them.

use crate::error::ApiError;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub pool: sqlx::PgPool,
    /// `max-age` of anonymous reads, in seconds.
    pub cache_max_age: u32,
    /// Search insights, unless turned off.
    pub insights: Option<std::sync::Arc<crate::search::insights::Insights>>,
    /// The one way into search (engine choice, search timeout, fusion, insights), built once
    /// over the pool, indexes and insights below.
    pub searcher: crate::search::Searcher,
    /// Semantic search: off, waiting for its model, or live.
    pub semantic: std::sync::Arc<crate::search::semantic::Semantic>,
    /// The full-text index in memory, unless turned off.
    pub lexical: Option<std::sync::Arc<crate::search::lexical::LexicalIndex>>,
    /// The change log's signal: read-cache generations, the webhook worker's wake-up.
    pub changes: std::sync::Arc<crate::events::signal::ChangeSignal>,
    /// How webhooks are checked and delivered.
    pub webhooks: crate::events::webhooks::Policy,
    /// `/metrics` needs this bearer token (or an admin token) when set.
    pub metrics_token: Option<String>,
    /// Without a metrics token, whether `/metrics` is open to anyone: only when the server
    /// listens on a loopback address or `FAQD_METRICS_PUBLIC=true` says so; otherwise only
    /// admin tokens read it.
    pub metrics_open: bool,
    /// How answers are presented to readers (the public base URL).
    pub presenter: std::sync::Arc<crate::content::present::Presenter>,
    /// The site's name (`FAQD_SITE_NAME`).
    pub site_name: std::sync::Arc<str>,
}

impl AppState {
    pub async fn conn(&self) -> Result<sqlx::pool::PoolConnection<sqlx::Postgres>, ApiError> {
        Ok(self.pool.acquire().await?)
    }

    /// Fills what an entry's representation derives from its stored answer: `answer_text`,
    /// and `answer_html` with relative URLs resolved against the public base URL.
    pub fn present(&self, entry: &mut crate::model::Entry) {
        entry.answer_text = crate::content::present::plain_text(&entry.answer_html);
        if self.presenter.base().is_some() {
            entry.answer_html = self.presenter.answer_html(&entry.answer_html);
        }
    }

    /// [`AppState::present`] for every entry.
    pub fn present_all(&self, entries: &mut [crate::model::Entry]) {
        for entry in entries {
            self.present(entry);
        }
    }
}
