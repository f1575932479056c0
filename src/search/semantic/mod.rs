//! Semantic retrieval: an in-memory index of the embeddings of what readers see, derived from
//! PostgreSQL (`entry_embeddings`), and the background worker that keeps both current.
//!
//! The worker embeds every visible entry whose published version has no embedding of the
//! current source yet (a few at a time, on a blocking thread or from the embeddings endpoint:
//! readers never wait on it), stores the vectors, and pulls every vector of the current source
//! stored since its last look (its own and other instances') into the index. Vectors are kept
//! as 8-bit integers with a scale (384 bytes an entry for the in-process model): 100,000
//! entries take about 40 MB. A search is an exact scan (a dot product per entry) over the
//! entries in scope.
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
use sqlx::PgPool;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::search::embed::{self, EmbedError, Source};

/// Entries embedded per step of the worker.
const BATCH: i64 = 32;
/// How often entries readers no longer see are dropped from the index.
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// Stored vectors put into the in-memory index at a time.
const PULL_BATCH: usize = 2000;

/// The query cache's size, read once.
static CACHE_CAPACITY: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// How often an idle worker counts what waits and prunes.
const IDLE_PRUNE_EVERY: Duration = Duration::from_secs(2);
/// Query embeddings remembered (readers repeat queries); cleared when full.
const QUERY_CACHE: usize = 4096;
/// After a failed embedding, readers' queries skip the source this long (answered by words
/// at once rather than each waiting for the same timeout).
const QUERY_COOLDOWN: Duration = Duration::from_secs(5);
/// The worker's first pause after a failed embedding, doubled at each failure up to the most.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MOST: Duration = Duration::from_secs(60);

/// The index and the source that fills it.
pub struct SemanticIndex {
    source: Source,
    /// The name stored with this source's vectors (`Source::model`).
    model: String,
    index: RwLock<Index>,
    queries: Mutex<HashMap<String, Arc<Vec<f32>>>>,
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

/// What one step of the worker did.
enum Step {
    Idle,
    Worked,
    /// Embedding failed: retry later.
    Failed,
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
}

/// A stored vector, and the oldest transaction running when it was read (the next pull's
/// watermark).
type StoredVector = (Uuid, String, String, Vec<u8>, i64);

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
    fn retain(&mut self, live: &std::collections::HashSet<Uuid>) {
        let dim = self.dim;
        let mut kept = Index {
            dim,
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
    /// for benchmarks of the worst case). None when the source fails: the search is then by
    /// words alone.
    async fn query_vector(&self, text: &str) -> Option<Arc<Vec<f32>>> {
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
        let Some(query) = self.query_vector(text).await else {
            return Vec::new();
        };
        let this = self.clone();
        let (page, lang) = (scope.page.map(str::to_owned), scope.lang.map(str::to_owned));
        tokio::task::spawn_blocking(move || {
            let scope = SemanticScope {
                page: page.as_deref(),
                lang: lang.as_deref(),
            };
            this.nearest(&query, scope, k)
        })
        .await
        .unwrap_or_default()
    }

    /// The `k` entries in scope nearest to `query`, best first, with their cosine similarity.
    fn nearest(&self, query: &[f32], scope: SemanticScope<'_>, k: usize) -> Vec<(Uuid, f32)> {
        let Ok(index) = self.index.read() else {
            return Vec::new();
        };
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

    /// One step of the worker: embed what waits, then pull what was stored.
    async fn step(self: &Arc<Self>, pool: &PgPool) -> Result<Step, sqlx::Error> {
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
        .bind(&self.model)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        let mut step = Step::Idle;
        if !waiting.is_empty() {
            let texts: Vec<String> = waiting.iter().map(|(_, _, t)| t.clone()).collect();
            let embedded = match self.source.passages(texts).await {
                Ok(vectors) => vectors
                    .iter()
                    .try_for_each(|v| self.fit(v.len()))
                    .map(|()| vectors),
                Err(err) => Err(err),
            };
            match embedded {
                Ok(vectors) => {
                    self.succeeded();
                    self.store(pool, &waiting, &vectors).await?;
                    step = Step::Worked;
                }
                Err(err) => {
                    self.failed(&err);
                    step = Step::Failed;
                }
            }
        }
        self.pull(pool).await?;
        Ok(step)
    }

    /// Stores the vectors of the entries (id, version, text) of `embedded`, in their order.
    async fn store(
        &self,
        pool: &PgPool,
        embedded: &[(Uuid, i64, String)],
        vectors: &[Vec<f32>],
    ) -> Result<(), sqlx::Error> {
        let mut ids = Vec::new();
        let mut versions = Vec::new();
        let mut blobs: Vec<Vec<u8>> = Vec::new();
        for ((id, version, _), vector) in embedded.iter().zip(vectors) {
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
                 embedding = EXCLUDED.embedding, embedded_at = clock_timestamp(),
                 xid = pg_current_xact_id()",
        )
        .bind(&ids)
        .bind(&versions)
        .bind(&blobs)
        .bind(&self.model)
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Loads every vector of this source stored since the last pull (all of them the first
    /// time). Vectors of another source are never loaded; stored vectors of another dimension
    /// are skipped (and reported once).
    async fn pull(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        use futures_util::TryStreamExt;
        let since = self.index.read().ok().and_then(|i| i.watermark);
        // Streamed and applied a batch at a time: the stored vectors (4 bytes a dimension)
        // are never all in memory at once, only their 8-bit copies.
        let mut rows = sqlx::query_as::<_, StoredVector>(
            "SELECT ee.entry_id, p.slug, p.lang, ee.embedding,
                    pg_snapshot_xmin(pg_current_snapshot())::text::int8
             FROM entry_embeddings ee
             JOIN entries e ON e.id = ee.entry_id
             JOIN pages p ON p.id = e.page_id
             WHERE ee.model = $1 AND ($2::int8 IS NULL OR ee.xid >= $2::int8::text::xid8)
             ORDER BY ee.xid",
        )
        .bind(&self.model)
        .bind(since)
        .fetch(pool);
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        let mut mismatch = None;
        let mut batch = Vec::with_capacity(PULL_BATCH);
        loop {
            let row = rows.try_next().await?;
            let done = row.is_none();
            batch.extend(row);
            if batch.len() < PULL_BATCH && !done {
                continue;
            }
            self.apply(std::mem::take(&mut batch), &mut names, &mut mismatch);
            if done {
                break;
            }
        }
        if let Some(got) = mismatch
            && !self
                .stored_mismatch_logged
                .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            let expected = self.index.read().map_or(0, |i| i.dim);
            tracing::warn!(model = %self.model, "semantic index: stored vectors skipped: {}",
                EmbedError::Dimension { expected, got });
        }
        Ok(())
    }

    /// Puts stored vectors into the in-memory index.
    fn apply(
        &self,
        rows: Vec<StoredVector>,
        names: &mut HashMap<String, Arc<str>>,
        mismatch: &mut Option<usize>,
    ) {
        let mut intern = |s: String| names.entry(s.clone()).or_insert_with(|| s.into()).clone();
        let Ok(mut index) = self.index.write() else {
            return;
        };
        for (id, page, lang, blob, at) in rows {
            // Every row a later pull could miss was written by a transaction not older than
            // the oldest one running now: the next pull starts there.
            index.watermark = Some(index.watermark.map_or(at, |w| w.max(at)));
            // A source that did not tell its dimension: the stored vectors tell it.
            if index.dim == 0 && !blob.is_empty() && blob.len() % 4 == 0 {
                index.dim = blob.len() / 4;
            }
            if blob.len() != index.dim * 4 {
                *mismatch = Some(blob.len() / 4);
                continue;
            }
            let vector: Vec<f32> = blob
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect();
            let (page, lang) = (intern(page), intern(lang));
            index.upsert(id, page, lang, &vector);
        }
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
        .bind(&self.model)
        .fetch_one(pool)
        .await?;
        self.pending
            .store(pending, std::sync::atomic::Ordering::Relaxed);
        let live: std::collections::HashSet<Uuid> = live.into_iter().collect();
        if let Ok(mut index) = self.index.write() {
            index.retain(&live);
        }
        Ok(())
    }
}

/// Starts the worker that keeps `index` current, for the life of the process.
pub fn spawn_worker(index: Arc<SemanticIndex>, pool: PgPool) {
    tokio::spawn(async move {
        let mut last_prune: Option<Instant> = None;
        let mut retry = RETRY_FIRST;
        loop {
            if pool.is_closed() {
                break;
            }
            let step = match index.step(&pool).await {
                Ok(step) => step,
                Err(err) if crate::db::shutting_down(&pool, &err) => break,
                Err(err) => {
                    tracing::warn!(error = %err, "semantic index: cannot reach the database");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            // Busy: prune now and then; idle or failing: every few seconds, so that `pending`
            // is fresh.
            let every = match step {
                Step::Worked => PRUNE_EVERY,
                Step::Idle | Step::Failed => IDLE_PRUNE_EVERY,
            };
            if last_prune.is_none_or(|t| t.elapsed() >= every) {
                if let Err(err) = index.prune(&pool).await
                    && !crate::db::shutting_down(&pool, &err)
                {
                    tracing::warn!(error = %err, "semantic index: prune failed");
                }
                last_prune = Some(Instant::now());
            }
            match step {
                Step::Worked => retry = RETRY_FIRST,
                Step::Idle => {
                    retry = RETRY_FIRST;
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                // The failure is logged once per outage (`failed`); retry after a pause that
                // grows while it lasts.
                Step::Failed => {
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_MOST);
                }
            }
        }
    });
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

/// Sets up semantic search if it is on: the endpoint when `FAQD_EMBEDDINGS_URL` is set, else
/// the installed model. A model (or word lists) not installed yet is fetched in the background
/// ([`crate::search::embed::models`]) unless `FAQD_MODELS_INSTALL=off`: searches use words meanwhile, and the
/// index goes live when the model is in place. Says once why search is by words otherwise.
pub fn start(settings: &crate::config::ServeSettings, pool: &PgPool) -> Arc<Semantic> {
    if !settings.embeddings {
        tracing::info!("semantic search is off (FAQD_EMBEDDINGS=off): searching by words only");
        return Arc::new(Semantic::off());
    }
    let words = (!crate::search::embed::models::WORD_LISTS.installed(&settings.lexicons))
        .then(|| settings.lexicons.clone());
    if let Some(url) = &settings.embeddings_url {
        provision_in_background(settings, words, None, None);
        return match embed::remote::Remote::new(
            url,
            settings.embeddings_api_key.clone(),
            settings.embeddings_remote_model.clone(),
            Duration::from_millis(u64::from(settings.embeddings_timeout_ms.max(1))),
        ) {
            Ok(remote) => {
                tracing::info!(model = remote.model(), endpoint = %remote.url_for_logs(),
                    "semantic search on, embeddings from the endpoint");
                let index = Arc::new(SemanticIndex::new(Source::Remote(remote)));
                spawn_worker(index.clone(), pool.clone());
                Arc::new(Semantic::live(index))
            }
            Err(why) => {
                let semantic = Semantic::waiting(None);
                semantic.give_up(why);
                Arc::new(semantic)
            }
        };
    }
    let dir = &settings.embeddings_model;
    if crate::search::embed::models::EMBEDDING_MODEL.installed(dir) {
        let semantic = Arc::new(Semantic::waiting(None));
        go_live(&semantic, dir, pool);
        provision_in_background(settings, words, None, None);
        return semantic;
    }
    let semantic = Arc::new(Semantic::waiting(None));
    if !settings.models_install {
        semantic.give_up(
            crate::search::embed::models::EMBEDDING_MODEL
                .missing_line(dir, "FAQD_MODELS_INSTALL is off"),
        );
        return semantic;
    }
    tracing::info!(
        dir = %dir.display(),
        "semantic search: fetching the embedding model in the background (the first start on \
         this machine); searching by words meanwhile"
    );
    provision_in_background(
        settings,
        words,
        Some(dir.clone()),
        Some((semantic.clone(), pool.clone())),
    );
    semantic
}

/// Loads the installed model and starts the worker: semantic search is live.
fn go_live(semantic: &Semantic, dir: &std::path::Path, pool: &PgPool) {
    match embed::shared(dir) {
        Ok(embedder) => {
            let index = Arc::new(SemanticIndex::new(Source::Local(embedder)));
            spawn_worker(index.clone(), pool.clone());
            if semantic.index.set(index).is_ok() {
                tracing::info!(model = embed::MODEL, dir = %dir.display(),
                    "semantic search is live: entries are embedded in the background");
            }
        }
        Err(why) => semantic.give_up(why),
    }
}

/// Fetches what is missing — the word lists (`words`), then the model (`model`) — on a
/// blocking thread; the word lists are read again once in place, and semantic search goes
/// live once the model is (`live`).
fn provision_in_background(
    settings: &crate::config::ServeSettings,
    words: Option<std::path::PathBuf>,
    model: Option<std::path::PathBuf>,
    live: Option<(Arc<Semantic>, PgPool)>,
) {
    if !settings.models_install || (words.is_none() && model.is_none()) {
        return;
    }
    tokio::spawn(async move {
        let fetched = tokio::task::spawn_blocking(move || {
            if let Some(dir) = &words {
                match crate::search::embed::models::WORD_LISTS.install(dir) {
                    Ok(()) => crate::search::lexicon::reload(),
                    Err(err) => tracing::warn!(
                        "{}; typo correction may meanwhile rewrite a real word the pages lack",
                        crate::search::embed::models::WORD_LISTS
                            .missing_line(dir, &err.to_string())
                    ),
                }
            }
            model.map(|dir| {
                crate::search::embed::models::EMBEDDING_MODEL
                    .install(&dir)
                    .map(|()| dir.clone())
                    .map_err(|err| {
                        crate::search::embed::models::EMBEDDING_MODEL
                            .missing_line(&dir, &err.to_string())
                    })
            })
        })
        .await;
        let Some((semantic, pool)) = live else {
            return;
        };
        match fetched {
            Ok(Some(Ok(dir))) => go_live(&semantic, &dir, &pool),
            Ok(Some(Err(why))) => semantic.give_up(why),
            Ok(None) => {}
            Err(err) => semantic.give_up(format!("the model's install stopped: {err}")),
        }
    });
}

/// A vector as 8-bit integers and the scale that turns them back (`v ≈ q × scale`).
fn quantise(v: &[f32]) -> (Vec<i8>, f32) {
    let max = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max == 0.0 || !max.is_finite() {
        return (vec![0; v.len()], 0.0);
    }
    let scale = max / 127.0;
    let q = v
        .iter()
        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (q, scale)
}

/// The dot product of two 8-bit vectors, exact in 32 bits (384 × 127² < 2³¹): with AVX2
/// where the processor has it (twice the lanes of the baseline SSE2 build), checked once.
fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        static AVX2: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        if *AVX2.get_or_init(|| std::arch::is_x86_feature_detected!("avx2")) {
            // SAFETY: the processor has AVX2 (checked above); the function is plain Rust.
            return unsafe { dot_i8_avx2(a, b) };
        }
    }
    dot_i8_portable(a, b)
}

#[inline(always)]
fn dot_i8_portable(a: &[i8], b: &[i8]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| i32::from(*x) * i32::from(*y))
        .sum()
}

/// [`dot_i8_portable`], compiled for AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(a: &[i8], b: &[i8]) -> i32 {
    dot_i8_portable(a, b)
}

#[cfg(test)]
mod quantised_tests {
    use super::*;

    #[test]
    fn quantised_dot_products_stay_close_to_the_float_ones() {
        let a: Vec<f32> = (0..384)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let b: Vec<f32> = (0..384)
            .map(|i| ((i * 53 % 89) as f32 - 44.0) / 44.0)
            .collect();
        let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
        let (a, b): (Vec<f32>, Vec<f32>) = (
            a.iter().map(|x| x / norm(&a)).collect(),
            b.iter().map(|x| x / norm(&b)).collect(),
        );
        let exact: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        let ((qa, sa), (qb, sb)) = (quantise(&a), quantise(&b));
        let approx = dot_i8(&qa, &qb) as f32 * sa * sb;
        assert!((exact - approx).abs() < 0.01, "{exact} vs {approx}");
        assert_eq!(quantise(&[0.0; 4]).1, 0.0);
    }
}
