//! Search highlights, built in Rust on the plain text: HTML-escaped first, then
//! only `<mark>` added around the words that match the query's lexemes (stemmed
//! with the same Snowball algorithms PostgreSQL's configurations use). Cheaper
//! than `ts_headline` by two orders of magnitude, and escaped by construction.

use rust_stemmers::{Algorithm, Stemmer};

/// Words of context in an answer's highlight.
const ANSWER_WORDS: usize = 30;

/// One lexeme of a query; `prefix` for a `:*` (unfinished word) lexeme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lexeme {
    pub text: String,
    pub prefix: bool,
}

/// The lexemes of a tsquery as `querytree()` prints it: `'team' & 'motiv':*`.
pub fn lexemes_of_querytree(tree: &str) -> Vec<Lexeme> {
    let mut lexemes = Vec::new();
    let mut rest = tree;
    while let Some(start) = rest.find('\'') {
        let after = &rest[start + 1..];
        // A quote inside a lexeme is doubled.
        let mut text = String::new();
        let mut chars = after.char_indices().peekable();
        let mut end = after.len();
        while let Some((i, c)) = chars.next() {
            if c == '\'' {
                if chars.peek().is_some_and(|(_, n)| *n == '\'') {
                    text.push('\'');
                    chars.next();
                    continue;
                }
                end = i + 1;
                break;
            }
            text.push(c);
        }
        rest = &after[end.min(after.len())..];
        let prefix = rest.starts_with(":*") || rest.starts_with(":A*") || rest.starts_with(":B*");
        if !text.is_empty()
            && !lexemes
                .iter()
                .any(|l: &Lexeme| l.text == text && l.prefix == prefix)
        {
            lexemes.push(Lexeme { text, prefix });
        }
    }
    lexemes
}

/// The Snowball stemmer of a PostgreSQL text search configuration, if any.
pub fn stemmer_for(config: &str) -> Option<Stemmer> {
    let algorithm = match config {
        "english" => Algorithm::English,
        "french" => Algorithm::French,
        "german" => Algorithm::German,
        "spanish" => Algorithm::Spanish,
        "italian" => Algorithm::Italian,
        "portuguese" => Algorithm::Portuguese,
        "dutch" => Algorithm::Dutch,
        "swedish" => Algorithm::Swedish,
        "danish" => Algorithm::Danish,
        "norwegian" => Algorithm::Norwegian,
        "finnish" => Algorithm::Finnish,
        "russian" => Algorithm::Russian,
        "hungarian" => Algorithm::Hungarian,
        "romanian" => Algorithm::Romanian,
        "turkish" => Algorithm::Turkish,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// Splits text into words (runs of letters and digits) and what lies between.
fn tokens(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_word = None;
    for (i, c) in text.char_indices() {
        let is_word = crate::search::query::is_word_char(c);
        match in_word {
            Some(w) if w != is_word => {
                out.push((&text[start..i], w));
                start = i;
            }
            _ => {}
        }
        in_word = Some(is_word);
    }
    if let Some(w) = in_word {
        out.push((&text[start..], w));
    }
    out
}

/// The first three characters of `text` (all of it when shorter).
fn head(text: &str) -> &str {
    text.char_indices()
        .nth(3)
        .map_or(text, |(at, _)| &text[..at])
}

/// Whether words match a query's lexemes, with no allocation per word: the lexemes' first
/// letters taken once, each word lowercased into one buffer, stemmed only when a lexeme
/// shares its first letters.
struct Matcher<'a> {
    lexemes: &'a [Lexeme],
    heads: Vec<&'a str>,
    stemmer: Option<&'a Stemmer>,
    lower: String,
}

impl<'a> Matcher<'a> {
    fn new(lexemes: &'a [Lexeme], stemmer: Option<&'a Stemmer>) -> Self {
        Self {
            lexemes,
            heads: lexemes.iter().map(|l| head(&l.text)).collect(),
            stemmer,
            lower: String::new(),
        }
    }

    fn matches(&mut self, word: &str) -> bool {
        self.lower.clear();
        if word.is_ascii() {
            self.lower.push_str(word);
            self.lower.make_ascii_lowercase();
        } else {
            self.lower.push_str(&word.to_lowercase());
        }
        let lower = self.lower.as_str();
        // Snowball stemmers rewrite endings, not beginnings: a word whose first
        // letters no lexeme shares cannot match, and needs no stemming (most words).
        if !self.heads.iter().any(|h| lower.starts_with(h)) {
            return false;
        }
        let stemmed = self.stemmer.map(|s| s.stem(lower));
        let stem = stemmed.as_deref().unwrap_or(lower);
        self.lexemes.iter().any(|l| {
            if l.prefix {
                lower.starts_with(&l.text) || stem.starts_with(&l.text)
            } else {
                stem == l.text || lower == l.text
            }
        })
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The whole text, escaped, with matching words in `<mark>`.
pub fn highlight_all(text: &str, lexemes: &[Lexeme], stemmer: Option<&Stemmer>) -> String {
    let mut matcher = Matcher::new(lexemes, stemmer);
    let mut out = String::with_capacity(text.len() + 16);
    for (token, is_word) in tokens(text) {
        if is_word && matcher.matches(token) {
            out.push_str("<mark>");
            escape(token, &mut out);
            out.push_str("</mark>");
        } else {
            escape(token, &mut out);
        }
    }
    out
}

/// The passage of about 30 words with the most matches (the start when none
/// match), escaped, with matching words in `<mark>` and `…` where text was cut.
pub fn highlight_passage(text: &str, lexemes: &[Lexeme], stemmer: Option<&Stemmer>) -> String {
    // Whitespace collapses: the answer text comes from rendered HTML.
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let toks = tokens(&collapsed);
    let mut matcher = Matcher::new(lexemes, stemmer);
    // Whether each word (in order) matches: each word is looked at once.
    let hit: Vec<bool> = toks
        .iter()
        .filter(|t| t.1)
        .map(|t| matcher.matches(t.0))
        .collect();
    let (mut best, mut best_hits, mut window) = (0, 0, 0);
    for (i, &h) in hit.iter().enumerate() {
        window += usize::from(h);
        if i >= ANSWER_WORDS {
            window -= usize::from(hit[i - ANSWER_WORDS]);
        }
        if window > best_hits {
            best_hits = window;
            best = (i + 1).saturating_sub(ANSWER_WORDS);
        }
    }
    if best >= hit.len() {
        return String::new();
    }
    let last_word = (best + ANSWER_WORDS).min(hit.len()) - 1;
    let mut out = String::with_capacity(collapsed.len().min(512) + 64);
    if best > 0 {
        out.push_str("… ");
    }
    // From the passage's first word to its last, the separators between them included.
    let mut word = 0;
    for (token, is_word) in &toks {
        if *is_word {
            if word > last_word {
                break;
            }
            if word >= best {
                if hit[word] {
                    out.push_str("<mark>");
                    escape(token, &mut out);
                    out.push_str("</mark>");
                } else {
                    escape(token, &mut out);
                }
            }
            word += 1;
        } else if word > best && word <= last_word {
            escape(token, &mut out);
        }
    }
    if last_word + 1 < hit.len() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(items: &[(&str, bool)]) -> Vec<Lexeme> {
        items
            .iter()
            .map(|(t, p)| Lexeme {
                text: (*t).to_owned(),
                prefix: *p,
            })
            .collect()
    }

    #[test]
    fn querytrees_give_their_lexemes() {
        assert_eq!(
            lexemes_of_querytree("'team' & 'motiv':*"),
            lex(&[("team", false), ("motiv", true)])
        );
        assert_eq!(
            lexemes_of_querytree("'o''neil' | 'team'"),
            lex(&[("o'neil", false), ("team", false)])
        );
        assert!(lexemes_of_querytree("T").is_empty());
    }

    #[test]
    fn words_are_matched_by_stem_and_prefix_and_escaped() {
        let english = stemmer_for("english");
        let out = highlight_all(
            "How many <b>teams</b> & coaching?",
            &lex(&[("team", false), ("coach", false)]),
            english.as_ref(),
        );
        assert_eq!(
            out,
            "How many &lt;b&gt;<mark>teams</mark>&lt;/b&gt; &amp; <mark>coaching</mark>?"
        );
        let out = highlight_all(
            "Motivated teams",
            &lex(&[("motiv", true)]),
            english.as_ref(),
        );
        assert_eq!(out, "<mark>Motivated</mark> teams");
    }

    #[test]
    fn passages_center_on_the_matches() {
        let text = format!("{} needle here {}", "word ".repeat(50), "tail ".repeat(50));
        let out = highlight_passage(
            &text,
            &lex(&[("needl", false)]),
            stemmer_for("english").as_ref(),
        );
        assert!(out.starts_with("… ") && out.ends_with(" …"), "{out}");
        assert!(out.contains("<mark>needle</mark>"));
        assert!(out.split_whitespace().count() <= 32);
        assert_eq!(highlight_passage("", &[], None), "");
        assert_eq!(highlight_passage("short text", &[], None), "short text");
    }
}
