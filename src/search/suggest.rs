//! Suggestions as one types: the questions that complete the letters typed so far. Every
//! finished word must be a word of the question (a short one, up to three letters, may be
//! missing: "how do i reset" still finds "How can I reset …"), and the unfinished last word
//! must start one of its words. Questions that begin with what was typed come first, then
//! those with fewer missing words, the earlier match, the shorter question.
//!
//! Pure: the in-memory index (`crate::search::lexical`) runs it over the candidates of its prefix
//! index of questions (the questions that begin with what was typed, then those holding its
//! words), and the search in PostgreSQL over the rows of one query when the index is not built.

use std::cmp::Ordering;

use serde::Serialize;
use utoipa::ToSchema;

use crate::search::query::{is_cjk, is_word_char};

/// One suggested question.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suggestion {
    #[schema(example = "How many teams can a technical coach support?")]
    pub question: String,
    #[schema(example = "how-many-teams-can-a-technical-coach-support")]
    pub slug: String,
    #[schema(example = "faq")]
    pub page: String,
    #[schema(example = "en")]
    pub lang: String,
}

/// Finished words this short may be missing from a question (articles, auxiliaries).
const SKIPPABLE_CHARS: usize = 3;

/// What was typed, lowercase.
#[derive(Debug, Clone)]
pub struct Typed {
    /// The words followed by a separator.
    words: Vec<String>,
    /// The word still being typed.
    last: Option<String>,
}

/// How well a question completes what was typed: smaller is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rank {
    /// 0: the question begins with what was typed.
    tier: u8,
    /// Short finished words missing from the question.
    missing: u16,
    /// Where the first typed word is in the question.
    first: u16,
    /// The question's length in bytes.
    len: u32,
}

/// The words of a question (lowercase), as [`Typed::rank`] reads them: runs of letters and
/// digits.
pub fn question_words(question: &str) -> impl Iterator<Item = &str> {
    question
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
}

impl Rank {
    /// The rank of a question (lowercase) of `len` bytes that begins with what was typed
    /// ([`Typed::against_start`] is `Equal`): what [`Typed::rank`] gives it.
    pub fn leading(len: usize) -> Self {
        Self::starting(0, len)
    }

    /// The rank [`Typed::rank`] gives a question (lowercase) of `len` bytes when a single
    /// unfinished word was typed ([`Typed::only_start`]) and the question's first word that
    /// starts with it is its word number `first` (from 0).
    pub fn starting(first: usize, len: usize) -> Self {
        Self {
            tier: u8::from(first > 0),
            missing: 0,
            first: u16::try_from(first).unwrap_or(u16::MAX),
            len: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }
}

impl Typed {
    pub fn parse(q: &str) -> Self {
        let lower = q.to_lowercase();
        let mut words: Vec<String> = lower
            .split(|c: char| !is_word_char(c))
            .filter(|w| !w.is_empty())
            .take(32)
            .map(|w| w.chars().take(64).collect())
            .collect();
        let unfinished = lower.chars().last().is_some_and(is_word_char);
        let last = if unfinished { words.pop() } else { None };
        Self { words, last }
    }

    pub fn is_empty(&self) -> bool {
        self.words.is_empty() && self.last.is_none()
    }

    /// A text every matching question (lowercase) contains: a quick test before [`rank`].
    ///
    /// [`rank`]: Typed::rank
    pub fn needle(&self) -> Option<&str> {
        self.last.as_deref().or_else(|| {
            self.words
                .iter()
                .max_by_key(|w| w.len())
                .map(String::as_str)
        })
    }

    /// The rank of `question` (lowercase), `None` when it does not complete what was typed.
    pub fn rank(&self, question: &str) -> Option<Rank> {
        if self.needle().is_some_and(|n| !question.contains(n)) {
            return None;
        }
        // The question's words, walked afresh for each typed word: no allocation per question
        // (most of a corpus is ranked for a two-letter prefix).
        let words = || question_words(question);
        let mut missing = 0u16;
        let mut first: Option<usize> = None;
        let mut note = |at: usize| {
            first = Some(first.map_or(at, |f| f.min(at)));
        };
        for typed in &self.words {
            if typed.chars().any(is_cjk) {
                // No spaces between CJK words: a part of the text.
                if !question.contains(typed.as_str()) {
                    return None;
                }
                note(0);
                continue;
            }
            match words().position(|w| w == typed) {
                Some(at) => note(at),
                None if typed.chars().count() <= SKIPPABLE_CHARS => missing += 1,
                None => return None,
            }
        }
        if let Some(last) = &self.last {
            if last.chars().any(is_cjk) {
                note(0);
            } else {
                note(words().position(|w| w.starts_with(last.as_str()))?);
            }
        }
        // Something typed must be there: short words alone are no match.
        first?;
        let mut start = words();
        let begins = self.words.iter().all(|t| start.next() == Some(t.as_str()))
            && match &self.last {
                Some(last) => start.next().is_some_and(|w| w.starts_with(last.as_str())),
                None => true,
            };
        Some(Rank {
            tier: u8::from(!begins),
            missing,
            first: u16::try_from(first.unwrap_or(0)).unwrap_or(u16::MAX),
            len: u32::try_from(question.len()).unwrap_or(u32::MAX),
        })
    }

    /// The finished words every completing question holds as whole words (the words of
    /// [`Typed::rank`] that may not be missing).
    pub fn whole_words(&self) -> impl Iterator<Item = &str> {
        self.words
            .iter()
            .filter(|w| !w.chars().any(is_cjk) && w.chars().count() > SKIPPABLE_CHARS)
            .map(String::as_str)
    }

    /// The unfinished word, when every completing question has a word that starts with it.
    pub fn word_start(&self) -> Option<&str> {
        self.last.as_deref().filter(|l| !l.chars().any(is_cjk))
    }

    /// The unfinished word, when it is all that was typed (and not Chinese, Japanese or
    /// Korean): a question completes it when one of its words starts with it.
    pub fn only_start(&self) -> Option<&str> {
        self.word_start().filter(|_| self.words.is_empty())
    }

    /// Where a question (lowercase) stands against what was typed in the order of their
    /// words (as strings, lexicographically): `Equal` when it begins with what was typed,
    /// `Less` or `Greater` when it sorts before or after every question that does. Questions
    /// sorted by their words hold those that begin with what was typed in one run.
    pub fn against_start(&self, question: &str) -> Ordering {
        let mut words = question_words(question);
        for typed in &self.words {
            match words.next() {
                // A question that stops inside what was typed sorts before it.
                None => return Ordering::Less,
                Some(w) => match w.cmp(typed.as_str()) {
                    Ordering::Equal => {}
                    other => return other,
                },
            }
        }
        match &self.last {
            None => Ordering::Equal,
            Some(last) => match words.next() {
                None => Ordering::Less,
                Some(w) if w.starts_with(last.as_str()) => Ordering::Equal,
                // A word that does not start with `last` sorts before or after all that do.
                Some(w) => w.cmp(last.as_str()),
            },
        }
    }
}

/// The best `limit` of `ranked`, best first; ties by `key` (the question, then the slug).
pub fn best<T, K: Ord>(mut ranked: Vec<(Rank, T)>, limit: usize, key: impl Fn(&T) -> K) -> Vec<T> {
    let order = |a: &(Rank, T), b: &(Rank, T)| -> Ordering {
        a.0.cmp(&b.0).then_with(|| key(&a.1).cmp(&key(&b.1)))
    };
    if limit == 0 {
        return Vec::new();
    }
    if ranked.len() > limit {
        ranked.select_nth_unstable_by(limit - 1, order);
        ranked.truncate(limit);
    }
    ranked.sort_by(order);
    ranked.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rank(q: &str, question: &str) -> Option<Rank> {
        Typed::parse(q).rank(&question.to_lowercase())
    }

    #[test]
    fn the_unfinished_word_starts_a_word_and_finished_words_are_whole() {
        let q = "How many teams can a technical coach support?";
        assert!(rank("how many te", q).is_some());
        assert!(rank("coach sup", q).is_some());
        assert!(rank("coa", q).is_some());
        assert!(rank("coac ", q).is_none(), "a finished word is whole");
        assert!(rank("tea ", q).is_none(), "short words alone match nothing");
        assert!(rank("xyz", q).is_none());
        assert!(rank("how do i reset my pass", "How can I reset my password?").is_some());
        assert!(rank("投稿", "Q: 投稿有报酬吗？").is_some());
    }

    #[test]
    fn a_question_that_begins_with_what_was_typed_comes_first() {
        let begins = rank("what is a tech", "What is a technical coach?").unwrap();
        let inside = rank("what is a tech", "So what is a technical coach?").unwrap();
        assert!(begins < inside);
        let short = rank("coach", "What is a coach?").unwrap();
        let long = rank("coach", "What is a coach for the teams of the company?").unwrap();
        assert!(short < long);
    }

    const QUESTIONS: &[&str] = &[
        "How many teams can a technical coach support?",
        "How can I reset my password?",
        "How do refunds work?",
        "How do returns work?",
        "How?",
        "how many",
        "What is a technical coach?",
        "What is a coach for the teams of the company?",
        "So what is a technical coach?",
        "Q: 投稿有报酬吗？",
        "Coaching teams, how?",
        "E-mail or phone: which one?",
    ];

    const TYPED: &[&str] = &[
        "h",
        "ho",
        "how",
        "how ",
        "how m",
        "how many ",
        "how many te",
        "how do i reset my pass",
        "what is a tech",
        "coa",
        "coach ",
        "coaching t",
        "e",
        "e m",
        "e-mail ",
        "so ",
        "q ",
        "投稿",
        "q 投",
        "tea ",
        "xyz",
        "w",
        "whatever",
        "how? ",
        "z",
    ];

    #[test]
    fn a_question_begins_with_what_was_typed_exactly_when_it_sorts_in_its_run() {
        let mut questions: Vec<String> = QUESTIONS.iter().map(|q| q.to_lowercase()).collect();
        questions.sort_by(|a, b| question_words(a).cmp(question_words(b)));
        for q in TYPED {
            let typed = Typed::parse(q);
            let order: Vec<Ordering> = questions.iter().map(|x| typed.against_start(x)).collect();
            // Less…, Equal…, Greater…: one run, in that order.
            assert!(order.windows(2).all(|w| w[0] <= w[1]), "{q:?}: {order:?}");
            for (question, o) in questions.iter().zip(&order) {
                let rank = typed.rank(question);
                if *o == Ordering::Equal {
                    assert_eq!(
                        rank,
                        Some(Rank::leading(question.len())),
                        "{q:?} {question:?}"
                    );
                } else {
                    assert!(rank.is_none_or(|r| r.tier == 1), "{q:?} {question:?}");
                }
            }
        }
    }

    #[test]
    fn every_completing_question_holds_the_whole_words_and_a_word_of_the_start() {
        for q in TYPED {
            let typed = Typed::parse(q);
            for question in QUESTIONS.iter().map(|q| q.to_lowercase()) {
                if typed.rank(&question).is_none() {
                    continue;
                }
                let words: Vec<&str> = question_words(&question).collect();
                assert!(typed.whole_words().all(|w| words.contains(&w)), "{q:?}");
                if let Some(start) = typed.word_start() {
                    assert!(words.iter().any(|w| w.starts_with(start)), "{q:?}");
                }
                let needle = typed.needle().unwrap_or_default();
                assert!(words.iter().any(|w| w.contains(needle)), "{q:?}");
                if let Some(start) = typed.only_start() {
                    let at = words.iter().position(|w| w.starts_with(start));
                    assert_eq!(
                        typed.rank(&question),
                        at.map(|at| Rank::starting(at, question.len())),
                        "{q:?} {question:?}"
                    );
                }
            }
        }
    }
}
