//! Running a query over the index: prefixes and typos expanded, BM25 over the fields of each
//! configuration in scope, the best hits re-scored by their question's likeness to the query.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, Term};
use uuid::Uuid;

use crate::search::highlight::{self, Lexeme};
use crate::search::hit::{Found, Highlight, Hit, PendingHighlight, Scope};
use crate::search::language::{has_primary, query_languages_by};
use crate::search::query::QueryTerm;

use super::{ConfigFields, DocMeta, LexicalIndex};

/// A question match outweighs an answer match, as weights A (1.0) and B (0.4) do in
/// PostgreSQL's ranking.
const QUESTION_BOOST: f32 = 2.5;
/// The most index terms an unfinished last word expands to (the most frequent win).
const MAX_PREFIX_TERMS: usize = 64;
/// The most surface words an unfinished last word is looked up among (alphabetical order):
/// their stems join the stems that start with it.
const SURFACE_PREFIX_WORDS: usize = 256;
/// The weight of a word matched with one or two typos, against an exact match's 1: an exact
/// match ranks above a corrected one.
const TYPO_WEIGHTS: [f32; 3] = [1.0, 0.5, 0.3];
/// The weight of a word matched with other accents than typed (`conexion` for "conexión"),
/// against an exact match's 1.
const ACCENT_WEIGHT: f32 = 1.0;
/// The weight, in the re-scored pool, of the share of the query's words found as written
/// (not only by stem) in the question: an exact word outranks a stem shared by an
/// unrelated word ("bank" against "banking").
const EXACT_WORD_WEIGHT: f64 = 0.1;
/// How many of the best hits are re-scored with their question's likeness to the query.
const RERANK_POOL: usize = 200;
/// The weight, in the re-scored pool, of an entry in the language the query is written in
/// (when its words tell one, [`LexicalIndex::query_languages`]): a Dutch query ranks the Dutch page's
/// question above a French one that shares a stem or a name with it. As much as the best
/// hit's whole BM25 score (scores are divided by the best one): within one tier (all words,
/// or some), the entries in the query's language come first, each ranked as before.
const LANGUAGE_WEIGHT: f64 = 1.0;
/// The weight, in the re-scored pool, of the question's likeness to the whole query (shared
/// letter triples): sorts paraphrases that share stems but not words.
const LIKENESS_WEIGHT: f64 = 0.5;

impl LexicalIndex {
    /// Index terms of `field` that start with `prefix`, with their document counts.
    pub(super) fn expand_prefix(
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
    pub(super) fn prefix_stems(
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
    /// each configuration searched, for highlights. A stop word of the language the query is
    /// written in (`query_langs`) neither narrows nor ranks in any configuration: "the" and
    /// "of" of an English query do not match a Chinese page's text, "wie" of a Dutch query
    /// not a German one's.
    ///
    /// A boolean query of one clause scores as its clause does, so such wrappers are left
    /// out: a query of one word in one configuration, unfiltered, is then a plain union of
    /// term queries ([`Built::flat`]), whose best hits tantivy finds with block-max WAND.
    pub(super) fn query(
        &self,
        searcher: &tantivy::Searcher,
        terms: &[QueryTerm],
        (configs, query_langs): (&[&'static str], &[String]),
        scope: &Scope<'_>,
        all: bool,
    ) -> Built {
        let mut branches: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        // Whether the one branch so far is one flat union of term queries.
        let mut flat_branch = false;
        let mut lexemes = HashMap::new();
        let stop = self.query_stop_words(terms, query_langs);
        for config in configs {
            let Some(cf) = self.fields.by_config.get(config) else {
                continue;
            };
            let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
            // Whether each clause is a union of term queries only (no compound's parts).
            let mut flat_clauses: Vec<bool> = Vec::new();
            let mut config_lexemes = Vec::new();
            let mut lexeme = |text: &str, prefix: bool| {
                config_lexemes.push(Lexeme {
                    text: text.to_owned(),
                    prefix,
                });
            };
            for (term, _) in terms.iter().zip(&stop).filter(|(_, stop)| !**stop) {
                let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                let mut flat = true;
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
                        flat = false;
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
                // The same word with other accents matches as the word does.
                let variant_words: Vec<&str> = term.variants.iter().map(String::as_str).collect();
                let mut variant_stems: Vec<String> = Vec::new();
                for stems in self.analyse_each(config, &variant_words) {
                    for stem in stems {
                        if tokens.contains(&stem) || variant_stems.contains(&stem) {
                            continue;
                        }
                        alternatives.extend(field_pair(cf, &stem, ACCENT_WEIGHT));
                        lexeme(&stem, false);
                        variant_stems.push(stem);
                    }
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
                        if tokens.contains(&stem)
                            || typo_stems.contains(&stem)
                            || variant_stems.contains(&stem)
                        {
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
                flat_clauses.push(flat);
            }
            lexemes.insert(*config, Arc::from(config_lexemes));
            // A configuration's one clause stands for it (each branch is a `Should`).
            flat_branch = clauses.len() == 1 && flat_clauses.first() == Some(&true);
            let branch: Box<dyn Query> = match clauses.pop() {
                None => continue,
                Some((_, only)) if clauses.is_empty() => only,
                Some(last) => {
                    clauses.push(last);
                    Box::new(BooleanQuery::new(clauses))
                }
            };
            branches.push((Occur::Should, branch));
        }
        let flat = branches.len() == 1 && flat_branch;
        let body: Box<dyn Query> = match branches.len() {
            0 => {
                return Built {
                    query: None,
                    lexemes,
                    flat: false,
                };
            }
            1 => match branches.pop() {
                Some((_, query)) => query,
                None => return Built::default(),
            },
            _ => Box::new(BooleanQuery::new(branches)),
        };
        if scope.page.is_none()
            && scope.lang.is_none()
            && scope.section.is_none()
            && scope.tag.is_none()
        {
            return Built {
                query: Some(body),
                lexemes,
                flat,
            };
        }
        let mut top: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, body)];
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
        Built {
            query: Some(Box::new(BooleanQuery::new(top))),
            lexemes,
            flat: false,
        }
    }

    /// The languages `text` seems written in, among `langs`: by script, else by the words
    /// that each language's word list holds, or only its pages (a word the pages of two
    /// languages hold, such as a name, tells neither, and a stop word is a word it holds; a
    /// language without a stemmer of its own shares its words with others, so only its word
    /// list counts).
    pub(super) fn query_languages(&self, text: &str, langs: &[String]) -> Vec<String> {
        let mut configs: Vec<&'static str> =
            langs.iter().map(|lang| super::config_of(lang)).collect();
        configs.sort_unstable();
        configs.dedup();
        // Looked up when asked (a query in another script tells its language without them),
        // once per word.
        let only_in: RefCell<HashMap<String, Option<&'static str>>> = RefCell::default();
        query_languages_by(text, langs.iter().map(String::as_str), |word, lang| {
            let mut only_in = only_in.borrow_mut();
            let holder = *only_in.entry(word.to_owned()).or_insert_with(|| {
                let mut holding = configs.iter().filter(|c| self.knows(word, &[**c]));
                let first = *holding.next()?;
                (first != "simple" && holding.next().is_none()).then_some(first)
            });
            holder == Some(super::config_of(lang))
        })
    }

    /// For each term, whether it is a stop word of one of `query_langs` (the languages the
    /// query is written in): never a compound, an unfinished word or a typo's correction.
    fn query_stop_words(&self, terms: &[QueryTerm], query_langs: &[String]) -> Vec<bool> {
        let configs: Vec<&'static str> = query_langs
            .iter()
            .map(|lang| super::config_of(lang))
            .filter(|config| *config != "simple")
            .collect();
        let stop = terms
            .iter()
            .map(|term| {
                term.parts.is_empty()
                    && !term.unfinished
                    && term.typos.is_empty()
                    && configs
                        .iter()
                        .any(|config| self.analyse(config, &term.text).is_empty())
            })
            .collect::<Vec<bool>>();
        // A query of stop words only ("what is it") searches them all, as before.
        if stop.iter().all(|s| *s) {
            return vec![false; terms.len()];
        }
        stop
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
        let (configs, langs, last_modified) = self.scope_languages(scope);
        let query_langs = self.query_languages(text, &langs);
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
            let Built {
                query: Some(query),
                lexemes,
                flat,
            } = self.query(&searcher, terms, (&configs, &query_langs), scope, all)
            else {
                continue;
            };
            // The re-scored pool is the same whatever the offset, so that pages of hits cut
            // one ordering: the pool by score, then every other hit by rank.
            let want = (offset + limit).max(RERANK_POOL).max(1);
            let Ok((top, total)) = best_and_count(&searcher, query.as_ref(), want, flat) else {
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
                        score += LIKENESS_WEIGHT * likeness(&query_grams, &meta.question_lower);
                        score +=
                            EXACT_WORD_WEIGHT * exact_share(&exact_words, &meta.question_lower);
                        if query_langs.iter().any(|l| has_primary(&meta.lang, l)) {
                            score += LANGUAGE_WEIGHT;
                        }
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
                    let lexemes = lexemes.get(meta.config).cloned().unwrap_or_else(no_lexemes);
                    let answer = full.then(|| {
                        top.get(at)
                            .and_then(|(_, address)| self.stored_answer(&searcher, *address))
                            .unwrap_or_default()
                    });
                    hit(id, &meta, &lexemes, score, answer)
                })
                .collect();
        }
        searched
    }

    /// The hits of `ids` in scope (in that order), highlighted for the words of `text`,
    /// answers pending: the semantic side's hits that the words did not find.
    pub fn hits_by_ids(&self, ids: &[Uuid], text: &str, scope: &Scope<'_>) -> Vec<Hit> {
        let wanted: Vec<Option<Uuid>> = ids.iter().copied().map(Some).collect();
        // The text's lexemes in each configuration, analysed once.
        let mut by_config: Vec<(&'static str, Arc<[Lexeme]>)> = Vec::new();
        ids.iter()
            .zip(self.metas(&wanted))
            .filter_map(|(id, meta)| {
                let meta = meta?;
                if !scope.admits(&meta.page, &meta.lang, meta.section.as_deref(), &meta.tags) {
                    return None;
                }
                let lexemes = match by_config.iter().find(|(c, _)| *c == meta.config) {
                    Some((_, lexemes)) => lexemes.clone(),
                    None => {
                        let lexemes: Arc<[Lexeme]> = self
                            .analyse(meta.config, text)
                            .into_iter()
                            .map(|text| Lexeme {
                                text,
                                prefix: false,
                            })
                            .collect();
                        by_config.push((meta.config, lexemes.clone()));
                        lexemes
                    }
                };
                Some(hit(*id, &meta, &lexemes, 0.0, None))
            })
            .collect()
    }

    /// Builds the highlights candidates left pending (their question's and their answer's).
    pub fn complete(&self, hits: &mut [Hit]) {
        let searcher = self.reader.searcher();
        for hit in hits.iter_mut() {
            let Some(pending) = hit.pending.take() else {
                continue;
            };
            let stemmer = highlight::stemmer_for(&pending.config);
            if pending.question {
                hit.highlight.question =
                    highlight::highlight_all(&hit.question, &pending.lexemes, stemmer.as_ref());
            }
            let answer = self.answer_of(&searcher, &hit.id);
            hit.highlight.answer =
                highlight::highlight_passage(&answer, &pending.lexemes, stemmer.as_ref());
        }
    }
}

/// The lexemes a query searched in each configuration (for highlights), shared by its hits.
pub(super) type LexemesByConfig = HashMap<&'static str, Arc<[Lexeme]>>;

/// A query over the index, as [`LexicalIndex::query`] builds it.
#[derive(Default)]
pub(super) struct Built {
    /// `None` when no configuration has a word to search.
    pub query: Option<Box<dyn Query>>,
    /// The lexemes each configuration searched, for highlights.
    pub lexemes: LexemesByConfig,
    /// A plain union of term queries: tantivy finds its best hits without scoring every
    /// match (block-max WAND), and counts its matches without scoring them.
    pub flat: bool,
}

/// The best `want` hits of `query` and how many documents it matches. A flat query
/// ([`Built::flat`]) is ranked with pruning and counted apart, only when its best hits fill
/// `want` (else they are every match); any other in one pass that scores every match (tantivy
/// prunes only unions of terms, and a second pass would cost more than the scores).
fn best_and_count(
    searcher: &tantivy::Searcher,
    query: &dyn Query,
    want: usize,
    flat: bool,
) -> tantivy::Result<(Vec<(f32, DocAddress)>, usize)> {
    if !flat {
        return searcher.search(query, &(TopDocs::with_limit(want), Count));
    }
    let top = searcher.search(query, &TopDocs::with_limit(want))?;
    let total = if top.len() < want {
        top.len()
    } else {
        query.count(searcher)?
    };
    Ok((top, total))
}

/// No lexemes (a configuration the query did not search).
fn no_lexemes() -> Arc<[Lexeme]> {
    Arc::from(Vec::new())
}

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

/// A hit: with its answer (`answer`), its question and answer highlighted now; else both
/// highlights pending ([`LexicalIndex::complete`] builds them for the hits shown only).
pub(super) fn hit(
    id: Uuid,
    meta: &DocMeta,
    lexemes: &Arc<[Lexeme]>,
    score: f64,
    answer: Option<String>,
) -> Hit {
    let (highlight, pending) = match answer {
        Some(text) => {
            let stemmer = highlight::stemmer_for(meta.config);
            (
                Highlight {
                    question: highlight::highlight_all(&meta.question, lexemes, stemmer.as_ref()),
                    answer: highlight::highlight_passage(&text, lexemes, stemmer.as_ref()),
                },
                None,
            )
        }
        None => (
            Highlight {
                question: String::new(),
                answer: String::new(),
            },
            Some(Box::new(PendingHighlight::both(
                lexemes.clone(),
                meta.config,
            ))),
        ),
    };
    Hit {
        id,
        slug: meta.slug.clone(),
        page: meta.page.to_string(),
        lang: meta.lang.to_string(),
        highlight,
        question: meta.question.clone(),
        score: (score * 10_000.0).round() / 10_000.0,
        pending,
    }
}

pub(super) fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::Basic,
    ))
}

/// A token in the question (boosted) or in the answer, weighted by `weight` (below 1 for
/// a word matched with typos).
pub(super) fn field_pair(
    cf: &ConfigFields,
    token: &str,
    weight: f32,
) -> [(Occur, Box<dyn Query>); 2] {
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

/// `n` flags, all false: in `small` when they fit (no allocation for any usual query), else
/// in `large`.
fn flags<'a, const N: usize>(
    small: &'a mut [bool; N],
    large: &'a mut Vec<bool>,
    n: usize,
) -> &'a mut [bool] {
    if n <= N {
        &mut small[..n]
    } else {
        large.resize(n, false);
        large
    }
}

/// The share of `words` (as written, lowercase) found as whole words in `question`
/// (lowercase).
pub(super) fn exact_share(words: &[&str], question: &str) -> f64 {
    if words.is_empty() {
        return 0.0;
    }
    // The question's words walked once, each typed word marked when found.
    let (mut small, mut large) = ([false; 64], Vec::new());
    let found = flags(&mut small, &mut large, words.len());
    for q in question.split(|c: char| !crate::search::query::is_word_char(c)) {
        for (w, seen) in words.iter().zip(found.iter_mut()) {
            if !*seen && q == *w {
                *seen = true;
            }
        }
    }
    found.iter().filter(|f| **f).count() as f64 / words.len() as f64
}

/// The smallest byte string above every string that starts with `prefix`.
pub(super) fn prefix_upper_bound(prefix: &[u8]) -> Option<Vec<u8>> {
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
pub(super) fn each_trigram(lower: &str, mut each: impl FnMut([char; 3])) {
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

/// The distinct trigrams of `text` (pg_trgm's), sorted: a query's, looked up by
/// [`likeness`] for every question of the re-scored pool.
pub(super) fn trigrams(text: &str) -> Vec<[char; 3]> {
    let mut grams = Vec::new();
    each_trigram(&text.to_lowercase(), |g| grams.push(g));
    grams.sort_unstable();
    grams.dedup();
    grams
}

/// The share of the query's trigrams (as [`trigrams`] gives them) found in `question`
/// (lowercase; pg_trgm's `word_similarity`, measured on the whole question): sorts
/// paraphrases that share word stems but not words.
pub(super) fn likeness(query: &[[char; 3]], question: &str) -> f64 {
    if query.is_empty() {
        return 0.0;
    }
    // Which of the query's trigrams were seen: on the stack for any usual query.
    let (mut small, mut large) = ([false; 256], Vec::new());
    let seen = flags(&mut small, &mut large, query.len());
    let mut found = 0usize;
    each_trigram(question, |g| {
        if let Ok(at) = query.binary_search(&g)
            && !seen[at]
        {
            seen[at] = true;
            found += 1;
        }
    });
    found as f64 / query.len() as f64
}

#[cfg(test)]
mod tests {
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{Index, doc};

    use super::*;

    /// A flat query ranked with pruning and counted apart gives what one pass that scores
    /// every match gives: the same best hits, scores and order, and the same total.
    #[test]
    fn a_flat_query_ranks_and_counts_as_one_pass_over_every_match() -> tantivy::Result<()> {
        let mut builder = Schema::builder();
        let question = builder.add_text_field("q", TEXT);
        let answer = builder.add_text_field("a", TEXT);
        let index = Index::create_in_ram(builder.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        let mut state = 7u64;
        for i in 0..3000u32 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let coaches = "coach ".repeat(usize::try_from((state >> 33) % 4).unwrap_or(0));
            let filler = "word ".repeat(usize::try_from((state >> 40) % 30).unwrap_or(0));
            let team = if (state >> 50).is_multiple_of(3) {
                "team"
            } else {
                ""
            };
            writer.add_document(doc!(
                question => format!("{coaches} question {i}"),
                answer => format!("{filler} {team} {coaches} {i}"),
            ))?;
        }
        writer.commit()?;
        let searcher = index.reader()?.searcher();
        let cf = ConfigFields { question, answer };
        let query: Box<dyn Query> = Box::new(BooleanQuery::new(
            field_pair(&cf, "coach", 1.0)
                .into_iter()
                .chain(field_pair(&cf, "team", 0.5))
                .collect(),
        ));
        for want in [1, 20, 200, 5000] {
            let pruned = best_and_count(&searcher, query.as_ref(), want, true)?;
            let full = best_and_count(&searcher, query.as_ref(), want, false)?;
            assert!(pruned.1 > 200, "the query matches more than the pool");
            assert_eq!(pruned, full, "the best {want}");
        }
        Ok(())
    }
}
