//! The full-text side of search, in memory: a tantivy index of what readers see, derived from
//! PostgreSQL and kept current from the change log.
//!
//! PostgreSQL stays the source of truth (`search_docs`, `live_entries`, `changes`); this index
//! is rebuilt at start and follows every committed change, so that a search ranks only the
//! best hits (BM25 with block-max pruning) instead of every match, and needs no database work
//! beyond one probe of the change log's newest id. Until the index has caught up with that id
//! (at start, after a lost connection) searches run in PostgreSQL as before
//! (`crate::search::postgres`), so a reader never sees an older state than the database's.
//!
//! Analysis mirrors PostgreSQL's text search configurations: words are runs of letters and
//! digits, Chinese, Japanese and Korean runs become character pairs (as `faqd_cjk_grams`), and
//! each page language has its Snowball stemmer and stop words; each configuration has its own
//! pair of fields (question, answer), and a query is analysed by every configuration in scope,
//! as PostgreSQL matches each page in its own language.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use sqlx::PgPool;
use tantivy::collector::{Count, TopDocs};
use tantivy::columnar::Column;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};
use tantivy::{DocAddress, Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::changes::ChangeSignal;
use crate::search::highlight::{self, Lexeme};
use crate::search::postgres::{Found, Highlight, Hit, PendingHighlight, Scope, is_cjk};
use crate::search::query::QueryTerm;
use crate::search::vocabulary::Vocabulary;

/// PostgreSQL's text search configurations (`faqd_ts_config`), with their stemmer.
const CONFIGS: [(&str, Option<Language>); 16] = [
    ("english", Some(Language::English)),
    ("french", Some(Language::French)),
    ("german", Some(Language::German)),
    ("spanish", Some(Language::Spanish)),
    ("italian", Some(Language::Italian)),
    ("portuguese", Some(Language::Portuguese)),
    ("dutch", Some(Language::Dutch)),
    ("swedish", Some(Language::Swedish)),
    ("danish", Some(Language::Danish)),
    ("norwegian", Some(Language::Norwegian)),
    ("finnish", Some(Language::Finnish)),
    ("russian", Some(Language::Russian)),
    ("hungarian", Some(Language::Hungarian)),
    ("romanian", Some(Language::Romanian)),
    ("turkish", Some(Language::Turkish)),
    ("simple", None),
];

/// PostgreSQL's English stop words (Snowball's list, `english.stop`): tantivy's English list
/// is Lucene's shorter one, and a question word left in ("how", "what", "does") would have
/// to match for an all-words search to find anything.
const ENGLISH_STOP_WORDS: &[&str] = &[
    "i",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "ours",
    "ourselves",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
    "he",
    "him",
    "his",
    "himself",
    "she",
    "her",
    "hers",
    "herself",
    "it",
    "its",
    "itself",
    "they",
    "them",
    "their",
    "theirs",
    "themselves",
    "what",
    "which",
    "who",
    "whom",
    "this",
    "that",
    "these",
    "those",
    "am",
    "is",
    "are",
    "was",
    "were",
    "be",
    "been",
    "being",
    "have",
    "has",
    "had",
    "having",
    "do",
    "does",
    "did",
    "doing",
    "a",
    "an",
    "the",
    "and",
    "but",
    "if",
    "or",
    "because",
    "as",
    "until",
    "while",
    "of",
    "at",
    "by",
    "for",
    "with",
    "about",
    "against",
    "between",
    "into",
    "through",
    "during",
    "before",
    "after",
    "above",
    "below",
    "to",
    "from",
    "up",
    "down",
    "in",
    "out",
    "on",
    "off",
    "over",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "no",
    "nor",
    "not",
    "only",
    "own",
    "same",
    "so",
    "than",
    "too",
    "very",
    "s",
    "t",
    "can",
    "will",
    "just",
    "don",
    "should",
    "now",
];

/// A question match outweighs an answer match, as weights A (1.0) and B (0.4) do in
/// PostgreSQL's ranking.
const QUESTION_BOOST: f32 = 2.5;
/// The most index terms an unfinished last word expands to (the most frequent win).
const MAX_PREFIX_TERMS: usize = 64;
/// The most surface words an unfinished last word is looked up among (alphabetical order):
/// their stems join the stems that start with it.
const SURFACE_PREFIX_WORDS: usize = 256;
/// The most words an unknown word is corrected into (fewest typos, then most frequent).
const MAX_TYPO_WORDS: usize = 8;
/// The weight of a word matched with one or two typos, against an exact match's 1: an exact
/// match ranks above a corrected one.
const TYPO_WEIGHTS: [f32; 3] = [1.0, 0.5, 0.3];
/// The weight, in the re-scored pool, of the share of the query's words found as written
/// (not only by stem) in the question: an exact word outranks a stem shared by an
/// unrelated word ("bank" against "banking").
const EXACT_WORD_WEIGHT: f64 = 0.1;
/// How many of the best hits are re-scored with their question's likeness to the query.
const RERANK_POOL: usize = 200;
/// A hole in the change log's ids older than this is a rolled-back transaction's.
const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// How long changes are gathered before the index takes them in (a search that must see
/// them does not wait for it: it asks for a pass at once).
const SYNC_DELAY: Duration = Duration::from_millis(100);
/// Documents added to the index at a time while it is built.
const BUILD_BATCH: usize = 1000;
/// How long a search waits for the index to catch up before searching in PostgreSQL.
const CATCH_UP_WAIT: Duration = Duration::from_millis(1500);

#[derive(Clone, Copy)]
struct ConfigFields {
    question: Field,
    answer: Field,
}

#[derive(Clone)]
struct Fields {
    id: Field,
    id_high: Field,
    id_low: Field,
    page_id: Field,
    page: Field,
    lang: Field,
    section: Field,
    tag: Field,
    answer: Field,
    by_config: HashMap<&'static str, ConfigFields>,
}

/// The entry id's halves, as fast fields: a hit's id is read from columns, not from the
/// compressed document store.
const ID_HIGH: &str = "id_hi";
const ID_LOW: &str = "id_lo";

/// What a hit shows besides its answer, kept in memory: ranking reads the question of a few
/// hundred hits per query, which the compressed document store would decompress block by block.
#[derive(Debug)]
struct DocMeta {
    page_id: i64,
    page: String,
    lang: String,
    config: &'static str,
    slug: String,
    question: String,
    /// The question in lowercase, for the likeness to a query.
    question_lower: String,
    section: Option<String>,
    tags: Vec<String>,
}

/// A page as search needs it: its slug and language for scopes, whether readers see it, and
/// when it last changed (a search's `Last-Modified`).
#[derive(Debug, Clone)]
struct PageMeta {
    slug: String,
    lang: String,
    live: bool,
    updated_at: DateTime<Utc>,
}

/// Where the index stands against the change log.
#[derive(Debug, Default)]
struct Progress {
    /// Every change id up to this one is applied (or was a rolled-back transaction's).
    contiguous: i64,
    /// Applied ids above `contiguous`.
    seen: BTreeSet<i64>,
    /// When the hole just above `contiguous` was first noticed.
    gap_since: Option<Instant>,
}

/// The in-memory full-text index of one process.
pub struct LexicalIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzers: HashMap<&'static str, TextAnalyzer>,
    /// Words as written (lowercase, unstemmed), for [`Vocabulary`].
    surface: TextAnalyzer,
    vocabulary: Vocabulary,
    pages: RwLock<HashMap<i64, PageMeta>>,
    /// Every indexed entry's [`DocMeta`].
    docs: RwLock<HashMap<Uuid, Arc<DocMeta>>>,
    progress: Mutex<Progress>,
    /// Mirrors `progress.contiguous`, for searches to read without a lock.
    contiguous: AtomicI64,
    ready: AtomicBool,
    /// Sync passes begun and finished (a search that must see a change waits for a pass
    /// that began after it looked).
    passes_begun: AtomicU64,
    passes_done: AtomicU64,
    /// The change signal's generation when the newest successful pass began: every write
    /// this process committed, and every change announced to it, before then is in the index.
    synced_generation: AtomicU64,
    signal: Arc<ChangeSignal>,
    wake: Notify,
    done: Notify,
}

/// One document as loaded from PostgreSQL.
#[derive(sqlx::FromRow)]
struct DocRow {
    entry_id: Uuid,
    page_id: i64,
    page: String,
    lang: String,
    config: String,
    slug: String,
    question: String,
    answer: String,
    section: Option<String>,
    tags: Vec<String>,
}

const DOC_SQL: &str =
    "SELECT d.entry_id, d.page_id, p.slug AS page, p.lang, d.config::text AS config,
        e.slug, d.question, faqd_html_text(e.answer_html) AS answer, e.section, e.tags
 FROM search_docs d
 JOIN live_entries e ON e.id = d.entry_id
 JOIN pages p ON p.id = d.page_id";

const PAGE_SQL: &str =
    "SELECT id, slug, lang, deleted_at IS NULL AND NOT draft AS live, updated_at FROM pages";

type PageRow = (i64, String, String, bool, DateTime<Utc>);

impl LexicalIndex {
    fn new(signal: Arc<ChangeSignal>) -> tantivy::Result<Self> {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING);
        let id_high = builder.add_u64_field(ID_HIGH, FAST);
        let id_low = builder.add_u64_field(ID_LOW, FAST);
        let page_id = builder.add_text_field("page_id", STRING);
        let page = builder.add_text_field("page", STRING);
        let lang = builder.add_text_field("lang", STRING);
        let section = builder.add_text_field("section", STRING);
        let tag = builder.add_text_field("tag", STRING);
        let answer = builder.add_text_field("answer", STORED);
        let mut by_config = HashMap::new();
        for (name, _) in CONFIGS {
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(name)
                    .set_index_option(IndexRecordOption::WithFreqs),
            );
            by_config.insert(
                name,
                ConfigFields {
                    question: builder.add_text_field(&format!("q_{name}"), options.clone()),
                    answer: builder.add_text_field(&format!("a_{name}"), options),
                },
            );
        }
        // Small document-store blocks: a hit's answer is read alone, and a block is
        // decompressed whole for it.
        let index = Index::builder()
            .schema(builder.build())
            .settings(tantivy::IndexSettings {
                docstore_blocksize: 2048,
                ..tantivy::IndexSettings::default()
            })
            .create_in_ram()?;
        let mut analyzers = HashMap::new();
        for (name, language) in CONFIGS {
            let analyzer = analyzer(name, language);
            index.tokenizers().register(name, analyzer.clone());
            analyzers.insert(name, analyzer);
        }
        // One indexing thread with the smallest arena tantivy allows: documents come a page
        // at a time, and memory is the constraint here, not indexing speed.
        let writer = index.writer_with_num_threads(1, 15_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields: Fields {
                id,
                id_high,
                id_low,
                page_id,
                page,
                lang,
                section,
                tag,
                answer,
                by_config,
            },
            docs: RwLock::new(HashMap::new()),
            analyzers,
            surface: TextAnalyzer::builder(WordTokenizer::default())
                .filter(RemoveLongFilter::limit(65))
                .filter(LowerCaser)
                .build(),
            vocabulary: Vocabulary::default(),
            pages: RwLock::new(HashMap::new()),
            progress: Mutex::new(Progress::default()),
            contiguous: AtomicI64::new(0),
            ready: AtomicBool::new(false),
            passes_begun: AtomicU64::new(0),
            passes_done: AtomicU64::new(0),
            synced_generation: AtomicU64::new(0),
            signal,
            wake: Notify::new(),
            done: Notify::new(),
        })
    }

    /// What `/readyz` reports.
    pub fn status(&self) -> IndexStatus {
        IndexStatus {
            ready: self.is_ready(),
            entries: self.docs.read().map_or(0, |d| d.len()),
            change: self.contiguous.load(Ordering::Acquire),
        }
    }

    /// Whether the first build has finished.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Waits (briefly) until every change up to `newest` is in the index. `false` when the
    /// index is not built yet or did not catch up in time: search in PostgreSQL then.
    pub async fn caught_up(&self, newest: i64) -> bool {
        if !self.is_ready() {
            return false;
        }
        if self.contiguous.load(Ordering::Acquire) >= newest {
            return true;
        }
        self.next_pass(|| self.contiguous.load(Ordering::Acquire) >= newest)
            .await
    }

    /// Waits (briefly) until the index holds every change this process knows of: its own
    /// writes and the changes announced to it, with no database query of its own (another
    /// instance's write shows once its notification arrives). `false` when the index is not
    /// built yet or did not catch up in time.
    pub async fn caught_up_with_signal(&self) -> bool {
        if !self.is_ready() {
            return false;
        }
        let wanted = self.signal.generation();
        if self.synced_generation.load(Ordering::Acquire) >= wanted {
            return true;
        }
        self.next_pass(|| self.synced_generation.load(Ordering::Acquire) >= wanted)
            .await
    }

    /// Asks for a pass and waits until one that began from now on is done (or `enough`).
    async fn next_pass(&self, enough: impl Fn() -> bool) -> bool {
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
    async fn build(&self, pool: &PgPool) -> anyhow::Result<()> {
        let generation = self.signal.generation();
        let mut tx = pool.begin().await?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .execute(&mut *tx)
            .await?;
        let newest: i64 = sqlx::query_scalar("SELECT coalesce(max(id), 0) FROM changes")
            .fetch_one(&mut *tx)
            .await?;
        // Transactions still open at the snapshot may commit ids below `newest` later: the
        // recent ids present are remembered, and the holes between them are waited for.
        let floor = (newest - 1000).max(0);
        let recent: Vec<i64> = sqlx::query_scalar("SELECT id FROM changes WHERE id > $1")
            .bind(floor)
            .fetch_all(&mut *tx)
            .await?;
        let pages: Vec<PageRow> = sqlx::query_as(PAGE_SQL).fetch_all(&mut *tx).await?;
        let this_pages: HashMap<i64, PageMeta> = pages.into_iter().map(page_meta).collect();
        self.lock_writer().delete_all_documents()?;
        self.clear_docs();
        self.vocabulary.clear();
        // Streamed into the index a batch at a time: the corpus is never held twice.
        let mut count = 0;
        {
            let mut rows = sqlx::query_as::<_, DocRow>(DOC_SQL).fetch(&mut *tx);
            let mut batch = Vec::with_capacity(BUILD_BATCH);
            while let Some(row) = rows.try_next().await? {
                batch.push(row);
                if batch.len() == BUILD_BATCH {
                    count += batch.len();
                    self.add_docs(std::mem::take(&mut batch))?;
                }
            }
            count += batch.len();
            self.add_docs(batch)?;
        }
        tx.commit().await?;
        self.commit()?;
        if let Ok(mut pages) = self.pages.write() {
            *pages = this_pages;
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
        release_free_memory();
        self.synced_generation
            .fetch_max(generation, Ordering::AcqRel);
        self.ready.store(true, Ordering::Release);
        Ok(())
    }

    fn clear_docs(&self) {
        if let Ok(mut map) = self.docs.write() {
            map.clear();
        }
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_progress(&self) -> std::sync::MutexGuard<'_, Progress> {
        self.progress.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn add_docs(&self, docs: Vec<DocRow>) -> tantivy::Result<()> {
        let f = &self.fields;
        let mut metas = Vec::with_capacity(docs.len());
        let mut words: HashMap<&'static str, HashSet<String>> = HashMap::new();
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
                    f.page => row.page.clone(),
                    f.lang => row.lang.clone(),
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
                        page: row.page,
                        lang: row.lang,
                        config,
                        slug: row.slug,
                        question_lower: row.question.to_lowercase(),
                        question: row.question,
                        section: row.section,
                        tags: row.tags,
                    }),
                ));
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

    fn commit(&self) -> tantivy::Result<()> {
        self.lock_writer().commit()?;
        self.reader.reload()
    }

    /// One sync pass: applies every change committed since the last one.
    async fn sync(&self, pool: &PgPool) -> anyhow::Result<()> {
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

    async fn sync_inner(&self, pool: &PgPool) -> anyhow::Result<()> {
        let after = self.lock_progress().contiguous;
        let rows: Vec<(i64, Option<Uuid>, i64, String)> = sqlx::query_as(
            "SELECT id, entry_id, page_id, kind FROM changes WHERE id > $1 ORDER BY id",
        )
        .bind(after)
        .fetch_all(pool)
        .await?;
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
            let docs: Vec<DocRow> = sqlx::query_as(&format!(
                "{DOC_SQL} WHERE d.entry_id = ANY($1) OR d.page_id = ANY($2)"
            ))
            .bind(&entry_ids)
            .bind(&whole_pages)
            .fetch_all(pool)
            .await?;
            let page_rows: Vec<PageRow> = sqlx::query_as(&format!("{PAGE_SQL} WHERE id = ANY($1)"))
                .bind(&page_ids)
                .fetch_all(pool)
                .await?;
            if let Ok(mut map) = self.docs.write() {
                for entry in &entry_ids {
                    map.remove(entry);
                }
                map.retain(|_, meta| !whole_pages.contains(&meta.page_id));
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
                    pages.remove(id);
                }
                pages.extend(page_rows.into_iter().map(page_meta));
            }
        }
        let mut progress = self.lock_progress();
        progress.seen.extend(ids);
        advance(&mut progress);
        self.contiguous
            .store(progress.contiguous, Ordering::Release);
        Ok(())
    }

    /// The entry ids of `addresses`, from the id columns.
    fn ids_of(&self, searcher: &tantivy::Searcher, addresses: &[DocAddress]) -> Vec<Option<Uuid>> {
        type Columns = Option<(Column<u64>, Column<u64>)>;
        let mut columns: HashMap<u32, Columns> = HashMap::new();
        addresses
            .iter()
            .map(|address| {
                let column = columns.entry(address.segment_ord).or_insert_with(|| {
                    let fast = searcher.segment_reader(address.segment_ord).fast_fields();
                    Some((fast.u64(ID_HIGH).ok()?, fast.u64(ID_LOW).ok()?))
                });
                let (high, low) = column.as_ref()?;
                Some(Uuid::from_u64_pair(
                    high.first(address.doc_id)?,
                    low.first(address.doc_id)?,
                ))
            })
            .collect()
    }

    /// The metadata of indexed entries, under one lock.
    fn metas(&self, ids: &[Option<Uuid>]) -> Vec<Option<Arc<DocMeta>>> {
        let Ok(docs) = self.docs.read() else {
            return vec![None; ids.len()];
        };
        ids.iter()
            .map(|id| id.as_ref().and_then(|id| docs.get(id).cloned()))
            .collect()
    }

    /// The answer text of an indexed entry (from the document store).
    fn answer_of(&self, searcher: &tantivy::Searcher, id: &Uuid) -> String {
        let query = term_query(self.fields.id, &id.to_string());
        searcher
            .search(&query, &TopDocs::with_limit(1))
            .ok()
            .and_then(|top| self.stored_answer(searcher, top.first()?.1))
            .unwrap_or_default()
    }

    /// The answer text of the document at `address`.
    fn stored_answer(&self, searcher: &tantivy::Searcher, address: DocAddress) -> Option<String> {
        let doc: TantivyDocument = searcher.doc(address).ok()?;
        doc.get_first(self.fields.answer)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }

    /// The configurations and languages of the live pages in scope, and when the newest page
    /// in scope (live or not) last changed.
    fn scope_languages(
        &self,
        scope: &Scope<'_>,
    ) -> (Vec<&'static str>, Vec<String>, Option<DateTime<Utc>>) {
        let Ok(pages) = self.pages.read() else {
            return (Vec::new(), Vec::new(), None);
        };
        let mut configs = BTreeSet::new();
        let mut langs = BTreeSet::new();
        let mut last_modified = None;
        for page in pages.values() {
            if scope.page.is_some_and(|p| p != page.slug)
                || scope.lang.is_some_and(|l| l != page.lang)
            {
                continue;
            }
            last_modified = last_modified.max(Some(page.updated_at));
            if page.live {
                configs.insert(config_of(&page.lang));
                langs.insert(page.lang.clone());
            }
        }
        (
            configs.into_iter().collect(),
            langs.into_iter().collect(),
            last_modified,
        )
    }

    /// The tokens `config` makes of `text` (stemmed, stop words gone).
    fn analyse(&self, config: &str, text: &str) -> Vec<String> {
        self.analyse_each(config, std::slice::from_ref(&text))
            .pop()
            .unwrap_or_default()
    }

    /// The tokens `config` makes of each of `texts`, the analyzer cloned once.
    fn analyse_each<S: AsRef<str>>(&self, config: &str, texts: &[S]) -> Vec<Vec<String>> {
        let Some(analyzer) = self.analyzers.get(config) else {
            return vec![Vec::new(); texts.len()];
        };
        let mut analyzer = analyzer.clone();
        texts
            .iter()
            .map(|text| {
                let mut stream = analyzer.token_stream(text.as_ref());
                let mut out = Vec::new();
                while stream.advance() {
                    out.push(stream.token().text.clone());
                }
                out
            })
            .collect()
    }

    /// How many documents of `cf` hold `token`, in the question or the answer.
    fn doc_freq(searcher: &tantivy::Searcher, cf: &ConfigFields, token: &str) -> u64 {
        [cf.question, cf.answer]
            .iter()
            .map(|field| {
                searcher
                    .doc_freq(&Term::from_field_text(*field, token))
                    .unwrap_or(0)
            })
            .sum()
    }

    /// Whether `term` is known to the index in some configuration of `configs` (a stop word
    /// counts as known: it is a word of the language, never a typo).
    pub fn knows(&self, term: &str, configs: &[&'static str]) -> bool {
        let searcher = self.reader.searcher();
        configs.iter().any(|config| {
            let tokens = self.analyse(config, term);
            if tokens.is_empty() {
                return true;
            }
            let Some(cf) = self.fields.by_config.get(config) else {
                return false;
            };
            tokens.iter().all(|t| Self::doc_freq(&searcher, cf, t) > 0)
        })
    }

    /// Whether a query term is known: the word, or every part of a compound.
    pub fn knows_term(&self, term: &QueryTerm, configs: &[&'static str]) -> bool {
        self.knows(&term.text, configs)
            || (!term.parts.is_empty() && term.parts.iter().all(|p| self.knows(p, configs)))
    }

    /// Whether some indexed word of `configs` starts with `prefix`.
    pub fn has_prefix(&self, prefix: &str, configs: &[&'static str]) -> bool {
        let searcher = self.reader.searcher();
        configs.iter().any(|config| {
            self.fields
                .by_config
                .get(config)
                .is_some_and(|cf| !self.prefix_stems(&searcher, config, cf, prefix).is_empty())
        })
    }

    /// The words of the index one or two typos away from `word` (as many as its length
    /// allows), fewest typos first, then the most frequent: only words whose stems some
    /// document in `configs` still holds.
    pub fn corrections(&self, word: &str, configs: &[&'static str]) -> Vec<(String, u8)> {
        let searcher = self.reader.searcher();
        let mut found: Vec<(String, u8, u64)> = Vec::new();
        for config in configs {
            let Some(cf) = self.fields.by_config.get(config) else {
                continue;
            };
            let near = self.vocabulary.near(config, word);
            let words: Vec<&str> = near.iter().map(|(w, _)| w.as_str()).collect();
            for ((candidate, typos), stems) in near.iter().zip(self.analyse_each(config, &words)) {
                let freq = stems
                    .iter()
                    .map(|s| Self::doc_freq(&searcher, cf, s))
                    .min()
                    .unwrap_or(0);
                if freq > 0 {
                    found.push((candidate.clone(), *typos, freq));
                }
            }
        }
        found.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        let mut out: Vec<(String, u8)> = Vec::new();
        for (w, typos, _) in found {
            if out.len() == MAX_TYPO_WORDS {
                break;
            }
            if !out.iter().any(|(o, _)| *o == w) {
                out.push((w, typos));
            }
        }
        out
    }

    /// Index terms of `field` that start with `prefix`, with their document counts.
    fn expand_prefix(
        &self,
        searcher: &tantivy::Searcher,
        field: Field,
        prefix: &str,
    ) -> HashMap<String, u64> {
        let mut found: HashMap<String, u64> = HashMap::new();
        let upper = prefix_upper_bound(prefix.as_bytes());
        for segment in searcher.segment_readers() {
            let Ok(inverted) = segment.inverted_index(field) else {
                continue;
            };
            let range = inverted.terms().range().ge(prefix.as_bytes());
            let range = match &upper {
                Some(upper) => range.lt(upper),
                None => range,
            };
            let Ok(mut stream) = range.into_stream() else {
                continue;
            };
            while stream.advance() {
                if let Ok(term) = std::str::from_utf8(stream.key()) {
                    *found.entry(term.to_owned()).or_default() +=
                        u64::from(stream.value().doc_freq);
                }
            }
        }
        found
    }

    /// The stems an unfinished word stands for in `config`, most frequent first: the index
    /// terms that start with it, and the stems of the words as written that start with it
    /// (`coachin` → "coaching" → `coach`, which does not start with `coachin`).
    fn prefix_stems(
        &self,
        searcher: &tantivy::Searcher,
        config: &str,
        cf: &ConfigFields,
        prefix: &str,
    ) -> Vec<String> {
        let mut freq = self.expand_prefix(searcher, cf.question, prefix);
        for (term, n) in self.expand_prefix(searcher, cf.answer, prefix) {
            *freq.entry(term).or_default() += n;
        }
        let words = self
            .vocabulary
            .starting_with(config, prefix, SURFACE_PREFIX_WORDS);
        for stems in self.analyse_each(config, &words) {
            for stem in stems {
                if freq.contains_key(&stem) {
                    continue;
                }
                let n = Self::doc_freq(searcher, cf, &stem);
                if n > 0 {
                    freq.insert(stem, n);
                }
            }
        }
        let mut terms: Vec<(String, u64)> = freq.into_iter().collect();
        terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        terms.truncate(MAX_PREFIX_TERMS);
        terms.into_iter().map(|(t, _)| t).collect()
    }

    /// The query of `terms` over `configs`, all terms required (`all`) or any; the lexemes
    /// each configuration searched, for highlights.
    fn query(
        &self,
        searcher: &tantivy::Searcher,
        terms: &[QueryTerm],
        configs: &[&'static str],
        scope: &Scope<'_>,
        all: bool,
    ) -> (Option<Box<dyn Query>>, LexemesByConfig) {
        let mut branches: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut lexemes = HashMap::new();
        for config in configs {
            let Some(cf) = self.fields.by_config.get(config) else {
                continue;
            };
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            let mut config_lexemes = Vec::new();
            let mut lexeme = |text: &str, prefix: bool| {
                config_lexemes.push(Lexeme {
                    text: text.to_owned(),
                    prefix,
                });
            };
            for term in terms {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                let tokens = self.analyse(config, &term.text);
                for token in &tokens {
                    alternatives.extend(field_pair(cf, token, 1.0));
                    lexeme(token, false);
                }
                if !term.parts.is_empty() {
                    // A compound also matches all of its parts ("e-mail": e and mail).
                    let mut each: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                    for stems in self.analyse_each(config, &term.parts) {
                        if stems.is_empty() {
                            continue;
                        }
                        let mut part: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                        for stem in &stems {
                            part.extend(field_pair(cf, stem, 1.0));
                            lexeme(stem, false);
                        }
                        each.push((Occur::Must, Box::new(BooleanQuery::new(part))));
                    }
                    if !each.is_empty() {
                        alternatives.push((Occur::Should, Box::new(BooleanQuery::new(each))));
                    }
                }
                if term.unfinished {
                    // An unfinished word matches the words that start with it as typed.
                    for stem in self.prefix_stems(searcher, config, cf, &term.text) {
                        if !tokens.contains(&stem) {
                            alternatives.extend(field_pair(cf, &stem, 1.0));
                        }
                    }
                    lexeme(&term.text, true);
                }
                let typo_words: Vec<&str> = term.typos.iter().map(|(w, _)| w.as_str()).collect();
                let mut typo_stems: Vec<String> = Vec::new();
                for ((_, typos), stems) in term
                    .typos
                    .iter()
                    .zip(self.analyse_each(config, &typo_words))
                {
                    let weight = TYPO_WEIGHTS[usize::from(*typos).min(TYPO_WEIGHTS.len() - 1)];
                    for stem in stems {
                        if tokens.contains(&stem) || typo_stems.contains(&stem) {
                            continue;
                        }
                        alternatives.extend(field_pair(cf, &stem, weight));
                        lexeme(&stem, false);
                        typo_stems.push(stem);
                    }
                }
                if alternatives.is_empty() {
                    // A stop word of this language: it neither narrows nor ranks.
                    continue;
                }
                clauses.push((
                    if all { Occur::Must } else { Occur::Should },
                    Box::new(BooleanQuery::new(alternatives)),
                ));
            }
            lexemes.insert(*config, config_lexemes);
            if clauses.is_empty() {
                continue;
            }
            branches.push((Occur::Should, Box::new(BooleanQuery::new(clauses))));
        }
        if branches.is_empty() {
            return (None, lexemes);
        }
        let mut top: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(branches)))];
        if let Some(page) = scope.page {
            top.push((Occur::Must, term_query(self.fields.page, page)));
        }
        if let Some(lang) = scope.lang {
            top.push((Occur::Must, term_query(self.fields.lang, lang)));
        }
        if let Some(section) = scope.section {
            top.push((Occur::Must, term_query(self.fields.section, section)));
        }
        if let Some(tag) = scope.tag {
            top.push((Occur::Must, term_query(self.fields.tag, tag)));
        }
        (Some(Box::new(BooleanQuery::new(top))), lexemes)
    }

    /// A search over the index: all terms first; when that finds nothing, any term. Answers
    /// are highlighted for every hit (`full`) or left pending (candidates, see
    /// [`LexicalIndex::complete`]).
    pub fn search(
        &self,
        terms: &[QueryTerm],
        text: &str,
        scope: &Scope<'_>,
        (offset, limit): (usize, usize),
        full: bool,
    ) -> Searched {
        let (configs, _, last_modified) = self.scope_languages(scope);
        let searcher = self.reader.searcher();
        let mut searched = Searched {
            total: 0,
            partial: false,
            hits: Vec::new(),
            last_modified,
        };
        for all in [true, false] {
            if !all && (searched.total > 0 || terms.len() < 2) {
                break;
            }
            let (Some(query), lexemes) = self.query(&searcher, terms, &configs, scope, all) else {
                continue;
            };
            // The re-scored pool is the same whatever the offset, so that pages of hits cut
            // one ordering: the pool by score, then every other hit by rank.
            let want = (offset + limit).max(RERANK_POOL);
            let Ok((top, total)) =
                searcher.search(&query, &(TopDocs::with_limit(want.max(1)), Count))
            else {
                continue;
            };
            searched.total = total;
            searched.partial = !all && total > 0;
            let best = top.first().map_or(1.0, |(s, _)| *s).max(f32::EPSILON);
            let addresses: Vec<DocAddress> = top.iter().map(|(_, a)| *a).collect();
            let ids = self.ids_of(&searcher, &addresses);
            let query_grams = trigrams(text);
            let exact_words: Vec<&str> = terms
                .iter()
                .filter(|t| !t.unfinished)
                .map(|t| t.text.as_str())
                .collect();
            let metas = self.metas(&ids);
            let mut scored: Vec<(f64, usize, Uuid, Arc<DocMeta>)> = top
                .iter()
                .zip(ids.into_iter().zip(metas))
                .enumerate()
                .filter_map(|(i, ((score, _), (id, meta)))| {
                    let (id, meta) = (id?, meta?);
                    let mut score = f64::from(*score / best);
                    if i < RERANK_POOL {
                        score += 0.3 * likeness(&query_grams, &meta.question_lower);
                        score +=
                            EXACT_WORD_WEIGHT * exact_share(&exact_words, &meta.question_lower);
                    } else {
                        score -= 10.0;
                    }
                    Some((score, i, id, meta))
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            searched.hits = scored
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|(score, at, id, meta)| {
                    let lexemes = lexemes.get(meta.config).cloned().unwrap_or_default();
                    let answer = full.then(|| {
                        top.get(at)
                            .and_then(|(_, address)| self.stored_answer(&searcher, *address))
                            .unwrap_or_default()
                    });
                    hit(id, &meta, lexemes, score, answer)
                })
                .collect();
        }
        searched
    }

    /// The hits of `ids` in scope (in that order), highlighted for the words of `text`,
    /// answers pending: the semantic side's hits that the words did not find.
    pub fn hits_by_ids(&self, ids: &[Uuid], text: &str, scope: &Scope<'_>) -> Vec<Hit> {
        let wanted: Vec<Option<Uuid>> = ids.iter().copied().map(Some).collect();
        ids.iter()
            .zip(self.metas(&wanted))
            .filter_map(|(id, meta)| {
                let meta = meta?;
                if !scope.admits(&meta.page, &meta.lang, meta.section.as_deref(), &meta.tags) {
                    return None;
                }
                let lexemes = self
                    .analyse(meta.config, text)
                    .into_iter()
                    .map(|text| Lexeme {
                        text,
                        prefix: false,
                    })
                    .collect();
                Some(hit(*id, &meta, lexemes, 0.0, None))
            })
            .collect()
    }

    /// Builds the answer highlights candidates left pending.
    pub fn complete(&self, hits: &mut [Hit]) {
        let searcher = self.reader.searcher();
        for hit in hits.iter_mut() {
            let Some(pending) = hit.pending.take() else {
                continue;
            };
            let answer = self.answer_of(&searcher, &hit.id);
            let lexemes = highlight::lexemes_of_querytree(&pending.querytree);
            let stemmer = highlight::stemmer_for(&pending.config);
            hit.highlight.answer =
                highlight::highlight_passage(&answer, &lexemes, stemmer.as_ref());
        }
    }

    /// Facet counts over every entry the query of `terms` matches (all terms; any term when
    /// that finds nothing), as [`LexicalIndex::search`] runs it.
    pub fn facets(
        &self,
        terms: &[QueryTerm],
        scope: &Scope<'_>,
        which: &[crate::search::facets::Facet],
    ) -> crate::search::facets::Facets {
        use crate::search::facets::{Counted, count};
        let (configs, _, _) = self.scope_languages(scope);
        let searcher = self.reader.searcher();
        let mut addresses = Vec::new();
        for all in [true, false] {
            if !all && (!addresses.is_empty() || terms.len() < 2) {
                break;
            }
            let (Some(query), _) = self.query(&searcher, terms, &configs, scope, all) else {
                continue;
            };
            if let Ok(found) = searcher.search(&query, &tantivy::collector::DocSetCollector) {
                addresses = found.into_iter().collect();
            }
        }
        let ids = self.ids_of(&searcher, &addresses);
        let metas = self.metas(&ids);
        count(
            which,
            metas.iter().flatten().map(|meta| Counted {
                page: &meta.page,
                section: meta.section.as_deref(),
                tags: &meta.tags,
                lang: &meta.lang,
            }),
        )
    }

    /// Questions readers see that complete what was typed, best first (call
    /// [`LexicalIndex::caught_up_with_signal`] first).
    pub fn suggest(
        &self,
        typed: &crate::search::suggest::Typed,
        scope: &Scope<'_>,
        limit: usize,
    ) -> Option<Vec<crate::search::suggest::Suggestion>> {
        use crate::search::suggest::{Suggestion, best};
        let docs = self.docs.read().ok()?;
        // Ranked by reference; only the suggestions kept are copied.
        let ranked: Vec<(_, &DocMeta)> = docs
            .values()
            .filter(|meta| {
                scope.admits(&meta.page, &meta.lang, meta.section.as_deref(), &meta.tags)
            })
            .filter_map(|meta| Some((typed.rank(&meta.question_lower)?, meta.as_ref())))
            .collect();
        Some(
            best(ranked, limit, |m| (m.question.as_str(), m.slug.as_str()))
                .into_iter()
                .map(|meta| Suggestion {
                    question: meta.question.clone(),
                    slug: meta.slug.clone(),
                    page: meta.page.clone(),
                    lang: meta.lang.clone(),
                })
                .collect(),
        )
    }

    /// The configurations and languages in scope (for typo correction's real-word check).
    pub fn languages(&self, scope: &Scope<'_>) -> (Vec<&'static str>, Vec<String>) {
        let (configs, langs, _) = self.scope_languages(scope);
        (configs, langs)
    }
}

/// What `/readyz` says of the in-memory search index.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct IndexStatus {
    /// Built: searches use it (until then they run in PostgreSQL).
    pub ready: bool,
    /// Entries in the index.
    pub entries: usize,
    /// The newest change of the change log that it holds (with every older one).
    pub change: i64,
}

/// The lexemes a query searched in each configuration (for highlights).
type LexemesByConfig = HashMap<&'static str, Vec<Lexeme>>;

/// What an index search found.
pub struct Searched {
    pub total: usize,
    /// Found by any term, not by all of them.
    pub partial: bool,
    pub hits: Vec<Hit>,
    pub last_modified: Option<DateTime<Utc>>,
}

impl Searched {
    pub fn into_found(self, corrected: Option<String>) -> Found {
        Found {
            total: i64::try_from(self.total).unwrap_or(i64::MAX),
            total_is_estimate: false,
            hits: self.hits,
            corrected,
            last_modified: self.last_modified,
            partial: self.partial,
        }
    }
}

/// A hit: its question highlighted, its answer highlighted when given (else pending).
fn hit(id: Uuid, meta: &DocMeta, lexemes: Vec<Lexeme>, score: f64, answer: Option<String>) -> Hit {
    let stemmer = highlight::stemmer_for(meta.config);
    let (answer, pending) = match answer {
        Some(text) => (
            highlight::highlight_passage(&text, &lexemes, stemmer.as_ref()),
            None,
        ),
        None => (
            String::new(),
            Some(Box::new(PendingHighlight::new(
                querytree_of(&lexemes),
                meta.config.to_owned(),
            ))),
        ),
    };
    Hit {
        id,
        slug: meta.slug.clone(),
        page: meta.page.clone(),
        lang: meta.lang.clone(),
        highlight: Highlight {
            question: highlight::highlight_all(&meta.question, &lexemes, stemmer.as_ref()),
            answer,
        },
        question: meta.question.clone(),
        score: (score * 10_000.0).round() / 10_000.0,
        pending,
    }
}

/// Lexemes written as `querytree()` prints them, for a pending highlight.
fn querytree_of(lexemes: &[Lexeme]) -> String {
    lexemes
        .iter()
        .map(|l| {
            format!(
                "'{}'{}",
                l.text.replace('\'', "''"),
                if l.prefix { ":*" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(" & ")
}

fn page_meta((id, slug, lang, live, updated_at): PageRow) -> (i64, PageMeta) {
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
fn advance(progress: &mut Progress) {
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

/// Gives the allocator's free pages back to the system: the build's transient rows would
/// otherwise stay in the process's resident memory (glibc keeps freed heap).
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator; no pointer is touched.
    unsafe {
        nix::libc::malloc_trim(0);
    }
}

/// `faqd_ts_config`: the configuration of a page language.
pub fn config_of(lang: &str) -> &'static str {
    match lang
        .split('-')
        .next()
        .unwrap_or(lang)
        .to_ascii_lowercase()
        .as_str()
    {
        "en" => "english",
        "fr" => "french",
        "de" => "german",
        "es" => "spanish",
        "it" => "italian",
        "pt" => "portuguese",
        "nl" => "dutch",
        "sv" => "swedish",
        "da" => "danish",
        "no" | "nb" | "nn" => "norwegian",
        "fi" => "finnish",
        "ru" => "russian",
        "hu" => "hungarian",
        "ro" => "romanian",
        "tr" => "turkish",
        _ => "simple",
    }
}

fn analyzer(name: &str, language: Option<Language>) -> TextAnalyzer {
    let mut builder = TextAnalyzer::builder(WordTokenizer::default())
        .filter(RemoveLongFilter::limit(65))
        .filter(LowerCaser)
        .dynamic();
    let stop = if name == "english" {
        Some(StopWordFilter::remove(
            ENGLISH_STOP_WORDS.iter().map(|w| (*w).to_owned()),
        ))
    } else {
        language.and_then(StopWordFilter::new)
    };
    if let Some(stop) = stop {
        builder = builder.filter_dynamic(stop);
    }
    if let Some(language) = language {
        builder = builder.filter_dynamic(Stemmer::new(language));
    }
    builder.build()
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// A token in the question (boosted) or in the answer, weighted by `weight` (below 1 for
/// a word matched with typos).
fn field_pair(cf: &ConfigFields, token: &str, weight: f32) -> [(Occur, Box<dyn Query>); 2] {
    let term = |field| -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, token),
            IndexRecordOption::WithFreqs,
        ))
    };
    let answer: Box<dyn Query> = if (weight - 1.0).abs() < f32::EPSILON {
        term(cf.answer)
    } else {
        Box::new(BoostQuery::new(term(cf.answer), weight))
    };
    [
        (
            Occur::Should,
            Box::new(BoostQuery::new(term(cf.question), QUESTION_BOOST * weight)),
        ),
        (Occur::Should, answer),
    ]
}

/// The share of `words` (as written, lowercase) found as whole words in `question`
/// (lowercase).
fn exact_share(words: &[&str], question: &str) -> f64 {
    if words.is_empty() {
        return 0.0;
    }
    let found = words
        .iter()
        .filter(|w| {
            question
                .split(|c: char| !c.is_alphanumeric())
                .any(|q| q == **w)
        })
        .count();
    found as f64 / words.len() as f64
}

/// The smallest byte string above every string that starts with `prefix`.
fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut upper = prefix.to_vec();
    while let Some(last) = upper.pop() {
        if last < u8::MAX {
            upper.push(last + 1);
            return Some(upper);
        }
    }
    None
}

/// pg_trgm's trigrams of each word of `lower` (lowercase already), padded with two spaces
/// before and one after, each passed to `each`.
fn each_trigram(lower: &str, mut each: impl FnMut([char; 3])) {
    let mut window = ['\u{0}'; 3];
    let mut in_word = false;
    for c in lower.chars() {
        if c.is_alphanumeric() {
            if !in_word {
                window = ['\u{0}'; 3];
                in_word = true;
            }
            window = [window[1], window[2], c];
            if window[1] != '\u{0}' || window[2] != '\u{0}' {
                each(window);
            }
        } else if in_word {
            in_word = false;
            each([window[1], window[2], '\u{0}']);
        }
    }
    if in_word {
        each([window[1], window[2], '\u{0}']);
    }
}

fn trigrams(text: &str) -> HashSet<[char; 3]> {
    let mut grams = HashSet::new();
    each_trigram(&text.to_lowercase(), |g| {
        grams.insert(g);
    });
    grams
}

/// The share of the query's trigrams found in `question` (lowercase; pg_trgm's
/// `word_similarity`, measured on the whole question): sorts paraphrases that share word
/// stems but not words.
fn likeness(query: &HashSet<[char; 3]>, question: &str) -> f64 {
    if query.is_empty() {
        return 0.0;
    }
    let mut found: Vec<[char; 3]> = Vec::new();
    each_trigram(question, |g| {
        if query.contains(&g) && !found.contains(&g) {
            found.push(g);
        }
    });
    found.len() as f64 / query.len() as f64
}

/// Words: runs of letters and digits; runs of Chinese, Japanese or Korean characters become
/// their single character (a run of one) or overlapping pairs, as `faqd_cjk_grams` indexes
/// them in PostgreSQL and `Terms::expanded` searches them.
#[derive(Clone, Default)]
struct WordTokenizer {
    tokens: Vec<Token>,
}

struct WordStream<'a> {
    tokens: &'a mut Vec<Token>,
    at: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.tokens.clear();
        let mut position = 0;
        let mut push = |tokens: &mut Vec<Token>, from: usize, to: usize| {
            tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position,
                text: text[from..to].to_owned(),
                position_length: 1,
            });
            position += 1;
        };
        let mut word: Option<usize> = None;
        let mut run: Vec<(usize, char)> = Vec::new();
        let flush_run =
            |run: &mut Vec<(usize, char)>,
             tokens: &mut Vec<Token>,
             push: &mut dyn FnMut(&mut Vec<Token>, usize, usize)| {
                match run.len() {
                    0 => {}
                    1 => push(tokens, run[0].0, run[0].0 + run[0].1.len_utf8()),
                    _ => {
                        for pair in run.windows(2) {
                            push(tokens, pair[0].0, pair[1].0 + pair[1].1.len_utf8());
                        }
                    }
                }
                run.clear();
            };
        for (i, c) in text.char_indices() {
            if is_cjk(c) {
                if let Some(start) = word.take() {
                    push(&mut self.tokens, start, i);
                }
                run.push((i, c));
            } else if c.is_alphanumeric() {
                flush_run(&mut run, &mut self.tokens, &mut push);
                word.get_or_insert(i);
            } else {
                flush_run(&mut run, &mut self.tokens, &mut push);
                if let Some(start) = word.take() {
                    push(&mut self.tokens, start, i);
                }
            }
        }
        flush_run(&mut run, &mut self.tokens, &mut push);
        if let Some(start) = word.take() {
            push(&mut self.tokens, start, text.len());
        }
        add_compounds(text, &mut self.tokens);
        WordStream {
            tokens: &mut self.tokens,
            at: 0,
        }
    }
}

/// Hyphenated compounds also as one joined word: "e-mail" gives `e`, `mail` and `email`, so
/// that "email" finds it, and "e-mail" (searched as `email`) finds "email".
fn add_compounds(text: &str, tokens: &mut Vec<Token>) {
    let joined = |a: &Token, b: &Token| {
        let between = text.get(a.offset_to..b.offset_from).unwrap_or("");
        let mut chars = between.chars();
        chars.next().is_some_and(crate::search::query::is_hyphen)
            && chars.next().is_none()
            && !a.text.chars().any(is_cjk)
            && !b.text.chars().any(is_cjk)
    };
    let count = tokens.len();
    let mut position = tokens.last().map_or(0, |t| t.position + 1);
    let mut start = 0;
    while start < count {
        let mut end = start;
        while end + 1 < count && joined(&tokens[end], &tokens[end + 1]) {
            end += 1;
        }
        if end > start {
            let token = Token {
                offset_from: tokens[start].offset_from,
                offset_to: tokens[end].offset_to,
                position,
                text: tokens[start..=end]
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect(),
                position_length: 1,
            };
            position += 1;
            tokens.push(token);
        }
        start = end + 1;
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        self.at += 1;
        self.at <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self
            .at
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1))]
    }

    fn token_mut(&mut self) -> &mut Token {
        let at = self
            .at
            .saturating_sub(1)
            .min(self.tokens.len().saturating_sub(1));
        &mut self.tokens[at]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigrams_are_pg_trgm_s() {
        let mut grams: Vec<String> = trigrams("Cat")
            .into_iter()
            .map(|g| {
                g.iter()
                    .map(|c| if *c == '\u{0}' { ' ' } else { *c })
                    .collect()
            })
            .collect();
        grams.sort();
        assert_eq!(grams, ["  c", " ca", "at ", "cat"]);
        assert!((likeness(&trigrams("cat"), "the cat sat") - 1.0).abs() < 1e-9);
        assert!(likeness(&trigrams("dog"), "the cat sat").abs() < 1e-9);
    }

    #[test]
    fn cjk_runs_become_pairs_and_words_stay_whole() {
        let mut analyzer = analyzer("simple", None);
        let mut stream = analyzer.token_stream("SciPyとは 3D");
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().text.clone());
        }
        assert_eq!(tokens, ["scipy", "とは", "3d"]);
    }

    #[test]
    fn holes_in_the_ids_are_waited_for_then_passed() {
        let mut progress = Progress {
            contiguous: 10,
            seen: [11, 13].into_iter().collect(),
            gap_since: None,
        };
        advance(&mut progress);
        assert_eq!(progress.contiguous, 11);
        assert!(progress.gap_since.is_some(), "12 may still commit");
        progress.gap_since = Some(Instant::now() - GAP_PATIENCE);
        advance(&mut progress);
        assert_eq!(progress.contiguous, 13);
        assert!(progress.seen.is_empty());
    }
}
