//! Analysis as PostgreSQL's text search configurations do it: the configuration of a page
//! language, its stemmer and stop words, and the word tokenizer (CJK runs become pairs).

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, StopWordFilter, TextAnalyzer, Token,
    TokenStream, Tokenizer,
};

use crate::search::query::{is_cjk, is_word_char};

/// PostgreSQL's text search configurations (`faqd_ts_config`), with their stemmer.
pub(super) const CONFIGS: [(&str, Option<Language>); 16] = [
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
pub(super) const ENGLISH_STOP_WORDS: &[&str] = &[
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

pub(super) fn analyzer(name: &str, language: Option<Language>) -> TextAnalyzer {
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

/// Words: runs of letters and digits; runs of Chinese, Japanese or Korean characters become
/// their single character (a run of one) or overlapping pairs, as `faqd_cjk_grams` indexes
/// them in PostgreSQL and `Terms::expanded` searches them.
#[derive(Clone, Default)]
pub(super) struct WordTokenizer {
    tokens: Vec<Token>,
}

pub(super) struct WordStream<'a> {
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
            } else if is_word_char(c) && (word.is_some() || c.is_alphanumeric()) {
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
pub(super) fn add_compounds(text: &str, tokens: &mut Vec<Token>) {
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
