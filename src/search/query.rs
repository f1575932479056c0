//! The terms of a query as the in-memory index searches them: the reader's words (CJK runs
//! as character pairs, as `Terms::expanded` makes them), hyphenated compounds kept together
//! (`e-mail` finds "email" and "e-mail"), and the corrections of an unknown word.

use crate::search::postgres::{Terms, is_cjk};

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
}

impl QueryTerm {
    fn word(text: String) -> Self {
        Self {
            text,
            unfinished: false,
            parts: Vec::new(),
            typos: Vec::new(),
        }
    }

    /// What the term became for the reader's eyes: its best correction, else itself.
    pub fn searched(&self) -> &str {
        self.typos.first().map_or(&self.text, |(w, _)| w)
    }
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
        if c.is_alphanumeric() && !is_cjk(c) {
            word.extend(c.to_lowercase());
            continue;
        }
        let joins = is_hyphen(c)
            && !word.is_empty()
            && chars
                .peek()
                .is_some_and(|n| n.is_alphanumeric() && !is_cjk(*n));
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
}
