//! Semantic retrieval: an in-memory index of the embeddings of what readers see, derived from
//! PostgreSQL (`entry_embeddings`), and the background worker that keeps both current.
//!
//! The worker embeds every visible entry whose published version has no embedding yet (a few
//! at a time, on a blocking thread: readers never wait on it), stores the vectors, and pulls
//! every vector stored since its last look (its own and other instances') into the index.
//! Vectors are kept as 8-bit integers with a scale (384 bytes an entry): 100,000 entries take
//! about 40 MB. A search is an exact scan (a dot product per entry) over the entries in scope.
//!
//! The index may briefly hold an entry readers no longer see (unpublished, deleted, its page
//! turned draft): hits are always read back through `live_entries`, so such an entry is never
//! shown; the worker drops it at its next prune.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::embed::{self, Embedder, MODEL};

/// Entries embedded per step of the worker.
const BATCH: i64 = 32;
/// How often entries readers no longer see are dropped from the index.
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// The query cache's size, read once.
static CACHE_CAPACITY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// How often an idle worker counts what waits and prunes.
const IDLE_PRUNE_EVERY: Duration = Duration::from_secs(2);
/// Query embeddings remembered (readers repeat queries); cleared when full.
const QUERY_CACHE: usize = 4096;

/// The index and the model that fills it.
pub struct SemanticIndex {
    embedder: Arc<Embedder>,
    index: RwLock<Index>,
    queries: Mutex<HashMap<String, Arc<Vec<f32>>>>,
    /// Visible entries still waiting for an embedding, as last counted by the worker.
    pending: std::sync::atomic::AtomicI64,
}

#[derive(Default)]
struct Index {
    ids: Vec<Uuid>,
    pages: Vec<Arc<str>>,
    langs: Vec<Arc<str>>,
    scales: Vec<f32>,
    /// `ids.len() × dim` quantised components.
    vectors: Vec<i8>,
    position: HashMap<Uuid, usize>,
    watermark: Option<DateTime<Utc>>,
}

/// An embedding as stored: entry, page slug, page language, vector bytes, when.
type StoredVector = (Uuid, String, String, Vec<u8>, DateTime<Utc>);

/// Where a semantic search looks.
#[derive(Debug, Default, Clone, Copy)]
pub struct SemanticScope<'a> {
    pub page: Option<&'a str>,
    pub lang: Option<&'a str>,
}

/// What `/readyz` says of semantic search.
#[derive(Debug, Serialize, ToSchema)]
pub struct SemanticStatus {
    #[schema(example = "multilingual-e5-small-q4")]
    pub model: &'static str,
    /// Entries in the index.
    pub indexed: usize,
    /// Visible entries not embedded yet.
    pub pending: i64,
}

impl Index {
    fn upsert(&mut self, id: Uuid, page: Arc<str>, lang: Arc<str>, vector: &[f32], dim: usize) {
        let max = vector.iter().fold(0f32, |m, x| m.max(x.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let quantised = vector
            .iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8);
        match self.position.get(&id) {
            Some(&at) => {
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
    fn retain(&mut self, live: &std::collections::HashSet<Uuid>, dim: usize) {
        let mut kept = Index {
            watermark: self.watermark,
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
    pub fn new(embedder: Arc<Embedder>) -> Self {
        Self {
            embedder,
            index: RwLock::new(Index::default()),
            queries: Mutex::new(HashMap::new()),
            pending: std::sync::atomic::AtomicI64::new(0),
        }
    }

    pub fn status(&self) -> SemanticStatus {
        SemanticStatus {
            model: MODEL,
            indexed: self.index.read().map_or(0, |i| i.ids.len()),
            pending: self.pending.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The embedding of a query, remembered (`FAQD_QUERY_EMBEDDING_CACHE=0` turns that off,
    /// for benchmarks of the worst case).
    fn query_vector(&self, text: &str) -> Option<Arc<Vec<f32>>> {
        let key = text.trim().to_lowercase();
        let capacity = *CACHE_CAPACITY.get_or_init(|| {
            std::env::var("FAQD_QUERY_EMBEDDING_CACHE")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(QUERY_CACHE)
        });
        if let Some(found) = self.queries.lock().ok()?.get(&key) {
            return Some(found.clone());
        }
        let vector = Arc::new(self.embedder.query(&key)?);
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
    /// Blocking (it may embed the query): call it from a blocking thread.
    pub fn search(&self, text: &str, scope: SemanticScope<'_>, k: usize) -> Vec<(Uuid, f32)> {
        let Some(query) = self.query_vector(text) else {
            return Vec::new();
        };
        let Ok(index) = self.index.read() else {
            return Vec::new();
        };
        let dim = self.embedder.dim();
        let mut scored: Vec<(f32, usize)> = Vec::with_capacity(index.ids.len().min(4096));
        for at in 0..index.ids.len() {
            if scope.page.is_some_and(|p| *index.pages[at] != *p)
                || scope.lang.is_some_and(|l| *index.langs[at] != *l)
            {
                continue;
            }
            let row = &index.vectors[at * dim..(at + 1) * dim];
            let dot: f32 = row
                .iter()
                .zip(query.iter())
                .map(|(a, b)| f32::from(*a) * b)
                .sum();
            scored.push((dot * index.scales[at], at));
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

    /// One step of the worker: embed what waits, then pull what was stored. Returns whether
    /// there was work.
    async fn step(self: &Arc<Self>, pool: &PgPool) -> Result<bool, sqlx::Error> {
        let waiting: Vec<(Uuid, i64, String)> = sqlx::query_as(
            // The text is built for the chosen few only, not for every waiting entry.
            "SELECT w.id, w.version, le.question || E'\\n' || faqd_html_text(le.answer_html)
             FROM (SELECT le.id, le.version
                   FROM live_entries le
                   LEFT JOIN entry_embeddings ee
                          ON ee.entry_id = le.id AND ee.model = $1 AND ee.version = le.version
                   WHERE ee.entry_id IS NULL
                   LIMIT $2) w
             JOIN live_entries le ON le.id = w.id",
        )
        .bind(MODEL)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        let worked = !waiting.is_empty();
        if worked {
            let this = self.clone();
            let texts: Vec<String> = waiting.iter().map(|(_, _, t)| t.clone()).collect();
            let vectors = tokio::task::spawn_blocking(move || this.embedder.passages(&texts))
                .await
                .ok()
                .flatten()
                .unwrap_or_default();
            let mut ids = Vec::new();
            let mut versions = Vec::new();
            let mut blobs: Vec<Vec<u8>> = Vec::new();
            for ((id, version, _), vector) in waiting.iter().zip(vectors) {
                ids.push(*id);
                versions.push(*version);
                blobs.push(vector.iter().flat_map(|x| x.to_le_bytes()).collect());
            }
            sqlx::query(
                "INSERT INTO entry_embeddings (entry_id, version, model, embedding)
                 SELECT v.id, v.version, $4, v.embedding
                 FROM unnest($1::uuid[], $2::int8[], $3::bytea[]) AS v(id, version, embedding)
                 JOIN entries e ON e.id = v.id
                 ON CONFLICT (entry_id) DO UPDATE
                 SET version = EXCLUDED.version, model = EXCLUDED.model,
                     embedding = EXCLUDED.embedding, embedded_at = clock_timestamp()",
            )
            .bind(&ids)
            .bind(&versions)
            .bind(&blobs)
            .bind(MODEL)
            .execute(pool)
            .await?;
        }
        self.pull(pool).await?;
        Ok(worked)
    }

    /// Loads every vector stored since the last pull (all of them the first time).
    async fn pull(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let since = self.index.read().ok().and_then(|i| i.watermark);
        let rows: Vec<StoredVector> = sqlx::query_as(
            "SELECT ee.entry_id, p.slug, p.lang, ee.embedding, ee.embedded_at
             FROM entry_embeddings ee
             JOIN entries e ON e.id = ee.entry_id
             JOIN pages p ON p.id = e.page_id
             WHERE ee.model = $1 AND ($2::timestamptz IS NULL OR ee.embedded_at >= $2)
             ORDER BY ee.embedded_at",
        )
        .bind(MODEL)
        .bind(since)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let dim = self.embedder.dim();
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        let mut intern = |s: String| names.entry(s.clone()).or_insert_with(|| s.into()).clone();
        let Ok(mut index) = self.index.write() else {
            return Ok(());
        };
        for (id, page, lang, blob, at) in rows {
            if blob.len() != dim * 4 {
                continue;
            }
            let vector: Vec<f32> = blob
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let (page, lang) = (intern(page), intern(lang));
            index.upsert(id, page, lang, &vector, dim);
            index.watermark = Some(index.watermark.map_or(at, |w| w.max(at)));
        }
        Ok(())
    }

    /// Drops entries readers no longer see, and counts those waiting for an embedding.
    async fn prune(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        let live: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM live_entries")
            .fetch_all(pool)
            .await?;
        let pending: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM live_entries le
             LEFT JOIN entry_embeddings ee
                    ON ee.entry_id = le.id AND ee.model = $1 AND ee.version = le.version
             WHERE ee.entry_id IS NULL",
        )
        .bind(MODEL)
        .fetch_one(pool)
        .await?;
        self.pending
            .store(pending, std::sync::atomic::Ordering::Relaxed);
        let live: std::collections::HashSet<Uuid> = live.into_iter().collect();
        let dim = self.embedder.dim();
        if let Ok(mut index) = self.index.write() {
            index.retain(&live, dim);
        }
        Ok(())
    }
}

/// Starts the worker that keeps `index` current, for the life of the process.
pub fn spawn_worker(index: Arc<SemanticIndex>, pool: PgPool) {
    tokio::spawn(async move {
        let mut last_prune: Option<Instant> = None;
        loop {
            if pool.is_closed() {
                break;
            }
            let worked = match index.step(&pool).await {
                Ok(worked) => worked,
                Err(err) => {
                    tracing::warn!(error = %err, "semantic index: cannot reach the database");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            // Busy: prune now and then; idle: every few seconds, so that `pending` is fresh.
            let every = if worked {
                PRUNE_EVERY
            } else {
                IDLE_PRUNE_EVERY
            };
            if last_prune.is_none_or(|t| t.elapsed() >= every) {
                if let Err(err) = index.prune(&pool).await {
                    tracing::warn!(error = %err, "semantic index: prune failed");
                }
                last_prune = Some(Instant::now());
            }
            if !worked {
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    });
}

/// Loads the model if semantic search is on, saying once why search is lexical otherwise.
pub fn start(settings: &crate::config::ServeSettings, pool: &PgPool) -> Option<Arc<SemanticIndex>> {
    if !settings.embeddings {
        tracing::info!("semantic search is off (FAQD_EMBEDDINGS=off): searching by words only");
        return None;
    }
    match embed::shared(&settings.embeddings_model) {
        Ok(embedder) => {
            tracing::info!(model = MODEL, dir = %settings.embeddings_model.display(), "semantic search on");
            let index = Arc::new(SemanticIndex::new(embedder));
            spawn_worker(index.clone(), pool.clone());
            Some(index)
        }
        Err(why) => {
            tracing::warn!("semantic search is off, searching by words only: {why}");
            None
        }
    }
}
