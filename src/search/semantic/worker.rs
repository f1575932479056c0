//! Keeping the index current: the worker that embeds what waits and pulls what was stored,
//! and the start of semantic search (the model fetched in the background when missing).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use uuid::Uuid;

use crate::events::signal::ChangeSignal;
use crate::search::embed::{self, EmbedError, Source};

use super::postgres::{self, StoredVector};
use super::{Semantic, SemanticIndex};

/// Entries embedded per step of the worker.
const BATCH: i64 = 32;
/// How often entries readers no longer see are dropped from the index.
const PRUNE_EVERY: Duration = Duration::from_secs(30);
/// Stored vectors put into the in-memory index at a time.
const PULL_BATCH: usize = 2000;
/// How often an idle worker counts what waits and prunes.
const IDLE_PRUNE_EVERY: Duration = Duration::from_secs(2);
/// The worker's first pause after a failed embedding, doubled at each failure up to the most.
const RETRY_FIRST: Duration = Duration::from_secs(1);
const RETRY_MOST: Duration = Duration::from_secs(60);

/// What one step of the worker did.
enum Step {
    Idle,
    Worked,
    /// Embedding failed: retry later.
    Failed,
}

impl SemanticIndex {
    /// One step of the worker: embed what waits (unless nothing can: `look` false), then pull
    /// what was stored.
    async fn step(self: &Arc<Self>, pool: &PgPool, look: bool) -> Result<Step, sqlx::Error> {
        let waiting = if look {
            postgres::waiting(pool, &self.model, BATCH).await?
        } else {
            Vec::new()
        };
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
                    // The engine's buffers for the batch (tens of MB for 32 texts, in the
                    // arenas of its threads) go back to the system, not into the resident size.
                    crate::search::memory::release_free_memory();
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
        postgres::store_vectors(pool, &self.model, &ids, &versions, &blobs).await
    }

    /// Loads every vector of this source stored since the last pull (all of them the first
    /// time). Vectors of another source are never loaded; stored vectors of another dimension
    /// are skipped (and reported once).
    async fn pull(&self, pool: &PgPool) -> Result<(), sqlx::Error> {
        use futures_util::TryStreamExt;
        let since = self.index.read().ok().and_then(|i| i.watermark);
        // Streamed and applied a batch at a time: the stored vectors (4 bytes a dimension)
        // are never all in memory at once, only their 8-bit copies.
        let mut rows = postgres::stored_since(pool, &self.model, since);
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        let mut mismatch = None;
        let mut batch = Vec::with_capacity(PULL_BATCH);
        let mut applied = false;
        loop {
            let row = rows.try_next().await?;
            let done = row.is_none();
            batch.extend(row);
            if batch.len() < PULL_BATCH && !done {
                continue;
            }
            applied |= !batch.is_empty();
            self.apply(std::mem::take(&mut batch), &mut names, &mut mismatch);
            if done {
                // The stored vectors read (4 bytes a component) are freed: give them back.
                if applied {
                    crate::search::memory::release_free_memory();
                }
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

    /// Drops entries readers no longer see, and counts those waiting for an embedding (the
    /// count is returned).
    async fn prune(&self, pool: &PgPool) -> Result<i64, sqlx::Error> {
        let live = postgres::live_ids(pool).await?;
        let pending = postgres::count_waiting(pool, &self.model).await?;
        self.pending
            .store(pending, std::sync::atomic::Ordering::Relaxed);
        let live: rustc_hash::FxHashSet<Uuid> = live.into_iter().collect();
        if let Ok(mut index) = self.index.write() {
            index.retain(&live);
        }
        Ok(pending)
    }
}

/// Starts the worker that keeps `index` current, for the life of the process.
///
/// Once a prune found nothing waiting, the worker only pulls (other instances' vectors) until
/// the change signal moves (a change committed or announced, the listener lost or back) or
/// [`PRUNE_EVERY`] has passed: looking for entries to embed, counting them and listing every
/// live entry are scans of every entry (about a second of PostgreSQL's time every two seconds
/// at 100,000 entries), and nothing readers see changes without a change.
pub fn spawn_worker(index: Arc<SemanticIndex>, pool: PgPool, changes: Arc<ChangeSignal>) {
    tokio::spawn(async move {
        let mut last_prune: Option<Instant> = None;
        // The change signal's generation before the last prune that found nothing waiting.
        let mut settled: Option<u64> = None;
        let mut retry = RETRY_FIRST;
        loop {
            if pool.is_closed() {
                break;
            }
            let generation = changes.generation();
            let quiet = changes.is_live()
                && settled == Some(generation)
                && last_prune.is_some_and(|t| t.elapsed() < PRUNE_EVERY);
            let step = match index.step(&pool, !quiet).await {
                Ok(step) => step,
                Err(err) if crate::store::shutting_down(&pool, &err) => break,
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
            if !quiet && last_prune.is_none_or(|t| t.elapsed() >= every) {
                settled = None;
                match index.prune(&pool).await {
                    Ok(0) => settled = Some(generation),
                    Ok(_) => {}
                    Err(err) if crate::store::shutting_down(&pool, &err) => {}
                    Err(err) => tracing::warn!(error = %err, "semantic index: prune failed"),
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

/// Sets up semantic search if it is on: the endpoint when `FAQD_EMBEDDINGS_URL` is set, else
/// the installed model. A model (or word lists) not installed yet is fetched in the background
/// ([`crate::search::embed::models`]) unless `FAQD_MODELS_INSTALL=off`: searches use words meanwhile, and the
/// index goes live when the model is in place. Says once why search is by words otherwise.
pub fn start(
    settings: &crate::config::ServeSettings,
    pool: &PgPool,
    changes: &Arc<ChangeSignal>,
) -> Arc<Semantic> {
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
                spawn_worker(index.clone(), pool.clone(), changes.clone());
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
        go_live(&semantic, dir, pool, changes);
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
        Some((semantic.clone(), pool.clone(), changes.clone())),
    );
    semantic
}

/// Loads the installed model and starts the worker: semantic search is live.
fn go_live(semantic: &Semantic, dir: &std::path::Path, pool: &PgPool, changes: &Arc<ChangeSignal>) {
    match embed::shared(dir) {
        Ok(embedder) => {
            let index = Arc::new(SemanticIndex::new(Source::Local(embedder)));
            spawn_worker(index.clone(), pool.clone(), changes.clone());
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
    live: Option<(Arc<Semantic>, PgPool, Arc<ChangeSignal>)>,
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
        let Some((semantic, pool, changes)) = live else {
            return;
        };
        match fetched {
            Ok(Some(Ok(dir))) => go_live(&semantic, &dir, &pool, &changes),
            Ok(Some(Err(why))) => semantic.give_up(why),
            Ok(None) => {}
            Err(err) => semantic.give_up(format!("the model's install stopped: {err}")),
        }
    });
}
