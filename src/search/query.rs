//! The terms of a query as the in-memory index searches them: the reader's words (CJK runs
//! as character pairs, as `Terms::expanded` makes them), hyphenated compounds kept together
//! (`e-mail` finds "email" and "e-mail"), and the corrections of an unknown word.

/// The most terms of a query that are searched for (the rest is ignored).
pub const MAX_TERMS: usize = 32;

/// Longer terms are cut (no word is longer; `levenshtein` refuses over 255).
const MAX_TERM_CHARS: usize = 64;

/// A query cut into terms: lowercase runs of letters and digits, whatever the
/// input held (quotes, operators, SQL, emoji and NUL bytes are separators).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub terms: Vec<String>,
    /// The last term was still being typed (no separator after it).
    pub last_unfinished: bool,
}

impl Terms {
    pub fn parse(q: &str) -> Self {
        let terms: Vec<String> = q
            .split(|c: char| !is_word_char(c))
            .filter(|t| !t.is_empty())
            .take(MAX_TERMS)
            .map(|t| {
                t.chars()
                    .take(MAX_TERM_CHARS)
                    .collect::<String>()
                    .to_lowercase()
            })
            .collect();
        let last_unfinished = q.chars().last().is_some_and(is_word_char);
        Self {
            terms,
            last_unfinished,
        }
    }

    /// The terms as searched: runs of Chinese, Japanese or Korean characters, which have no
    /// spaces between words, become their single characters (a run of one) or overlapping
    /// pairs, as the documents are indexed (`faqd_cjk_grams`).
    pub fn expanded(&self) -> Self {
        let mut terms = Vec::new();
        let mut last_unfinished = self.last_unfinished;
        for (i, term) in self.terms.iter().enumerate() {
            let mut word = String::new();
            let mut run: Vec<char> = Vec::new();
            let flush_run = |run: &mut Vec<char>, terms: &mut Vec<String>| {
                match run.len() {
                    0 => {}
                    1 => terms.push(run[0].to_string()),
                    _ => terms.extend(run.windows(2).map(|w| w.iter().collect::<String>())),
                }
                run.clear();
            };
            for c in term.chars() {
                if is_cjk(c) {
                    if !word.is_empty() {
                        terms.push(std::mem::take(&mut word));
                    }
                    run.push(c);
                } else {
                    flush_run(&mut run, &mut terms);
                    word.push(c);
                }
            }
            let ends_in_cjk = !run.is_empty();
            flush_run(&mut run, &mut terms);
            if !word.is_empty() {
                terms.push(word);
            }
            if i + 1 == self.terms.len() && ends_in_cjk {
                last_unfinished = false;
            }
        }
        terms.truncate(MAX_TERMS);
        Self {
            terms,
            last_unfinished,
        }
    }

    /// The terms joined by spaces: how insights store a query.
    pub fn normalized(&self) -> String {
        self.terms.join(" ")
    }
}

/// The scripts written without spaces between words, indexed by character pairs: hiragana,
/// katakana, CJK ideographs and Hangul, and Thai, Lao, Myanmar and Khmer (their vowel and tone
/// marks included, which sit in the same blocks).
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x0e00..=0x0eff | 0x1000..=0x109f | 0x1780..=0x17ff
        | 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xf900..=0xfaff | 0xac00..=0xd7af)
}

/// A character of a word: a letter or a digit, or a combining mark, which belongs to the
/// letter before it (an Arabic shadda, Hebrew points, Devanagari vowel signs, a decomposed
/// accent): without it, `مقيّد` would be cut in two.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || unicode_normalization::char::is_combining_mark(c)
}

/// One term of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// The word as typed (lowercase); a compound's parts joined (`email` for `e-mail`).
    pub text: String,
    /// The last word, still being typed: words that start with it match too.
    pub unfinished: bool,
    /// A hyphenated compound's parts (`e`, `mail`), else empty: the compound matches its
    /// joined form or all of its parts.
    pub parts: Vec<String>,
    /// Words of the index one or two typos away, with their typos (fewest first), when the
    /// word itself is unknown to the index and to the language.
    pub typos: Vec<(String, u8)>,
    /// Words of the index that differ from it in their accents only (`conexion`: "conexión";
    /// `xam`: "xăm"): readers often type without them, and they match as the word does.
    pub variants: Vec<String>,
}

impl QueryTerm {
    fn word(text: String) -> Self {
        Self {
            text,
            unfinished: false,
            parts: Vec::new(),
            typos: Vec::new(),
            variants: Vec::new(),
        }
    }

    /// What the term became for the reader's eyes: its best correction, else itself.
    pub fn searched(&self) -> &str {
        self.typos.first().map_or(&self.text, |(w, _)| w)
    }
}

/// `word` without its accents: each Latin or Greek letter as its base letter (the first of its
/// canonical decomposition), the letters with a stroke that have none (`đ`, `ł`, `ø`) as their
/// plain letter, and Russian `ё` as `е`. Other scripts are left as they are (a Japanese voiced
/// kana or a Hangul syllable is a letter of its own, not an accented one).
pub fn fold(word: &str) -> String {
    use unicode_normalization::char::decompose_canonical;
    word.chars()
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            'ł' => 'l',
            'Ł' => 'L',
            'ø' => 'o',
            'Ø' => 'O',
            'ё' => 'е',
            'Ё' => 'Е',
            '\u{c0}'..='\u{24f}' | '\u{370}'..='\u{3ff}' | '\u{1e00}'..='\u{1fff}' => {
                let mut base = None;
                decompose_canonical(c, |d| {
                    base.get_or_insert(d);
                });
                base.unwrap_or(c)
            }
            other => other,
        })
        .collect()
}

/// Hyphen-like characters that join the parts of a compound word.
pub fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// The hyphenated compounds of `q`: runs of two or more words (letters and digits, not
/// CJK) joined by single hyphens, each as its lowercase parts.
pub fn compounds(q: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut parts: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        if is_word_char(c) && !is_cjk(c) {
            word.extend(c.to_lowercase());
            continue;
        }
        let joins = is_hyphen(c)
            && !word.is_empty()
            && chars
                .peek()
                .is_some_and(|n| is_word_char(*n) && !is_cjk(*n));
        if !word.is_empty() {
            parts.push(std::mem::take(&mut word));
        }
        if !joins {
            if parts.len() >= 2 {
                out.push(std::mem::take(&mut parts));
            }
            parts.clear();
        }
    }
    if !word.is_empty() {
        parts.push(word);
    }
    if parts.len() >= 2 {
        out.push(parts);
    }
    out
}

/// The terms of `q` as searched: `Terms::parse(q).expanded()`, with each hyphenated
/// compound's parts merged into one term.
pub fn parse(q: &str) -> Vec<QueryTerm> {
    let expanded = Terms::parse(q).expanded();
    let compounds = compounds(q);
    let mut out: Vec<QueryTerm> = Vec::new();
    let mut i = 0;
    let mut next_compound = 0;
    while i < expanded.terms.len() {
        let found = compounds[next_compound.min(compounds.len())..]
            .iter()
            .position(|c| expanded.terms.get(i..i + c.len()) == Some(c.as_slice()));
        if let Some(at) = found {
            let parts = compounds[next_compound + at].clone();
            i += parts.len();
            next_compound += at + 1;
            out.push(QueryTerm {
                text: parts.concat(),
                unfinished: false,
                parts,
                typos: Vec::new(),
                variants: Vec::new(),
            });
        } else {
            out.push(QueryTerm::word(expanded.terms[i].clone()));
            i += 1;
        }
    }
    // A whole word still being typed matches longer words too (a single letter does not:
    // it would match half the corpus).
    if expanded.last_unfinished
        && let Some(last) = out.last_mut()
        && last.text.chars().count() >= 2
    {
        last.unfinished = true;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_drops_latin_greek_accents_and_keeps_other_scripts() {
        assert_eq!(fold("conexión"), "conexion");
        assert_eq!(fold("xăm hình có đau không"), "xam hinh co dau khong");
        assert_eq!(fold("schlüssel"), "schlussel");
        assert_eq!(fold("ελληνικά"), "ελληνικα");
        assert_eq!(fold("ёлка й"), "елка й");
        assert_eq!(fold("がぎ 한국"), "がぎ 한국");
        assert_eq!(fold("łódź øre"), "lodz ore");
    }

    #[test]
    fn hyphenated_words_are_compounds() {
        assert_eq!(
            compounds("my e-mail and a cross-connect-box, not - this"),
            [vec!["e", "mail"], vec!["cross", "connect", "box"]]
        );
        assert!(compounds("a - b -c d-").is_empty());
    }

    #[test]
    fn a_compound_is_one_term_with_its_parts() {
        let terms = parse("change e-mail addr");
        let texts: Vec<&str> = terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, ["change", "email", "addr"]);
        assert_eq!(terms[1].parts, ["e", "mail"]);
        assert!(terms[2].unfinished);
        assert!(!terms[0].unfinished);
        let terms = parse("cross-connect ");
        assert_eq!(terms.len(), 1);
        assert!(!terms[0].unfinished);
        assert!(!parse("a").iter().any(|t| t.unfinished));
    }

    #[test]
    fn any_input_becomes_plain_terms() {
        let t = Terms::parse("  How MANY teams?! ");
        assert_eq!(t.terms, ["how", "many", "teams"]);
        assert!(!t.last_unfinished);
        let t = Terms::parse("'; DROP TABLE entries;-- & | ! ( ) : * \0 😀 motiv");
        assert_eq!(t.terms, ["drop", "table", "entries", "motiv"]);
        assert!(t.last_unfinished);
        assert_eq!(Terms::parse(&"word ".repeat(5000)).terms.len(), MAX_TERMS);
        assert!(Terms::parse("!!! ...").terms.is_empty());
        assert_eq!(Terms::parse("équipe coaché").terms, ["équipe", "coaché"]);
    }
}
