//! Hybrid search: the full-text ranking (`store::search`: stemming per page language, typo
//! tolerance, prefix) and the semantic ranking (`semantic`: multilingual sentence embeddings,
//! which find paraphrases and other languages) fused by reciprocal rank fusion.
//!
//! Each side contributes its best [`POOL`] candidates; an entry's fused score is the sum over
//! the sides of `weight / (K + rank)`. Semantic candidates count only when they are close to
//! the query (at least [`MIN_SIMILARITY`], and within [`SPREAD`] of the best one): a query about
//! nothing in the FAQ finds nothing. Past the fused candidates, cursor pages continue with the
//! full-text ranking. `total` is the full-text total plus the semantic candidates it lacked.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgConnection;
use uuid::Uuid;

use crate::search::hit::{Found, Hit, Scope};
use crate::search::lexical::LexicalIndex;
use crate::search::postgres;
use crate::search::query::Terms;
use crate::search::query::{self, QueryTerm};
use crate::search::semantic::{SemanticIndex, SemanticScope};

/// Candidates taken from each side.
pub const POOL: i64 = 50;
/// Reciprocal rank fusion's constant.
const K: f64 = 10.0;
/// The weight of each side.
const LEXICAL_WEIGHT: f64 = 1.0;
/// The word side's weight when no entry holds every word of the query (the hits hold some
/// of them, often only a product name every question shares): weaker evidence than the
/// meaning's.
const PARTIAL_LEXICAL_WEIGHT: f64 = 0.5;
const SEMANTIC_WEIGHT: f64 = 1.0;
/// The bonus of an entry in the language the query seems to be written in, as a share of a
/// first place on one side.
const LANGUAGE_BONUS: f64 = 0.5;
/// Semantic candidates below this cosine similarity are not matches.
const MIN_SIMILARITY: f32 = 0.80;
/// Nor those further than this below the best one.
const SPREAD: f32 = 0.06;

/// Where the full-text side runs: in PostgreSQL (`store::search`), or in the in-memory index
/// (`crate::search::lexical`) with the query's terms already corrected.
pub enum Lexical<'a> {
    Postgres(&'a mut PgConnection),
    Memory {
        index: &'a LexicalIndex,
        /// The terms searched (with their corrections).
        terms: Vec<QueryTerm>,
        /// The terms joined by spaces (what the reader's query became).
        text: String,
        /// `text`, when it differs from what the reader typed.
        corrected: Option<String>,
    },
}

impl Lexical<'_> {
    /// The terms the in-memory side searches (`None` in PostgreSQL).
    pub fn memory_terms(&self) -> Option<Vec<QueryTerm>> {
        match self {
            Self::Memory { terms, .. } => Some(terms.clone()),
            Self::Postgres(_) => None,
        }
    }

    async fn search(
        &mut self,
        terms: &Terms,
        scope: &Scope<'_>,
        (offset, limit): (i64, i64),
        full: bool,
    ) -> sqlx::Result<Found> {
        match self {
            Self::Postgres(conn) if full => {
                postgres::search(conn, terms, scope, offset, limit).await
            }
            Self::Postgres(conn) => postgres::candidates(conn, terms, scope, limit).await,
            Self::Memory {
                index,
                terms,
                text,
                corrected,
            } => {
                let found = index.search(
                    terms,
                    text,
                    scope,
                    (
                        usize::try_from(offset).unwrap_or(0),
                        usize::try_from(limit).unwrap_or(0),
                    ),
                    full,
                );
                let corrected = corrected.clone().filter(|_| found.total > 0);
                Ok(found.into_found(corrected))
            }
        }
    }

    async fn hits_by_ids(
        &mut self,
        ids: &[Uuid],
        terms: &Terms,
        scope: &Scope<'_>,
    ) -> sqlx::Result<Vec<Hit>> {
        match self {
            Self::Postgres(conn) => {
                let zeros = vec![0.0; ids.len()];
                postgres::hits_by_ids(conn, ids, &zeros, &terms.normalized(), scope).await
            }
            Self::Memory { index, .. } => Ok(index.hits_by_ids(ids, &terms.normalized(), scope)),
        }
    }

    async fn complete(&mut self, hits: &mut [Hit]) -> sqlx::Result<()> {
        match self {
            Self::Postgres(conn) => postgres::complete(conn, hits).await,
            Self::Memory { index, .. } => {
                index.complete(hits);
                Ok(())
            }
        }
    }
}

/// Searches with both rankings when `semantic` is there, else with full text only.
pub async fn search(
    mut lexical: Lexical<'_>,
    semantic: Option<&Arc<SemanticIndex>>,
    q: &str,
    terms: &Terms,
    scope: &Scope<'_>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<Found> {
    let Some(index) = semantic else {
        return lexical.search(terms, scope, (offset, limit), true).await;
    };
    let text = q.chars().take(1000).collect::<String>();
    let semantic_scope = SemanticScope {
        page: scope.page,
        lang: scope.lang,
    };
    // Both at once. The semantic side is empty when the query cannot be embedded (the
    // embeddings endpoint down or slow, bounded by its timeout): the search is then by words.
    let (words, semantic) = futures_util::future::join(
        lexical.search(terms, scope, (0, POOL), false),
        index.search(&text, semantic_scope, POOL as usize),
    )
    .await;
    let words = words?;
    let best = semantic.first().map_or(0.0, |(_, s)| *s);
    let semantic: Vec<(Uuid, f32)> = semantic
        .into_iter()
        .filter(|(_, s)| *s >= MIN_SIMILARITY && *s >= best - SPREAD)
        .collect();

    // Fuse.
    let mut fused: HashMap<Uuid, f64> = HashMap::new();
    let lexical_weight = if words.partial {
        PARTIAL_LEXICAL_WEIGHT
    } else {
        LEXICAL_WEIGHT
    };
    for (rank, hit) in words.hits.iter().enumerate() {
        *fused.entry(hit.id).or_default() += lexical_weight / (K + rank as f64 + 1.0);
    }
    for (rank, (id, _)) in semantic.iter().enumerate() {
        *fused.entry(*id).or_default() += SEMANTIC_WEIGHT / (K + rank as f64 + 1.0);
    }
    let mut by_id: HashMap<Uuid, Hit> = words.hits.into_iter().map(|h| (h.id, h)).collect();
    let missing: Vec<Uuid> = fused
        .keys()
        .copied()
        .filter(|id| !by_id.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for hit in lexical.hits_by_ids(&missing, terms, scope).await? {
            by_id.insert(hit.id, hit);
        }
    }
    // Language matching: entries in the language the query is written in come first among
    // equals (a Japanese query about SciPy finds the Japanese page, not the Spanish one).
    let langs = query_languages(q, &by_id);
    if !langs.is_empty() {
        for (id, score) in fused.iter_mut() {
            if by_id
                .get(id)
                .is_some_and(|hit| langs.contains(&primary(&hit.lang)))
            {
                *score += LANGUAGE_BONUS / (K + 1.0);
            }
        }
    }
    let mut order: Vec<(Uuid, f64)> = fused.into_iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    // Semantic candidates readers cannot see (any more) are gone from `by_id`.
    let ranked: Vec<Hit> = order
        .into_iter()
        .filter_map(|(id, score)| {
            by_id.remove(&id).map(|mut hit| {
                hit.score = (score * 1000.0).round() / 1000.0;
                hit
            })
        })
        .collect();
    let semantic_only = ranked.len() as i64 - (words.total.min(POOL));
    let total = words.total + semantic_only.max(0);

    let start = usize::try_from(offset).unwrap_or(usize::MAX);
    let end = start.saturating_add(usize::try_from(limit).unwrap_or(0));
    let mut hits: Vec<Hit> = ranked.into_iter().skip(start).take(end - start).collect();
    // Past the fused candidates: the rest of the full-text ranking.
    let fused_len = (words.total.min(POOL) + semantic_only.max(0)) as usize;
    if hits.len() < end - start && words.total > POOL {
        let from = POOL + (offset + hits.len() as i64 - fused_len as i64).max(0);
        let more = lexical
            .search(terms, scope, (from, limit - hits.len() as i64), true)
            .await?;
        hits.extend(more.hits);
    }
    // Only the hits shown get their answers read and highlighted.
    lexical.complete(&mut hits).await?;
    Ok(Found {
        total,
        total_is_estimate: words.total_is_estimate,
        hits,
        corrected: words.corrected,
        last_modified: words.last_modified,
        partial: words.partial,
    })
}

fn primary(lang: &str) -> String {
    lang.split('-').next().unwrap_or(lang).to_ascii_lowercase()
}

/// The languages a query seems to be written in, among those of the candidates: by script
/// (kana: Japanese; Hangul: Korean; Han: Chinese or Japanese; Cyrillic, Greek, Arabic,
/// Hebrew, Thai), else by which languages' word lists hold most of its words. Empty when
/// nothing tells.
fn query_languages(q: &str, candidates: &HashMap<Uuid, Hit>) -> Vec<String> {
    let mut present: Vec<String> = candidates.values().map(|h| primary(&h.lang)).collect();
    present.sort();
    present.dedup();
    let has = |f: fn(char) -> bool| q.chars().any(f);
    let by_script: Option<&[&str]> = if has(|c| matches!(c as u32, 0x3040..=0x30ff)) {
        Some(&["ja"])
    } else if has(|c| matches!(c as u32, 0xac00..=0xd7af | 0x1100..=0x11ff)) {
        Some(&["ko"])
    } else if has(|c| matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf)) {
        Some(&["zh", "ja"])
    } else if has(|c| matches!(c as u32, 0x0400..=0x04ff)) {
        Some(&["ru", "uk", "bg", "sr", "be", "mk", "kk"])
    } else if has(|c| matches!(c as u32, 0x0370..=0x03ff)) {
        Some(&["el"])
    } else if has(|c| matches!(c as u32, 0x0600..=0x06ff)) {
        Some(&["ar", "fa", "ur"])
    } else if has(|c| matches!(c as u32, 0x0590..=0x05ff)) {
        Some(&["he"])
    } else if has(|c| matches!(c as u32, 0x0e00..=0x0e7f)) {
        Some(&["th"])
    } else {
        None
    };
    if let Some(langs) = by_script {
        return present
            .into_iter()
            .filter(|l| langs.contains(&l.as_str()))
            .collect();
    }
    // Latin script: count the query's words that are real words of each language.
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    let counts: Vec<(String, usize)> = present
        .into_iter()
        .map(|lang| {
            let n = words
                .iter()
                .filter(|w| crate::search::lexicon::is_real_word(w, std::slice::from_ref(&lang)))
                .count();
            (lang, n)
        })
        .collect();
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    // Only a clear majority of the words tells a language.
    if best * 2 <= words.len() {
        return Vec::new();
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n == best)
        .map(|(l, _)| l)
        .collect()
}

/// The full-text side in memory, when the index holds every change committed so far: the
/// query's terms, each unknown word with the words of the index a typo or two away (in
/// memory: no database work but the probe of the change log's newest id). `None` when the
/// index is not built or has not caught up: search in PostgreSQL then.
pub async fn in_memory<'a>(
    pool: &sqlx::PgPool,
    index: &'a LexicalIndex,
    q: &str,
    scope: &Scope<'_>,
) -> sqlx::Result<Option<Lexical<'a>>> {
    if !index.is_ready() {
        return Ok(None);
    }
    let newest: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM changes")
        .fetch_one(pool)
        .await?;
    if !index.caught_up(newest).await {
        return Ok(None);
    }
    let (configs, langs) = index.languages(scope);
    let mut terms = query::parse(q);
    for term in &mut terms {
        // Short words and numbers are never corrected; known words, unfinished words that
        // some word starts with, and real words of the languages in scope ("offline" is not
        // a typo of "online") need no correction.
        let settled = term.text.chars().count() < postgres::MIN_CORRECTABLE
            || term.text.chars().all(|c| c.is_ascii_digit())
            || index.knows_term(term, &configs)
            || (term.unfinished && index.has_prefix(&term.text, &configs))
            || crate::search::lexicon::is_real_word(&term.text, &langs);
        if !settled {
            term.typos = index.corrections(&term.text, &configs);
        }
    }
    let join = |f: fn(&QueryTerm) -> &str| terms.iter().map(f).collect::<Vec<_>>().join(" ");
    let text = join(QueryTerm::searched);
    let typed = join(|t| t.text.as_str());
    Ok(Some(Lexical::Memory {
        index,
        corrected: (text != typed).then(|| text.clone()),
        terms,
        text,
    }))
}
