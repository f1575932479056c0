//! The one way into search: [`Searcher`] picks the engine (the in-memory index when it is
//! built and caught up, else PostgreSQL under the search timeout), runs the semantic side
//! when it is live, fuses both ([`fusion`](crate::search::fusion)), counts facets and records
//! insights. Handlers parse the request, call it, and shape the response.
//!
//! Past the fused candidates, cursor pages continue with the full-text ranking. `total` is the
//! full-text total plus the semantic candidates it lacked.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

use crate::search::facets::{self, Counted, Facet, Facets};
use crate::search::fusion::{self, POOL, Weights};
use crate::search::hit::{Engine, Found, Hit, Scope};
use crate::search::insights::Insights;
use crate::search::language::{primary, query_languages};
use crate::search::lexical::LexicalIndex;
use crate::search::newest::NewestChange;
use crate::search::postgres;
use crate::search::query::{self, QueryTerm, Terms, is_word_char};
use crate::search::semantic::{Semantic, SemanticIndex, SemanticScope};
use crate::search::suggest::{self, Suggestion, Typed};

/// The most candidate questions read from PostgreSQL for suggestions while the in-memory
/// index is not built.
const SUGGEST_CANDIDATES: i64 = 5000;

/// Search over what readers see, as every caller runs it (`GET /search`, suggestions, the
/// MCP `search_faq` tool, related questions' word side). Cheap to clone.
#[derive(Clone)]
pub struct Searcher {
    pool: PgPool,
    /// The change log's newest id, one read shared by concurrent searches.
    newest: Arc<NewestChange>,
    lexical: Option<Arc<LexicalIndex>>,
    semantic: Arc<Semantic>,
    insights: Option<Arc<Insights>>,
    /// Bound of one search's database work, in milliseconds.
    timeout_ms: u32,
}

impl Searcher {
    pub fn new(
        pool: PgPool,
        lexical: Option<Arc<LexicalIndex>>,
        semantic: Arc<Semantic>,
        insights: Option<Arc<Insights>>,
        timeout_ms: u32,
    ) -> Self {
        Self {
            newest: NewestChange::new(pool.clone()),
            pool,
            lexical,
            semantic,
            insights,
            timeout_ms,
        }
    }

    /// A transaction whose every statement is bounded by the search timeout (a slow database
    /// answers 503, never a hang): the one place that sets it.
    pub async fn bounded(&self) -> sqlx::Result<Transaction<'static, Postgres>> {
        postgres::bounded(&self.pool, self.timeout_ms).await
    }

    /// Runs a search: the in-memory index when it is ready, else PostgreSQL under the search
    /// timeout, fused with the semantic index; a first page is counted in the insights.
    pub async fn find(
        &self,
        q: &str,
        terms: &Terms,
        scope: &Scope<'_>,
        offset: i64,
        limit: i64,
    ) -> sqlx::Result<Found> {
        Ok(self
            .find_with_facets(q, terms, scope, (offset, limit), None, None)
            .await?
            .found)
    }

    /// [`Searcher::find`], counting the facets asked among every match; `engine` is the one
    /// that ranked the earlier pages of a cursor, which this page keeps to (PostgreSQL orders
    /// the hits past the fused candidates its own way). The in-memory index when it is not
    /// said, or it was and it has caught up.
    pub async fn find_with_facets(
        &self,
        q: &str,
        terms: &Terms,
        scope: &Scope<'_>,
        (offset, limit): (i64, i64),
        facets_asked: Option<&[Facet]>,
        engine: Option<Engine>,
    ) -> sqlx::Result<Searched> {
        let semantic = self.semantic.index();
        let memory = match &self.lexical {
            Some(index) if engine != Some(Engine::Postgres) => {
                in_memory(&self.newest, index, q, scope, semantic.is_some()).await?
            }
            _ => None,
        };
        let mut counted = None;
        let engine = if memory.is_some() {
            Engine::Memory
        } else {
            Engine::Postgres
        };
        let found = match memory {
            Some(lexical) => {
                let memory_terms = lexical.memory_terms();
                let (found, by_meaning) =
                    search(lexical, semantic, q, terms, scope, offset, limit).await?;
                if let (Some(which), Some(index), Some(memory_terms)) =
                    (facets_asked, &self.lexical, memory_terms)
                {
                    counted = Some(index.facets(&memory_terms, &by_meaning, scope, which));
                }
                found
            }
            None => {
                // One transaction, so that its `statement_timeout` bounds every statement of
                // the search and ends with it.
                let mut tx = self.bounded().await?;
                let (found, _) = search(
                    Lexical::Postgres(&mut tx),
                    semantic,
                    q,
                    terms,
                    scope,
                    offset,
                    limit,
                )
                .await?;
                if let Some(which) = facets_asked {
                    let rows = postgres::facet_rows(&mut tx, terms, scope).await?;
                    counted = Some(facets::count(
                        which,
                        rows.iter().map(|r| Counted {
                            page: &r.page,
                            section: r.section.as_deref(),
                            tags: &r.tags,
                            lang: &r.lang,
                        }),
                    ));
                }
                tx.commit().await?;
                found
            }
        };
        if offset == 0
            && let Some(insights) = &self.insights
        {
            insights.record(&terms.normalized(), found.total);
        }
        Ok(Searched {
            found,
            facets: counted,
            engine,
        })
    }

    /// Questions that complete what was typed, best first: from memory when the index has
    /// caught up, else ranked over candidates read from PostgreSQL.
    pub async fn suggest(
        &self,
        typed: &Typed,
        scope: &Scope<'_>,
        limit: usize,
    ) -> sqlx::Result<Vec<Suggestion>> {
        let from_memory = match &self.lexical {
            Some(index) if index.caught_up_with_signal().await => {
                index.suggest(typed, scope, limit)
            }
            _ => None,
        };
        if let Some(found) = from_memory {
            return Ok(found);
        }
        let mut conn = self.pool.acquire().await?;
        let needle = typed.needle().unwrap_or_default();
        let rows =
            postgres::suggestion_candidates(&mut conn, needle, scope, SUGGEST_CANDIDATES).await?;
        let ranked = rows
            .into_iter()
            .filter_map(|s| Some((typed.rank(&s.question.to_lowercase())?, s)))
            .collect();
        Ok(suggest::best(ranked, limit, |s: &Suggestion| {
            (s.question.clone(), s.slug.clone())
        }))
    }
}

/// What [`Searcher::find_with_facets`] gives: the hits, the facets asked, and the engine that
/// ranked them (for the next page's cursor).
pub struct Searched {
    pub found: Found,
    pub facets: Option<Facets>,
    pub engine: Engine,
}

/// Where the full-text side runs: in PostgreSQL ([`postgres`]), or in the in-memory index
/// (`crate::search::lexical`) with the query's terms already corrected.
enum Lexical<'a> {
    Postgres(&'a mut PgConnection),
    Memory {
        index: &'a LexicalIndex,
        /// The terms searched (with their corrections).
        terms: Vec<QueryTerm>,
        /// The terms joined by spaces (what the reader's query became).
        text: String,
        /// `text`, when it differs from what the reader typed.
        corrected: Option<String>,
        /// The query with its unfinished last word completed (`perforac`: "perforación"),
        /// for the meaning side: the embedding of a cut word is noise.
        completed: Option<String>,
    },
}

impl Lexical<'_> {
    /// The query as the meaning side embeds it: its unfinished last word completed when the
    /// in-memory index knows what it stands for.
    fn meaning_text<'q>(&'q self, q: &'q str) -> &'q str {
        match self {
            Self::Memory {
                completed: Some(text),
                ..
            } => text,
            _ => q,
        }
    }

    /// The terms the in-memory side searches (`None` in PostgreSQL).
    fn memory_terms(&self) -> Option<Vec<QueryTerm>> {
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
                ..
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

/// Searches with both rankings when `semantic` is there, else with full text only; with the
/// semantic side's matches (close to the query, in scope), which facets count too.
async fn search(
    mut lexical: Lexical<'_>,
    semantic: Option<&Arc<SemanticIndex>>,
    q: &str,
    terms: &Terms,
    scope: &Scope<'_>,
    offset: i64,
    limit: i64,
) -> sqlx::Result<(Found, Vec<Uuid>)> {
    let Some(index) = semantic else {
        let found = lexical.search(terms, scope, (offset, limit), true).await?;
        return Ok((found, Vec::new()));
    };
    let text = lexical
        .meaning_text(q)
        .chars()
        .take(1000)
        .collect::<String>();
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
    let matches = fusion::close_matches(semantic);
    let semantic: Vec<Uuid> = matches.iter().map(|(id, _)| *id).collect();
    let word_ids: Vec<Uuid> = words.hits.iter().map(|hit| hit.id).collect();
    let mut by_id: FxHashMap<Uuid, Hit> = words.hits.into_iter().map(|h| (h.id, h)).collect();
    let missing: Vec<Uuid> = semantic
        .iter()
        .copied()
        .filter(|id| !by_id.contains_key(id))
        .collect();
    if !missing.is_empty() {
        for hit in lexical.hits_by_ids(&missing, terms, scope).await? {
            by_id.insert(hit.id, hit);
        }
    }
    // The query's language is weighed on the word side; when the words found nothing, among
    // the meaning matches (a Japanese query about SciPy finds the Japanese page, not the
    // Spanish one).
    let mut order = fusion::fuse(&word_ids, &matches, Weights::for_words(words.partial));
    if word_ids.is_empty() {
        let langs = query_languages(q, by_id.values().map(|hit| hit.lang.as_str()));
        order = fusion::favour_language(order, |id| {
            by_id
                .get(id)
                .is_some_and(|hit| langs.contains(&primary(&hit.lang)))
        });
    }
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
    let found = Found {
        total,
        total_is_estimate: words.total_is_estimate,
        hits,
        corrected: words.corrected,
        last_modified: words.last_modified,
        partial: words.partial,
    };
    Ok((found, semantic))
}

/// `q` with its last word (its last run of letters and digits) replaced by `word`.
fn complete_last_word(q: &str, word: &str) -> String {
    let end = q
        .char_indices()
        .rev()
        .find(|(_, c)| is_word_char(*c))
        .map_or(q.len(), |(i, c)| i + c.len_utf8());
    let start = q[..end]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word_char(*c))
        .last()
        .map_or(end, |(i, _)| i);
    format!("{}{word}{}", &q[..start], &q[end..])
}

/// The full-text side in memory, when the index holds every change committed so far: the
/// query's terms, each unknown word with the words of the index a typo or two away (in
/// memory: no database work but the probe of the change log's newest id, shared with the
/// searches running at the same time). `None` when the index is not built or has not caught
/// up: search in PostgreSQL then.
async fn in_memory<'a>(
    newest: &Arc<NewestChange>,
    index: &'a LexicalIndex,
    q: &str,
    scope: &Scope<'_>,
    meaning: bool,
) -> sqlx::Result<Option<Lexical<'a>>> {
    if !index.is_ready() {
        return Ok(None);
    }
    let caught_up = index.caught_up(newest.get().await?).await;
    if !caught_up {
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
        if !term.unfinished {
            term.variants = index.accent_variants(&term.text, &configs);
        }
    }
    let join = |f: fn(&QueryTerm) -> &str| terms.iter().map(f).collect::<Vec<_>>().join(" ");
    let text = join(QueryTerm::searched);
    let typed = join(|t| t.text.as_str());
    // A real word of the languages in scope is finished ("car" does not become "card"). Only
    // the meaning side reads the completion: none without it.
    let completed = terms
        .last()
        .filter(|t| {
            meaning
                && t.unfinished
                && t.parts.is_empty()
                && !crate::search::lexicon::is_real_word(&t.text, &langs)
        })
        .and_then(|t| index.completion(&t.text, &configs))
        .map(|word| complete_last_word(q, &word));
    Ok(Some(Lexical::Memory {
        index,
        corrected: (text != typed).then(|| text.clone()),
        terms,
        text,
        completed,
    }))
}

#[cfg(test)]
mod tests {
    use super::complete_last_word;

    #[test]
    fn the_last_word_is_completed_in_place() {
        assert_eq!(complete_last_word("perforac", "perforación"), "perforación");
        assert_eq!(
            complete_last_word("nickname regist", "registro"),
            "nickname registro"
        );
        assert_eq!(
            complete_last_word("¿cómo funcio?", "funciona"),
            "¿cómo funciona?"
        );
        assert_eq!(complete_last_word("", "x"), "x");
    }
}
