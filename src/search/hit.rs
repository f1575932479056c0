//! What a search returns, whichever engine ran it: hits with their highlights, where to search
//! (the scope) and what was found.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::search::highlight::{self, Lexeme};

#[cfg(doc)]
use crate::search::postgres::{RANK_CAP, complete};

/// One search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Hit {
    pub id: Uuid,
    #[schema(example = "how-many-teams-can-a-technical-coach-support")]
    pub slug: String,
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
    pub question: String,
    pub highlight: Highlight,
    /// Relevance: higher is better; comparable within one response.
    #[schema(example = 0.93)]
    pub score: f64,
    /// A candidate's answer highlight, not yet built (see [`complete`]).
    #[serde(skip)]
    #[schema(ignore)]
    pub pending: Option<Box<PendingHighlight>>,
}

/// What a candidate's pending highlights need: the query's lexemes, the stemmer's config, and
/// whether the question's highlight waits too (the in-memory index highlights only the hits
/// shown; PostgreSQL highlights every candidate's question in its query).
#[derive(Debug)]
pub struct PendingHighlight {
    pub(crate) lexemes: Arc<[Lexeme]>,
    pub(crate) config: Cow<'static, str>,
    pub(crate) question: bool,
}

impl PendingHighlight {
    /// The answer's highlight, for the lexemes as `querytree()` prints them and the
    /// configuration's name.
    pub fn from_querytree(querytree: &str, config: String) -> Self {
        Self {
            lexemes: highlight::lexemes_of_querytree(querytree).into(),
            config: Cow::Owned(config),
            question: false,
        }
    }

    /// The question's and the answer's highlights, for `lexemes` (shared by every hit of a
    /// search in that configuration).
    pub fn both(lexemes: Arc<[Lexeme]>, config: &'static str) -> Self {
        Self {
            lexemes,
            config: Cow::Borrowed(config),
            question: true,
        }
    }
}

/// HTML-escaped text with only `<mark>` added around the matched words.
#[derive(Debug, Serialize, ToSchema)]
pub struct Highlight {
    #[schema(example = "How many <mark>teams</mark> can a technical coach support?")]
    pub question: String,
    #[schema(example = "A maximum of 1 to 3 <mark>teams</mark> in parallel …")]
    pub answer: String,
}

/// Where to search.
#[derive(Debug, Default)]
pub struct Scope<'a> {
    pub page: Option<&'a str>,
    pub lang: Option<&'a str>,
    /// Only entries of this section.
    pub section: Option<&'a str>,
    /// Only entries with this tag.
    pub tag: Option<&'a str>,
}

impl Scope<'_> {
    /// Whether anything narrows the search.
    pub fn is_narrowed(&self) -> bool {
        self.page.is_some() || self.lang.is_some() || self.section.is_some() || self.tag.is_some()
    }

    /// Whether an entry of this page, language, section and tags is in scope.
    pub fn admits(&self, page: &str, lang: &str, section: Option<&str>, tags: &[String]) -> bool {
        self.page.is_none_or(|p| p == page)
            && self.lang.is_none_or(|l| l == lang)
            && self.section.is_none_or(|s| s == section.unwrap_or(""))
            && self.tag.is_none_or(|t| tags.iter().any(|x| x == t))
    }
}

/// Which engine ranked a search. Both rank the fused candidates alike, but past them each
/// continues in its own order: a reader paging with a cursor stays with the engine that gave
/// the first page (PostgreSQL answers while the in-memory index is built or catches up).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Engine {
    #[serde(rename = "m")]
    Memory,
    #[serde(rename = "p")]
    Postgres,
}

/// What a search found.
#[derive(Debug)]
pub struct Found {
    pub total: i64,
    /// More than [`RANK_CAP`] entries matched: `total` is that bound, and only the first
    /// [`RANK_CAP`] matches were ranked.
    pub total_is_estimate: bool,
    pub hits: Vec<Hit>,
    /// The terms actually searched, after correction (`None` when unchanged).
    pub corrected: Option<String>,
    /// When the newest page in scope last changed for readers.
    pub last_modified: Option<DateTime<Utc>>,
    /// No entry held every term: the hits hold some of them (weaker evidence).
    pub partial: bool,
}
