//! Building the index from PostgreSQL and keeping it current from the change log.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tantivy::tokenizer::TokenStream;
use tantivy::{IndexWriter, Term, doc};
use uuid::Uuid;

use crate::events::signal::ChangeSignal;

use super::postgres::{self, DocRow, PageRow};
use super::{DocMeta, LexicalIndex, PageMeta, Progress};

/// A hole in the change log's ids older than this is a rolled-back transaction's.
pub(super) const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// How long changes are gathered before the index takes them in (a search that must see
/// them does not wait for it: it asks for a pass at once).
const SYNC_DELAY: Duration = Duration::from_millis(100);
/// Documents added to the index at a time while it is built.
const BUILD_BATCH: usize = 1000;
/// How long a search waits for the index to catch up before searching in PostgreSQL.
const CATCH_UP_WAIT: Duration = Duration::from_millis(1500);

impl LexicalIndex {
    /// Asks for a pass and waits until one that began from now on is done (or `enough`).
    pub(super) async fn next_pass(&self, enough: impl Fn() -> bool) -> bool {
        // A pass that begins from now on reads every change committed before now: when it
        // is done, the index holds them.
        let ticket = self.passes_begun.load(Ordering::Acquire) + 1;
        let deadline = tokio::time::Instant::now() + CATCH_UP_WAIT;
        loop {
            let done = self.done.notified();
            tokio::pin!(done);
            done.as_mut().enable();
            self.wake.notify_one();
            if self.passes_done.load(Ordering::Acquire) >= ticket || enough() {
                return true;
            }
            if tokio::time::timeout_at(deadline, done).await.is_err() {
                return false;
            }
        }
    }

    /// Builds the index from a consistent snapshot of the database.
    pub(super) async fn build(&self, pool: &PgPool) -> anyhow::Result<()> {
        let generation = self.signal.generation();
        let mut tx = postgres::snapshot(pool).await?;
        let newest = crate::store::changes::newest_id(&mut *tx).await?;
        // Transactions still open at the snapshot may commit ids below `newest` later: the
        // recent ids present are remembered, and the holes between them are waited for.
        let floor = (newest - 1000).max(0);
        let recent = postgres::change_ids_above(&mut tx, floor).await?;
        let pages = postgres::all_pages(&mut tx).await?;
        crate::search::lexicon::warm(pages.iter().map(|page| page.2.as_str()));
        let this_pages: HashMap<i64, PageMeta> = pages.into_iter().map(page_meta).collect();
        // No merges while the index fills: it is merged once, whole, when built.
        self.lock_writer()
            .set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        self.lock_writer().delete_all_documents()?;
        self.clear_docs();
        self.vocabulary.clear();
        // Read into the index a batch at a time: the corpus is never held twice.
        let mut count = 0;
        let mut after = None;
        loop {
            let batch = postgres::docs_after(&mut tx, after, BUILD_BATCH as i64).await?;
            let Some(last) = batch.last() else { break };
            after = Some(last.entry_id);
            let full = batch.len() == BUILD_BATCH;
            count += batch.len();
            self.add_docs(batch)?;
            if !full {
                break;
            }
        }
        tx.commit().await?;
        self.commit()?;
        self.merge_all();
        if let Ok(mut pages) = self.pages.write() {
            pages.by_id = this_pages;
            pages.refresh();
        }
        {
            let mut progress = self.lock_progress();
            progress.contiguous = floor;
            progress.seen = recent.into_iter().collect();
            progress.gap_since = None;
            advance(&mut progress);
            self.contiguous
                .store(progress.contiguous, Ordering::Release);
        }
        tracing::info!(entries = count, "search index built");
        crate::search::memory::release_free_memory();
        self.synced_generation
            .fetch_max(generation, Ordering::AcqRel);
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    /// Merges every segment into one, makes searches read it, and lets tantivy merge the
    /// segments of later commits again. The build leaves a segment per few thousand documents;
    /// one segment is searched faster (each term is looked up once, not once per segment),
    /// and a merge in the background would keep both the merged segments (in the reader,
    /// reloaded only at the next change) and their merge (in the directory) in memory.
    fn merge_all(&self) {
        let mut writer = self.lock_writer();
        let merged = match writer.index().searchable_segment_ids() {
            Ok(ids) if ids.len() > 1 => writer.merge(&ids).wait().map(|_| ()),
            Ok(_) => Ok(()),
            Err(err) => Err(err),
        };
        writer.set_merge_policy(Box::<tantivy::indexer::LogMergePolicy>::default());
        drop(writer);
        if let Err(err) = merged.and_then(|()| self.reader.reload()) {
            tracing::warn!(error = %err, "merging the search index failed; searching its segments");
        }
    }

    pub(super) fn clear_docs(&self) {
        if let Ok(mut map) = self.docs.write() {
            map.clear();
        }
        if let Ok(mut completions) = self.completions.write() {
            completions.clear();
        }
    }

    pub(super) fn lock_writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn lock_progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn add_docs(&self, docs: Vec<DocRow>) -> tantivy::Result<()> {
        let f = &self.fields;
        let mut metas = Vec::with_capacity(docs.len());
        let mut words: HashMap<&'static str, HashSet<String>> = HashMap::new();
        // A page's slug and language, once for all its entries.
        let mut shared: HashMap<String, Arc<str>> = HashMap::new();
        let mut share = |text: String| -> Arc<str> {
            match shared.get(&text) {
                Some(one) => one.clone(),
                None => {
                    let one: Arc<str> = Arc::from(text.as_str());
                    shared.insert(text, one.clone());
                    one
                }
            }
        };
        {
            let writer = self.lock_writer();
            let mut surface = self.surface.clone();
            for row in docs {
                let Some((config, cf)) = f.by_config.get_key_value(row.config.as_str()) else {
                    continue;
                };
                let seen = words.entry(config).or_default();
                for text in [&row.question, &row.answer] {
                    let mut stream = surface.token_stream(text);
                    while stream.advance() {
                        let word = &stream.token().text;
                        if !seen.contains(word) {
                            seen.insert(word.clone());
                        }
                    }
                }
                let (high, low) = row.entry_id.as_u64_pair();
                let mut document = doc!(
                    f.id => row.entry_id.to_string(),
                    f.id_high => high,
                    f.id_low => low,
                    f.page_id => row.page_id.to_string(),
                    f.page => row.page.as_str(),
                    f.lang => row.lang.as_str(),
                    f.answer => row.answer.clone(),
                    cf.question => row.question.clone(),
                    cf.answer => row.answer,
                );
                // No section is the empty one (`section=` finds the entries without one).
                document.add_text(f.section, row.section.as_deref().unwrap_or(""));
                for tag in &row.tags {
                    document.add_text(f.tag, tag);
                }
                writer.add_document(document)?;
                metas.push((
                    row.entry_id,
                    Arc::new(DocMeta {
                        page_id: row.page_id,
                        page: share(row.page),
                        lang: share(row.lang),
                        config,
                        slug: row.slug,
                        question_lower: row.question.to_lowercase().into_boxed_str(),
                        question: row.question,
                        section: row.section,
                        tags: row.tags,
                    }),
                ));
            }
        }
        if let Ok(mut completions) = self.completions.write() {
            for (id, meta) in &metas {
                completions.insert(*id, meta.clone());
            }
        }
        if let Ok(mut map) = self.docs.write() {
            map.extend(metas);
        }
        for (config, words) in words {
            self.vocabulary
                .add(config, words.iter().map(String::as_str));
        }
        Ok(())
    }

    pub(super) fn commit(&self) -> tantivy::Result<()> {
        self.lock_writer().commit()?;
        if let Ok(mut completions) = self.completions.write() {
            completions.settle();
        }
        self.reader.reload()
    }

    /// One sync pass: applies every change committed since the last one.
    pub(super) async fn sync(&self, pool: &PgPool) -> anyhow::Result<()> {
        let generation = self.signal.generation();
        let begun = self.passes_begun.fetch_add(1, Ordering::AcqRel) + 1;
        let result = self.sync_inner(pool).await;
        // A failed pass holds nothing new: searches waiting for it keep waiting (and search
        // in PostgreSQL when their wait ends).
        if result.is_ok() {
            self.synced_generation
                .fetch_max(generation, Ordering::AcqRel);
            self.passes_done.fetch_max(begun, Ordering::AcqRel);
        }
        self.done.notify_waiters();
        result
    }

    pub(super) async fn sync_inner(&self, pool: &PgPool) -> anyhow::Result<()> {
        let after = self.lock_progress().contiguous;
        let rows = postgres::changes_above(pool, after).await?;
        let mut entries: HashSet<Uuid> = HashSet::new();
        let mut whole_pages: HashSet<i64> = HashSet::new();
        let mut pages: HashSet<i64> = HashSet::new();
        let mut ids = Vec::new();
        {
            let progress = self.lock_progress();
            for (id, entry, page, kind) in rows {
                if progress.seen.contains(&id) {
                    continue;
                }
                ids.push(id);
                // Reader feedback changes nothing searched.
                if kind == "entry.feedback" {
                    continue;
                }
                // Every change can move the page's Last-Modified; a change of the page itself
                // (visibility, language, an import, a reorder) can change any of its entries.
                pages.insert(page);
                match entry {
                    Some(entry) if kind.starts_with("entry.") => {
                        entries.insert(entry);
                    }
                    _ => {
                        whole_pages.insert(page);
                    }
                }
            }
        }
        if !ids.is_empty() {
            let page_ids: Vec<i64> = pages.into_iter().collect();
            let entry_ids: Vec<Uuid> = entries.into_iter().collect();
            let whole_pages: Vec<i64> = whole_pages.into_iter().collect();
            let docs = postgres::docs_of(pool, &entry_ids, &whole_pages).await?;
            let page_rows = postgres::pages_of(pool, &page_ids).await?;
            crate::search::lexicon::warm(page_rows.iter().map(|page| page.2.as_str()));
            if let Ok(mut map) = self.docs.write() {
                for entry in &entry_ids {
                    map.remove(entry);
                }
                map.retain(|_, meta| !whole_pages.contains(&meta.page_id));
            }
            if let Ok(mut completions) = self.completions.write() {
                for entry in &entry_ids {
                    completions.remove(entry);
                }
                if !whole_pages.is_empty() {
                    completions.remove_where(|meta| whole_pages.contains(&meta.page_id));
                }
            }
            {
                let writer = self.lock_writer();
                for entry in &entry_ids {
                    writer.delete_term(Term::from_field_text(self.fields.id, &entry.to_string()));
                }
                for page in &whole_pages {
                    writer.delete_term(Term::from_field_text(
                        self.fields.page_id,
                        &page.to_string(),
                    ));
                }
            }
            self.add_docs(docs)?;
            self.commit()?;
            if let Ok(mut pages) = self.pages.write() {
                for id in &page_ids {
                    pages.by_id.remove(id);
                }
                pages.by_id.extend(page_rows.into_iter().map(page_meta));
                pages.refresh();
            }
        }
        let mut progress = self.lock_progress();
        progress.seen.extend(ids);
        advance(&mut progress);
        self.contiguous
            .store(progress.contiguous, Ordering::Release);
        Ok(())
    }
}

pub(super) fn page_meta((id, slug, lang, live, updated_at): PageRow) -> (i64, PageMeta) {
    (
        id,
        PageMeta {
            slug,
            lang,
            live,
            updated_at,
        },
    )
}

/// Moves `contiguous` over the ids seen just above it, and over a hole that has stayed open
/// longer than [`GAP_PATIENCE`] (its transaction rolled back: sequences do not).
pub(super) fn advance(progress: &mut Progress) {
    loop {
        let next = progress.contiguous + 1;
        if progress.seen.remove(&next) {
            progress.contiguous = next;
            progress.gap_since = None;
            continue;
        }
        if progress.seen.is_empty() {
            progress.gap_since = None;
            return;
        }
        match progress.gap_since {
            Some(since) if since.elapsed() >= GAP_PATIENCE => {
                progress.contiguous = next;
                progress.gap_since = None;
            }
            Some(_) => return,
            None => {
                progress.gap_since = Some(Instant::now());
                return;
            }
        }
    }
}

/// Starts the index: built in the background, then kept current from the change log's
/// notifications (and every few seconds, should one be missed). Searches use it once built.
pub fn start(pool: &PgPool, signal: Arc<ChangeSignal>) -> Option<Arc<LexicalIndex>> {
    let index = match LexicalIndex::new(signal.clone()) {
        Ok(index) => Arc::new(index),
        Err(err) => {
            tracing::warn!(error = %err, "the in-memory search index could not be created; searching in PostgreSQL");
            return None;
        }
    };
    let this = index.clone();
    let pool = pool.clone();
    tokio::spawn(async move {
        let mut delay = Duration::from_millis(200);
        loop {
            if pool.is_closed() {
                return;
            }
            match this.build(&pool).await {
                Ok(()) => break,
                Err(_) if pool.is_closed() => return,
                Err(err) => {
                    tracing::warn!(error = %err, "building the search index failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
        loop {
            if pool.is_closed() {
                return;
            }
            if let Err(err) = this.sync(&pool).await {
                if pool.is_closed() {
                    return;
                }
                tracing::warn!(error = %err, "updating the search index failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            // The next pass: at a change (any instance's), when a search asks, or after a
            // while anyway (a hole in the ids closes by time).
            tokio::select! {
                () = this.wake.notified() => {}
                () = signal.changed() => {
                    // More changes usually follow (an import, an editor's session): they are
                    // gathered into one commit of the index, unless a search asks first.
                    tokio::select! {
                        () = this.wake.notified() => {}
                        () = tokio::time::sleep(SYNC_DELAY) => {}
                    }
                }
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
        }
    });
    Some(index)
}
