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

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;
use tantivy::columnar::Column;
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::tokenizer::{LowerCaser, RemoveLongFilter, TextAnalyzer, TokenStream};
use tantivy::{DocAddress, DocSet, Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};
use tokio::sync::Notify;
use uuid::Uuid;

use crate::events::signal::ChangeSignal;
use crate::search::hit::Scope;
use crate::search::query::QueryTerm;
use crate::search::vocabulary::Vocabulary;

use analysis::{CONFIGS, WordTokenizer, analyzer};

mod analysis;
mod completion;
mod postgres;
mod query;
mod sync;

pub use analysis::config_of;
pub use query::Searched;
pub use sync::start;

/// The most words an unknown word is corrected into (fewest typos, then most frequent).
const MAX_TYPO_WORDS: usize = 8;
/// The most surface words an unfinished word's completion is chosen among (alphabetical order).
const COMPLETION_WORDS: usize = 256;

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
/// The page's slug and language are shared by its entries' metadata.
#[derive(Debug)]
struct DocMeta {
    page_id: i64,
    page: Arc<str>,
    lang: Arc<str>,
    config: &'static str,
    slug: String,
    question: String,
    /// The question in lowercase, for the likeness to a query.
    question_lower: Box<str>,
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

/// The configurations and languages of the live pages of a scope, and when its newest page
/// (live or not) last changed.
type ScopeLanguages = (Vec<&'static str>, Vec<String>, Option<DateTime<Utc>>);

/// Every page, and what a search over all of them reads (kept with the pages: with thousands
/// of pages, working it out per search cost more than the search's own ranking).
#[derive(Default)]
struct Pages {
    by_id: HashMap<i64, PageMeta>,
    all: ScopeLanguages,
}

impl Pages {
    /// Takes a change of `by_id` in.
    fn refresh(&mut self) {
        self.all = languages_of(self.by_id.values(), &Scope::default());
    }

    /// What [`LexicalIndex::scope_languages`] gives for `scope`.
    fn of(&self, scope: &Scope<'_>) -> ScopeLanguages {
        if scope.page.is_none() && scope.lang.is_none() {
            return self.all.clone();
        }
        languages_of(self.by_id.values(), scope)
    }
}

/// The configurations and languages of the live pages of `pages` in scope, and when the
/// newest of them in scope (live or not) last changed.
fn languages_of<'a>(
    pages: impl Iterator<Item = &'a PageMeta>,
    scope: &Scope<'_>,
) -> ScopeLanguages {
    let mut configs = BTreeSet::new();
    let mut langs: BTreeSet<&str> = BTreeSet::new();
    let mut last_modified = None;
    for page in pages {
        if scope.page.is_some_and(|p| p != page.slug) || scope.lang.is_some_and(|l| l != page.lang)
        {
            continue;
        }
        last_modified = last_modified.max(Some(page.updated_at));
        if page.live && langs.insert(page.lang.as_str()) {
            configs.insert(config_of(&page.lang));
        }
    }
    (
        configs.into_iter().collect(),
        langs.into_iter().map(str::to_owned).collect(),
        last_modified,
    )
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
    pages: RwLock<Pages>,
    /// Every indexed entry's [`DocMeta`].
    docs: RwLock<FxHashMap<Uuid, Arc<DocMeta>>>,
    /// The same entries' questions, as a prefix index for suggestions.
    completions: RwLock<completion::Completions>,
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
            docs: RwLock::new(FxHashMap::default()),
            completions: RwLock::new(completion::Completions::default()),
            analyzers,
            surface: TextAnalyzer::builder(WordTokenizer::default())
                .filter(RemoveLongFilter::limit(65))
                .filter(LowerCaser)
                .build(),
            vocabulary: Vocabulary::default(),
            pages: RwLock::new(Pages::default()),
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
        self.address_of(searcher, id)
            .and_then(|address| self.stored_answer(searcher, address))
            .unwrap_or_default()
    }

    /// Where the live document of an entry is: its id's postings read directly (a query and
    /// a collector for one document cost more than reading its answer).
    fn address_of(&self, searcher: &tantivy::Searcher, id: &Uuid) -> Option<DocAddress> {
        let term = Term::from_field_text(self.fields.id, &id.to_string());
        for (ord, segment) in searcher.segment_readers().iter().enumerate() {
            let Ok(inverted) = segment.inverted_index(self.fields.id) else {
                continue;
            };
            let Ok(Some(mut postings)) = inverted.read_postings(&term, IndexRecordOption::Basic)
            else {
                continue;
            };
            let mut doc = postings.doc();
            while doc != tantivy::TERMINATED {
                if !segment.is_deleted(doc) {
                    return Some(DocAddress::new(u32::try_from(ord).ok()?, doc));
                }
                doc = postings.advance();
            }
        }
        None
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
    fn scope_languages(&self, scope: &Scope<'_>) -> ScopeLanguages {
        let Ok(pages) = self.pages.read() else {
            return (Vec::new(), Vec::new(), None);
        };
        pages.of(scope)
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

    /// The word an unfinished `prefix` most likely stands for, when it is no word of the index
    /// itself: the surface word of `configs` that starts with it whose stems the most
    /// documents hold (then the shortest, then the first in alphabetical order).
    pub fn completion(&self, prefix: &str, configs: &[&'static str]) -> Option<String> {
        if self.knows(prefix, configs) {
            return None;
        }
        let searcher = self.reader.searcher();
        let mut best: Option<(u64, String)> = None;
        for config in configs {
            let Some(cf) = self.fields.by_config.get(config) else {
                continue;
            };
            let words = self
                .vocabulary
                .starting_with(config, prefix, COMPLETION_WORDS);
            for (word, stems) in words.iter().zip(self.analyse_each(config, &words)) {
                let freq = stems
                    .iter()
                    .map(|s| Self::doc_freq(&searcher, cf, s))
                    .min()
                    .unwrap_or(0);
                let better = best.as_ref().is_none_or(|(n, w)| {
                    freq > *n
                        || (freq == *n
                            && (word.chars().count(), word.as_str())
                                < (w.chars().count(), w.as_str()))
                });
                if freq > 0 && better {
                    best = Some((freq, word.clone()));
                }
            }
        }
        best.map(|(_, word)| word)
    }

    /// The words of the index that differ from `word` in their accents only, in any of
    /// `configs`: only words whose stems some document still holds. A single letter or a stop
    /// word of any language has none (`de` is not the Vietnamese `để`, `o` not `ô`).
    pub fn accent_variants(&self, word: &str, configs: &[&'static str]) -> Vec<String> {
        if word.chars().count() < 2 {
            return Vec::new();
        }
        // Most words have none: the look-up first, the stop words of every language after.
        let found: Vec<(&'static str, Vec<String>)> = configs
            .iter()
            .map(|config| (*config, self.vocabulary.accent_variants(config, word)))
            .filter(|(_, words)| !words.is_empty())
            .collect();
        if found.is_empty()
            || self
                .fields
                .by_config
                .keys()
                .any(|config| self.analyse(config, word).is_empty())
        {
            return Vec::new();
        }
        let searcher = self.reader.searcher();
        let mut out: Vec<String> = Vec::new();
        for (config, words) in found {
            let Some(cf) = self.fields.by_config.get(config) else {
                continue;
            };
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            for (w, stems) in words.iter().zip(self.analyse_each(config, &refs)) {
                let held =
                    !stems.is_empty() && stems.iter().all(|s| Self::doc_freq(&searcher, cf, s) > 0);
                if held && !out.contains(w) {
                    out.push(w.clone());
                }
            }
        }
        out
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

    /// Facet counts over every entry the query of `terms` matches (all terms; any term when
    /// that finds nothing), as [`LexicalIndex::search`] runs it, and over the entries of
    /// `by_meaning` (the semantic side's matches) in scope that the words did not match.
    pub fn facets(
        &self,
        terms: &[QueryTerm],
        by_meaning: &[Uuid],
        scope: &Scope<'_>,
        which: &[crate::search::facets::Facet],
    ) -> crate::search::facets::Facets {
        use crate::search::facets::{Counted, count};
        let (configs, langs, _) = self.scope_languages(scope);
        let text = terms
            .iter()
            .map(QueryTerm::searched)
            .collect::<Vec<_>>()
            .join(" ");
        let query_langs = self.query_languages(&text, &langs);
        let searcher = self.reader.searcher();
        let mut addresses = Vec::new();
        for all in [true, false] {
            if !all && (!addresses.is_empty() || terms.len() < 2) {
                break;
            }
            let Some(query) = self
                .query(&searcher, terms, (&configs, &query_langs), scope, all)
                .query
            else {
                continue;
            };
            if let Ok(found) = searcher.search(&query, &tantivy::collector::DocSetCollector) {
                addresses = found.into_iter().collect();
            }
        }
        let mut ids = self.ids_of(&searcher, &addresses);
        let matched: std::collections::HashSet<Uuid> = ids.iter().flatten().copied().collect();
        let mut extra: Vec<Uuid> = by_meaning
            .iter()
            .filter(|id| !matched.contains(id))
            .copied()
            .collect();
        extra.sort_unstable();
        extra.dedup();
        ids.extend(extra.into_iter().map(Some));
        let metas = self.metas(&ids);
        count(
            which,
            metas
                .iter()
                .flatten()
                .filter(|meta| {
                    scope.admits(&meta.page, &meta.lang, meta.section.as_deref(), &meta.tags)
                })
                .map(|meta| Counted {
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
        use crate::search::suggest::Suggestion;
        let completions = self.completions.read().ok()?;
        let found = completions.complete(
            typed,
            |meta| scope.admits(&meta.page, &meta.lang, meta.section.as_deref(), &meta.tags),
            limit,
        );
        Some(
            found
                .into_iter()
                .map(|meta| Suggestion {
                    question: meta.question.clone(),
                    slug: meta.slug.clone(),
                    page: meta.page.to_string(),
                    lang: meta.lang.to_string(),
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

#[cfg(test)]
mod tests {
    use super::query::{exact_share, likeness, trigrams};
    use super::sync::{GAP_PATIENCE, advance};
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
    fn exact_share_counts_whole_words_of_short_and_long_queries_alike() {
        assert!((exact_share(&["cat", "dog"], "the cat sat") - 0.5).abs() < 1e-9);
        // Past the flags kept on the stack (64): the same answer from the heap.
        let mut long: Vec<&str> = vec!["zzz"; 69];
        long.push("cat");
        assert!((exact_share(&long, "the cat sat") - 1.0 / 70.0).abs() < 1e-9);
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
    fn combining_marks_stay_in_their_word_and_thai_runs_become_pairs() {
        let tokens = |text: &str| {
            let mut analyzer = analyzer("simple", None);
            let mut stream = analyzer.token_stream(text);
            let mut tokens = Vec::new();
            while stream.advance() {
                tokens.push(stream.token().text.clone());
            }
            tokens
        };
        // An Arabic shadda, Hebrew points, a Devanagari vowel sign: one word each.
        assert_eq!(tokens("حساب مقيّد"), ["حساب", "مقيّد"]);
        assert_eq!(tokens("שָׁלוֹם"), ["שָׁלוֹם"]);
        assert_eq!(tokens("किताब"), ["किताब"]);
        // A mark with no letter before it is no word.
        assert_eq!(tokens("\u{301} a"), ["a"]);
        // Thai has no spaces between words: pairs, as CJK, its vowel and tone marks included.
        assert_eq!(tokens("บัตร"), ["บั", "ัต", "ตร"]);
        let terms = crate::search::query::Terms::parse("บัตรหมด").expanded();
        assert_eq!(terms.terms, ["บั", "ัต", "ตร", "รห", "หม", "มด"]);
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
