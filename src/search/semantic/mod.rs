//! Semantic retrieval: an in-memory index of the embeddings of what readers see, derived from
//! PostgreSQL (`entry_embeddings`), and the background worker that keeps both current.
//!
//! The worker embeds every visible entry whose published version has no embedding of the
//! current source yet (a few at a time, on a blocking thread or from the embeddings endpoint:
//! readers never wait on it), stores the vectors, and pulls every vector of the current source
//! stored since its last look (its own and other instances') into the index. Vectors are kept
//! as 8-bit integers with a scale (384 bytes an entry for the in-process model): 100,000
//! entries take about 40 MB. A search is an exact scan (a dot product per entry) over the
//! entries in scope, remembered until the index changes: readers repeat queries, and the
//! same query over the same index has the same nearest entries, so a repeated query costs a
//! lookup instead of a scan (100,000 rows of 384 bytes read per scan, several milliseconds:
//! the scan is bound by memory, not arithmetic; `bench/README.md`). Any change to the index
//! (a vector added, replaced or dropped) forgets every remembered result.
//!
//! When embeddings fail (an endpoint down, slow or answering nonsense), readers' queries are
//! answered by words alone, the worker retries with a growing pause, the outage is logged
//! once, and `/readyz` says why.
//!
//! The index may briefly hold an entry readers no longer see (unpublished, deleted, its page
//! turned draft): hits are always read back through `live_entries`, so such an entry is never
//! shown; the worker drops it at its next prune.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::search::embed::{self, EmbedError, Source};

use quantise::{dot_i8, quantise};

mod postgres;
mod quantise;
mod worker;

pub use worker::{spawn_worker, start};

/// The query cache's size, read once.
static CACHE_CAPACITY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// Query embeddings remembered (readers repeat queries); cleared when full.
const QUERY_CACHE: usize = 4096;
/// After a failed embedding, readers' queries skip the source this long (answered by words
/// at once rather than each waiting for the same timeout).
const QUERY_COOLDOWN: Duration = Duration::from_secs(5);

/// The index and the source that fills it.
pub struct SemanticIndex {
    source: Source,
    /// The name stored with this source's vectors (`Source::model`).
    model: String,
    index: RwLock<Index>,
    queries: Mutex<HashMap<String, Arc<Vec<f32>>>>,
    /// The nearest entries of recent searches, with the index's generation they were found at.
    results: Mutex<HashMap<ResultKey, (u64, Nearest)>>,
    /// Visible entries still waiting for an embedding, as last counted by the worker.
    pending: std::sync::atomic::AtomicI64,
    health: Mutex<Health>,
    /// Whether stored vectors of another dimension were reported.
    stored_mismatch_logged: std::sync::atomic::AtomicBool,
}

/// The state of the source, as last seen.
#[derive(Default)]
struct Health {
    /// Why the last embedding failed, until one succeeds.
    error: Option<String>,
    /// Until when readers' queries skip the source.
    skip_until: Option<Instant>,
}

#[derive(Default)]
struct Index {
    /// Components per vector: 0 until known (a remote source tells it with its first answer).
    dim: usize,
    ids: Vec<Uuid>,
    pages: Vec<Arc<str>>,
    langs: Vec<Arc<str>>,
    scales: Vec<f32>,
    /// `ids.len() × dim` quantised components.
    vectors: Vec<i8>,
    position: HashMap<Uuid, usize>,
    /// The oldest transaction running at the last pull (a transaction id): the next pull reads
    /// the vectors written by it and every later one.
    watermark: Option<i64>,
    /// Bumped by every change to the vectors held: remembered results of another generation
    /// are stale.
    generation: u64,
}

/// The nearest entries of a search, best first, with their cosine similarity.
type Nearest = Arc<Vec<(Uuid, f32)>>;

/// What a remembered search result answers: the query (as the query cache keys it), the
/// scope and the number of entries asked.
#[derive(Clone, PartialEq, Eq, Hash)]
struct ResultKey {
    query: String,
    page: Option<String>,
    lang: Option<String>,
    k: usize,
}

/// Where a semantic search looks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SemanticScope<'a> {
    pub page: Option<&'a str>,
    pub lang: Option<&'a str>,
}

/// Where semantic search stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SemanticState {
    /// Searches use meaning and words.
    Live,
    /// The model is being fetched (the first start on a machine): searches use words meanwhile.
    Installing,
    /// The model is missing and cannot be had now: `error` says what to run.
    Unavailable,
}

/// What `/readyz` says of semantic search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SemanticStatus {
    /// `live`, `installing` (searching by words until the model is in place) or `unavailable`.
    pub state: SemanticState,
    /// The embedding model: the in-process one, or `remote:` and the model asked of the
    /// embeddings endpoint.
    #[schema(example = "multilingual-e5-small-q4")]
    pub model: String,
    /// Entries in the index.
    pub indexed: usize,
    /// Visible entries not embedded yet.
    pub pending: i64,
    /// Why embeddings are failing, while they are, or why the model is unavailable (searches
    /// are answered by words meanwhile).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "the embeddings endpoint is unreachable: Connection refused (os error 111)"
    )]
    pub error: Option<String>,
}

impl Index {
    /// Adds or replaces an entry's vector, of `self.dim` components.
    fn upsert(&mut self, id: Uuid, page: Arc<str>, lang: Arc<str>, vector: &[f32]) {
        let dim = self.dim;
        let (quantised, scale) = quantise(vector);
        match self.position.get(&id) {
            // The same vector read again (a pull rereads what transactions still running
            // may have written): nothing changes, remembered results stay.
            Some(&at)
                if self.scales[at] == scale
                    && self.vectors[at * dim..(at + 1) * dim] == quantised[..]
                    && *self.pages[at] == *page
                    && *self.langs[at] == *lang => {}
            Some(&at) => {
                self.generation += 1;
                self.pages[at] = page;
                self.langs[at] = lang;
                self.scales[at] = scale;
                for (slot, q) in self.vectors[at * dim..(at + 1) * dim]
                    .iter_mut()
                    .zip(quantised)
                {
                    *slot = q;
                }
            }
            None => {
                self.generation += 1;
                self.position.insert(id, self.ids.len());
                self.ids.push(id);
                self.pages.push(page);
                self.langs.push(lang);
                self.scales.push(scale);
                self.vectors.extend(quantised);
            }
        }
    }

    /// Keeps only the entries in `live`.
    fn retain(&mut self, live: &rustc_hash::FxHashSet<Uuid>) {
        // Nothing to drop (the usual case): the index stays as it is. Copying it anyway (every
        // two seconds when the worker is idle) cost a second copy of every vector each time,
        // freed into the allocator's arenas and kept in the process's resident memory.
        if self.ids.iter().all(|id| live.contains(id)) {
            return;
        }
        let dim = self.dim;
        let mut kept = Index {
            dim,
            watermark: self.watermark,
            generation: self.generation + 1,
            ..Index::default()
        };
        for (at, id) in self.ids.iter().enumerate() {
            if live.contains(id) {
                kept.position.insert(*id, kept.ids.len());
                kept.ids.push(*id);
                kept.pages.push(self.pages[at].clone());
                kept.langs.push(self.langs[at].clone());
                kept.scales.push(self.scales[at]);
                kept.vectors
                    .extend_from_slice(&self.vectors[at * dim..(at + 1) * dim]);
            }
        }
        *self = kept;
    }
}

impl SemanticIndex {
    pub fn new(source: Source) -> Self {
        let index = Index {
            dim: source.dim().unwrap_or(0),
            ..Index::default()
        };
        Self {
            model: source.model(),
            source,
            index: RwLock::new(index),
            queries: Mutex::new(HashMap::new()),
            results: Mutex::new(HashMap::new()),
            pending: std::sync::atomic::AtomicI64::new(0),
            health: Mutex::new(Health::default()),
            stored_mismatch_logged: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn status(&self) -> SemanticStatus {
        SemanticStatus {
            state: SemanticState::Live,
            model: self.model.clone(),
            indexed: self.index.read().map_or(0, |i| i.ids.len()),
            pending: self.pending.load(std::sync::atomic::Ordering::Relaxed),
            error: self.health.lock().ok().and_then(|h| h.error.clone()),
        }
    }

    /// Notes a failed embedding: logged once per outage, shown by `/readyz`, and readers'
    /// queries skip the source for a while.
    fn failed(&self, err: &EmbedError) {
        let Ok(mut health) = self.health.lock() else {
            return;
        };
        if health.error.is_none() {
            tracing::warn!(model = %self.model, error = %err,
                "semantic search: no embeddings, searching by words until they are back");
        } else {
            tracing::debug!(model = %self.model, error = %err, "semantic search: still no embeddings");
        }
        health.error = Some(err.to_string());
        health.skip_until = Some(Instant::now() + QUERY_COOLDOWN);
    }

    /// Notes a successful embedding: the end of an outage, if there was one.
    fn succeeded(&self) {
        let Ok(mut health) = self.health.lock() else {
            return;
        };
        if health.error.take().is_some() {
            tracing::info!(model = %self.model, "semantic search: embeddings are back");
        }
        health.skip_until = None;
    }

    /// Whether readers' queries skip the source (it failed a moment ago).
    fn skipping(&self) -> bool {
        self.health
            .lock()
            .ok()
            .and_then(|h| h.skip_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// Checks that vectors of `dim` components fit the index; the first ones set its
    /// dimension when the source did not tell it beforehand.
    fn fit(&self, dim: usize) -> Result<(), EmbedError> {
        let known = self.index.read().map_or(0, |i| i.dim);
        if known == dim {
            return Ok(());
        }
        if known == 0
            && let Ok(mut index) = self.index.write()
        {
            if index.dim == 0 {
                index.dim = dim;
            }
            if index.dim == dim {
                return Ok(());
            }
            return Err(EmbedError::Dimension {
                expected: index.dim,
                got: dim,
            });
        }
        Err(EmbedError::Dimension {
            expected: known,
            got: dim,
        })
    }

    /// The embedding of a query, remembered (`FAQD_QUERY_EMBEDDING_CACHE=0` turns that off,
    /// and the remembered results with it, for benchmarks of the worst case). None when the source fails: the search is then by
    /// words alone.
    async fn query_vector(&self, text: &str) -> Option<Arc<Vec<f32>>> {
        let key = query_key(text);
        let capacity = cache_capacity();
        if let Some(found) = self.queries.lock().ok()?.get(&key) {
            return Some(found.clone());
        }
        if self.skipping() {
            return None;
        }
        let vector = match self.source.query(&key).await {
            Ok(vector) => vector,
            Err(err) => {
                self.failed(&err);
                return None;
            }
        };
        if let Err(err) = self.fit(vector.len()) {
            self.failed(&err);
            return None;
        }
        self.succeeded();
        let vector = Arc::new(vector);
        if capacity == 0 {
            return Some(vector);
        }
        if let Ok(mut cache) = self.queries.lock() {
            if cache.len() >= capacity {
                cache.clear();
            }
            cache.insert(key, vector.clone());
        }
        Some(vector)
    }

    /// The `k` entries in scope nearest to `text`, best first, with their cosine similarity.
    /// Empty when the query cannot be embedded. The scan runs on a blocking thread.
    pub async fn search(
        self: &Arc<Self>,
        text: &str,
        scope: SemanticScope<'_>,
        k: usize,
    ) -> Vec<(Uuid, f32)> {
        let key = ResultKey {
            query: query_key(text),
            page: scope.page.map(str::to_owned),
            lang: scope.lang.map(str::to_owned),
            k,
        };
        if let Some(found) = self.remembered(&key) {
            return found.to_vec();
        }
        let Some(query) = self.query_vector(text).await else {
            return Vec::new();
        };
        let this = self.clone();
        let (page, lang) = (key.page.clone(), key.lang.clone());
        let scanned = tokio::task::spawn_blocking(move || {
            let scope = SemanticScope {
                page: page.as_deref(),
                lang: lang.as_deref(),
            };
            this.nearest(&query, scope, k)
        })
        .await
        .ok()
        .flatten();
        let Some((generation, found)) = scanned else {
            return Vec::new();
        };
        let capacity = cache_capacity();
        if capacity > 0
            && let Ok(mut results) = self.results.lock()
        {
            if results.len() >= capacity {
                results.clear();
            }
            results.insert(key, (generation, Arc::new(found.clone())));
        }
        found
    }

    /// The remembered result of `key`, if the index has not changed since it was found.
    fn remembered(&self, key: &ResultKey) -> Option<Nearest> {
        let generation = self.index.read().ok()?.generation;
        let results = self.results.lock().ok()?;
        let (found_at, found) = results.get(key)?;
        (*found_at == generation).then(|| found.clone())
    }

    /// The `k` entries in scope nearest to `query`, best first, with their cosine similarity,
    /// and the index's generation they were found at. `None` when the index cannot be read.
    fn nearest(
        &self,
        query: &[f32],
        scope: SemanticScope<'_>,
        k: usize,
    ) -> Option<(u64, Vec<(Uuid, f32)>)> {
        let index = self.index.read().ok()?;
        let generation = index.generation;
        Some((generation, index.nearest(query, scope, k)))
    }
}

impl Index {
    /// The `k` entries in scope nearest to `query`, best first, with their cosine similarity:
    /// an exact scan.
    fn nearest(&self, query: &[f32], scope: SemanticScope<'_>, k: usize) -> Vec<(Uuid, f32)> {
        let index = self;
        let dim = index.dim;
        if query.len() != dim {
            return Vec::new();
        }
        // The query is quantised as the rows are, so that each dot product is a sum of
        // integer products, which the compiler vectorises (a float sum must keep its order):
        // about 20 times faster, for a similarity that differs in the third decimal at most.
        let (query, query_scale) = quantise(query);
        let mut scored: Vec<(f32, usize)> = Vec::with_capacity(index.ids.len().min(4096));
        for at in 0..index.ids.len() {
            if scope.page.is_some_and(|p| *index.pages[at] != *p)
                || scope.lang.is_some_and(|l| *index.langs[at] != *l)
            {
                continue;
            }
            let row = &index.vectors[at * dim..(at + 1) * dim];
            let dot = dot_i8(row, &query);
            scored.push((dot as f32 * index.scales[at] * query_scale, at));
        }
        let k = k.min(scored.len());
        if k == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        scored.truncate(k);
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .map(|(score, at)| (index.ids[at], score))
            .collect()
    }
}

/// The key of a query in the caches: its text, trimmed and in lower case.
fn query_key(text: &str) -> String {
    text.trim().to_lowercase()
}

/// The caches' size (`FAQD_QUERY_EMBEDDING_CACHE`), read once.
fn cache_capacity() -> usize {
    *CACHE_CAPACITY.get_or_init(|| {
        std::env::var("FAQD_QUERY_EMBEDDING_CACHE")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(QUERY_CACHE)
    })
}

/// Semantic search as the server sees it: off, waiting for its model (being fetched, or
/// missing), or live. Every HTTP worker shares one: the index arrives once, without a restart.
pub struct Semantic {
    on: bool,
    index: OnceLock<Arc<SemanticIndex>>,
    /// Why it is not live yet (when on): `None` while the model is being fetched.
    unavailable: Mutex<Option<String>>,
}

impl Semantic {
    /// Semantic search turned off: searches by words, nothing reported.
    pub fn off() -> Self {
        Self {
            on: false,
            index: OnceLock::new(),
            unavailable: Mutex::new(None),
        }
    }

    fn waiting(why: Option<String>) -> Self {
        Self {
            on: true,
            index: OnceLock::new(),
            unavailable: Mutex::new(why),
        }
    }

    fn live(index: Arc<SemanticIndex>) -> Self {
        let this = Self::waiting(None);
        let _ = this.index.set(index);
        this
    }

    /// The index, once live.
    pub fn index(&self) -> Option<&Arc<SemanticIndex>> {
        self.index.get()
    }

    /// What `/readyz` says (`None` when off).
    pub fn status(&self) -> Option<SemanticStatus> {
        if !self.on {
            return None;
        }
        if let Some(index) = self.index.get() {
            return Some(index.status());
        }
        let why = self.unavailable.lock().ok().and_then(|w| w.clone());
        Some(SemanticStatus {
            state: if why.is_some() {
                SemanticState::Unavailable
            } else {
                SemanticState::Installing
            },
            model: embed::MODEL.to_owned(),
            indexed: 0,
            pending: 0,
            error: why,
        })
    }

    fn give_up(&self, why: String) {
        tracing::warn!("semantic search is unavailable, searching by words only: {why}");
        if let Ok(mut slot) = self.unavailable.lock() {
            *slot = Some(why);
        }
    }
}

#[cfg(test)]
mod index_tests {
    use super::*;

    /// A unit vector of 8 components.
    fn vector(seed: u32) -> Vec<f32> {
        let v: Vec<f32> = (0..8)
            .map(|i| (((seed * 31 + i * 17 + i * i * seed) % 23) as f32 - 11.0) / 11.0)
            .collect();
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.into_iter().map(|x| x / norm).collect()
    }

    #[test]
    fn every_change_of_the_vectors_forgets_remembered_results_and_nothing_else_does() {
        let mut index = Index {
            dim: 8,
            ..Index::default()
        };
        let (page, lang): (Arc<str>, Arc<str>) = ("p".into(), "en".into());
        for n in 0..4u32 {
            index.upsert(
                Uuid::from_u128(n.into()),
                page.clone(),
                lang.clone(),
                &vector(n),
            );
        }
        let before = index.generation;
        index.upsert(Uuid::from_u128(3), page.clone(), lang.clone(), &vector(3));
        assert_eq!(
            index.generation, before,
            "the same vector again: the same generation"
        );
        let all: rustc_hash::FxHashSet<Uuid> = index.ids.iter().copied().collect();
        index.retain(&all);
        assert_eq!(
            index.generation, before,
            "nothing dropped: the same generation"
        );
        let found = index.nearest(&vector(2), SemanticScope::default(), 1);
        assert_eq!(found.first().map(|(id, _)| *id), Some(Uuid::from_u128(2)));
        index.upsert(Uuid::from_u128(2), page.clone(), lang.clone(), &vector(9));
        assert!(index.generation > before, "a replaced vector");
        let replaced = index.generation;
        let fewer = all
            .iter()
            .copied()
            .filter(|id| *id != Uuid::from_u128(1))
            .collect();
        index.retain(&fewer);
        assert!(index.generation > replaced, "a dropped vector");
        assert_eq!(index.ids.len(), 3);
        assert_eq!(index.vectors.len(), 3 * 8);
        let found = index.nearest(&vector(9), SemanticScope::default(), 1);
        assert_eq!(found.first().map(|(id, _)| *id), Some(Uuid::from_u128(2)));
    }
}
