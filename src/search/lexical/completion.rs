//! The prefix index of the questions readers see, for suggestions as one types: the questions
//! sorted by their words (those that begin with what was typed are one run of it, found by
//! binary search), and a sorted dictionary of their words, each with the questions that hold
//! it (a prefix is a range of it). A suggestion ranks only the questions these name, not every
//! question in scope: the run of questions that begin with what was typed when it fills the
//! suggestions, else the questions holding the rarest of what every completing question must
//! hold (a finished word as a whole word, a word starting with the unfinished one, or a word
//! containing the longest typed text). Ranking is `crate::search::suggest`'s, unchanged.
//!
//! Kept in step with the index's entries (`super::sync`): an entry is added with its
//! [`DocMeta`] and removed by id. A removed entry's slot stays in the word lists as a dead slot
//! (skipped when read) until enough are dead for a rebuild; entries added since the last
//! [`Completions::settle`] are found by a scan of their own until they are placed in order.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use uuid::Uuid;

use crate::search::suggest::{Rank, Typed, best, question_words};

use super::DocMeta;

/// Dead slots tolerated before a rebuild: at least this many, and a quarter of the live ones.
const DEAD_BEFORE_REBUILD: usize = 1024;

/// The prefix index (see the module's documentation).
#[derive(Default)]
pub(super) struct Completions {
    /// Each slot's entry; `None` once removed and out of `ordered`.
    slots: Vec<Option<Slot>>,
    /// The live slot of each entry.
    slot_of: HashMap<Uuid, u32>,
    /// Slots in the order of their question's words. A slot removed since the last
    /// [`Completions::settle`] keeps its place (and its question) until then, so that the
    /// order stays whole for the binary search.
    ordered: Vec<u32>,
    /// Slots added since the last [`Completions::settle`], in no order.
    fresh: Vec<u32>,
    /// Slots removed since the last [`Completions::settle`].
    removed: Vec<u32>,
    /// Every word of the questions, with the slots whose question holds it (ascending).
    words: BTreeMap<Box<str>, Vec<Posting>>,
    /// Removed slots the word lists still name.
    dead: usize,
}

/// A question that holds a word, and where the word first is in it (its word number).
#[derive(Clone, Copy)]
struct Posting {
    slot: u32,
    at: u16,
}

struct Slot {
    id: Uuid,
    meta: Arc<DocMeta>,
    live: bool,
}

impl Completions {
    pub(super) fn clear(&mut self) {
        *self = Self::default();
    }

    /// The entry of a slot, when it is live.
    fn meta(&self, slot: u32) -> Option<&Arc<DocMeta>> {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .filter(|s| s.live)
            .map(|s| &s.meta)
    }

    /// The question (lowercase) of a slot, live or removed but not yet settled.
    fn question(&self, slot: u32) -> Option<&str> {
        self.slots
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map(|s| &*s.meta.question_lower)
    }

    /// Adds (or replaces) an entry.
    pub(super) fn insert(&mut self, id: Uuid, meta: Arc<DocMeta>) {
        self.remove(&id);
        let Ok(slot) = u32::try_from(self.slots.len()) else {
            return;
        };
        let mut words: Vec<(&str, u16)> = question_words(&meta.question_lower)
            .enumerate()
            .map(|(at, word)| (word, u16::try_from(at).unwrap_or(u16::MAX)))
            .collect();
        // Each word once, where it first is.
        words.sort_unstable();
        words.dedup_by_key(|(word, _)| *word);
        for (word, at) in words {
            let posting = Posting { slot, at };
            match self.words.get_mut(word) {
                Some(postings) => postings.push(posting),
                None => {
                    self.words.insert(word.into(), vec![posting]);
                }
            }
        }
        self.slots.push(Some(Slot {
            id,
            meta,
            live: true,
        }));
        self.slot_of.insert(id, slot);
        self.fresh.push(slot);
    }

    pub(super) fn remove(&mut self, id: &Uuid) {
        if let Some(slot) = self.slot_of.remove(id)
            && let Some(Some(entry)) = self.slots.get_mut(slot as usize)
        {
            entry.live = false;
            self.removed.push(slot);
            self.dead += 1;
        }
    }

    /// Removes every entry for which `drop` holds.
    pub(super) fn remove_where(&mut self, gone_if: impl Fn(&DocMeta) -> bool) {
        let gone: Vec<Uuid> = self
            .slot_of
            .iter()
            .filter(|(_, slot)| self.meta(**slot).is_some_and(|meta| gone_if(meta)))
            .map(|(id, _)| *id)
            .collect();
        for id in &gone {
            self.remove(id);
        }
    }

    /// Takes the removed entries out of the order and places the added ones in it, or
    /// rebuilds when many slots are dead. Called when the index commits.
    pub(super) fn settle(&mut self) {
        if self.dead >= DEAD_BEFORE_REBUILD && self.dead * 4 >= self.slot_of.len() {
            self.rebuild();
        }
        if !self.removed.is_empty() {
            let slots = &self.slots;
            let live = |slot: &u32| {
                slots
                    .get(*slot as usize)
                    .and_then(Option::as_ref)
                    .is_some_and(|s| s.live)
            };
            self.ordered.retain(live);
            self.fresh.retain(live);
            for slot in std::mem::take(&mut self.removed) {
                if let Some(entry) = self.slots.get_mut(slot as usize) {
                    *entry = None;
                }
            }
        }
        if self.fresh.is_empty() {
            return;
        }
        let fresh = std::mem::take(&mut self.fresh);
        let mut ordered = std::mem::take(&mut self.ordered);
        let order = |a: &u32, b: &u32| match (self.question(*a), self.question(*b)) {
            (Some(a), Some(b)) => question_words(a).cmp(question_words(b)),
            (a, b) => a.is_some().cmp(&b.is_some()),
        };
        if fresh.len() * 8 < ordered.len() {
            // A few edits: each put in its place (a binary search) in the ordered run.
            for slot in fresh {
                let at = ordered.partition_point(|o| order(o, &slot) != Ordering::Greater);
                ordered.insert(at, slot);
            }
        } else {
            // A build or a large import: one sort merges the sorted run with the new slots.
            ordered.extend(fresh);
            ordered.sort_by(order);
        }
        self.ordered = ordered;
    }

    /// Renumbers the live entries: the dead slots go from every list.
    fn rebuild(&mut self) {
        let live: Vec<Slot> = std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .filter(|s| s.live)
            .collect();
        self.clear();
        for s in live {
            self.insert(s.id, s.meta);
        }
    }

    /// The best `limit` questions that complete what was typed among the entries `admits`
    /// lets through, best first: what ranking every such question would give.
    pub(super) fn complete<'a>(
        &'a self,
        typed: &Typed,
        admits: impl Fn(&DocMeta) -> bool,
        limit: usize,
    ) -> Vec<&'a DocMeta> {
        fn key<'b>(m: &&'b DocMeta) -> (&'b str, &'b str) {
            (m.question.as_str(), m.slug.as_str())
        }
        // The questions that begin with what was typed come before every other: when they
        // fill the suggestions, no other is looked at.
        let against = |slot: &u32| {
            self.question(*slot)
                .map_or(Ordering::Less, |q| typed.against_start(q))
        };
        let lo = self.ordered.partition_point(|s| against(s).is_lt());
        let hi = self.ordered.partition_point(|s| against(s).is_le());
        let leading: Vec<(Rank, &DocMeta)> = self.ordered[lo..hi]
            .iter()
            .chain(self.fresh.iter().filter(|s| against(s).is_eq()))
            .filter_map(|slot| self.meta(*slot))
            .filter(|meta| admits(meta))
            .map(|meta| (Rank::leading(meta.question_lower.len()), meta.as_ref()))
            .collect();
        if leading.len() >= limit {
            return best(leading, limit, key);
        }
        if let Some(start) = typed.only_start() {
            // One unfinished word: a question's rank is where its first word that starts
            // with it stands, which the word lists tell without reading the question.
            // Each question once, at its first such word: the lowest word number per slot.
            let mut first_at = vec![u16::MAX; self.slots.len()];
            let mut found: Vec<u32> = Vec::new();
            for posting in self.starting_with(start).flatten() {
                if let Some(at) = first_at.get_mut(posting.slot as usize) {
                    if *at == u16::MAX {
                        found.push(posting.slot);
                    }
                    *at = (*at).min(posting.at);
                }
            }
            let ranked: Vec<(Rank, &DocMeta)> = found
                .into_iter()
                .filter_map(|slot| Some((*first_at.get(slot as usize)?, self.meta(slot)?)))
                .filter(|(_, meta)| admits(meta))
                .map(|(at, meta)| {
                    (
                        Rank::starting(usize::from(at), meta.question_lower.len()),
                        meta.as_ref(),
                    )
                })
                .collect();
            return best(ranked, limit, key);
        }
        let ranked: Vec<(Rank, &DocMeta)> = self
            .candidates(typed)
            .into_iter()
            .filter_map(|slot| self.meta(slot))
            .filter(|meta| admits(meta))
            .filter_map(|meta| Some((typed.rank(&meta.question_lower)?, meta.as_ref())))
            .collect();
        best(ranked, limit, key)
    }

    /// The word lists of the words that start with `start`.
    fn starting_with<'a>(&'a self, start: &'a str) -> impl Iterator<Item = &'a [Posting]> {
        self.words
            .range::<str, _>((Bound::Included(start), Bound::Unbounded))
            .take_while(move |(word, _)| word.starts_with(start))
            .map(|(_, postings)| postings.as_slice())
    }

    /// Every slot whose question may complete what was typed (dead ones included): the
    /// holders of the rarest thing every completing question holds.
    fn candidates(&self, typed: &Typed) -> Vec<u32> {
        let mut lists: Vec<Vec<&[Posting]>> = Vec::new();
        for word in typed.whole_words() {
            match self.words.get(word) {
                Some(postings) => lists.push(vec![postings.as_slice()]),
                None => return Vec::new(),
            }
        }
        if let Some(start) = typed.word_start() {
            lists.push(self.starting_with(start).collect());
        }
        if lists.is_empty() {
            // Short words or Chinese, Japanese or Korean text only: the longest typed text is
            // inside a word of every completing question.
            let needle = typed.needle().unwrap_or_default();
            lists.push(
                self.words
                    .iter()
                    .filter(|(word, _)| word.contains(needle))
                    .map(|(_, postings)| postings.as_slice())
                    .collect(),
            );
        }
        let size = |list: &Vec<&[Posting]>| list.iter().map(|s| s.len()).sum::<usize>();
        let Some(rarest) = lists.into_iter().min_by_key(size) else {
            return Vec::new();
        };
        if let [postings] = rarest.as_slice() {
            // One word's list: each slot once, ascending, as it was filled.
            return postings.iter().map(|p| p.slot).collect();
        }
        // Several words' lists (a word start): each slot once, ascending, through a bitmap
        // rather than a sort of every posting (half the corpus for one or two letters).
        let mut seen = vec![0u64; self.slots.len().div_ceil(64)];
        for posting in rarest.iter().flat_map(|s| s.iter()) {
            if let Some(bits) = seen.get_mut(posting.slot as usize / 64) {
                *bits |= 1 << (posting.slot % 64);
            }
        }
        let mut slots = Vec::new();
        for (at, bits) in seen.iter().enumerate() {
            let mut bits = *bits;
            while bits != 0 {
                let slot = at * 64 + bits.trailing_zeros() as usize;
                slots.extend(u32::try_from(slot).ok());
                bits &= bits - 1;
            }
        }
        slots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(question: &str, page: &str) -> Arc<DocMeta> {
        Arc::new(DocMeta {
            page_id: 1,
            page: page.into(),
            lang: "en".into(),
            config: "english",
            slug: question.to_lowercase().replace(' ', "-"),
            question: question.to_owned(),
            question_lower: question.to_lowercase().into(),
            section: None,
            tags: Vec::new(),
        })
    }

    /// What ranking every question gives (the behaviour before the prefix index).
    fn brute(
        all: &[(Uuid, Arc<DocMeta>)],
        typed: &Typed,
        admits: impl Fn(&DocMeta) -> bool,
        limit: usize,
    ) -> Vec<String> {
        let ranked = all
            .iter()
            .map(|(_, m)| m.as_ref())
            .filter(|m| admits(m))
            .filter_map(|m| Some((typed.rank(&m.question_lower)?, m)))
            .collect();
        best(ranked, limit, |m: &&DocMeta| {
            (m.question.as_str(), m.slug.as_str())
        })
        .into_iter()
        .map(|m| m.slug.clone())
        .collect()
    }

    /// A small deterministic generator (no dependency for a test).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((self.0 >> 33) as usize) % n
        }
    }

    const WORDS: &[&str] = &[
        "how", "do", "i", "a", "the", "team", "teams", "teaching", "coach", "coaching", "can",
        "what", "is", "reset", "password", "e", "mail", "refund", "return", "投稿", "报酬", "to",
        "of", "my",
    ];

    fn question(rng: &mut Lcg) -> String {
        let n = 1 + rng.below(7);
        let mut q: Vec<&str> = (0..n).map(|_| WORDS[rng.below(WORDS.len())]).collect();
        if rng.below(4) == 0 {
            q.push("e-mail?");
        }
        let mut q = q.join(" ");
        if let Some(first) = q.get(..1) {
            q = first.to_uppercase() + &q[1..];
        }
        q + "?"
    }

    /// Compares the prefix index with ranking every question, for every typed text.
    fn check(index: &Completions, all: &[(Uuid, Arc<DocMeta>)], typed: &[String], when: &str) {
        let slugs = |found: Vec<&DocMeta>| -> Vec<String> {
            found.iter().map(|m| m.slug.clone()).collect()
        };
        for q in typed {
            let t = Typed::parse(q);
            for limit in [1, 5, 10] {
                let want = brute(all, &t, |_| true, limit);
                let got = slugs(index.complete(&t, |_| true, limit));
                assert_eq!(got, want, "{when}, {q:?}, limit {limit}");
            }
            let on_page = |m: &DocMeta| &*m.page == "other";
            let want = brute(all, &t, on_page, 5);
            let got = slugs(index.complete(&t, on_page, 5));
            assert_eq!(got, want, "{when}, {q:?}, page");
        }
    }

    #[test]
    fn suggestions_from_the_prefix_index_are_those_of_ranking_every_question() {
        let mut rng = Lcg(7);
        let mut index = Completions::default();
        let mut all: Vec<(Uuid, Arc<DocMeta>)> = Vec::new();
        let typed: Vec<String> = {
            let mut out = Vec::new();
            for _ in 0..30 {
                let q = question(&mut rng).to_lowercase();
                let q = q.trim_end_matches('?');
                for end in (1..=q.len()).filter(|e| q.is_char_boundary(*e)) {
                    out.push(q[..end].to_owned());
                }
            }
            out.extend(["how do ", "e-", "xyz", "投", "teaching coach ", "a "].map(String::from));
            out
        };
        let mut put = |index: &mut Completions, all: &mut Vec<(Uuid, Arc<DocMeta>)>, id| {
            let page = if rng.below(3) == 0 { "other" } else { "faq" };
            let m = meta(&question(&mut rng), page);
            all.retain(|(x, _)| *x != id);
            all.push((id, m.clone()));
            index.insert(id, m);
        };
        for round in 0..6u128 {
            // Many entries added, replaced and removed (a build, an import), settled (as a
            // commit does) on most rounds; unsettled on one.
            for i in 0..400 {
                put(
                    &mut index,
                    &mut all,
                    Uuid::from_u128((round * 400 + i) % 900),
                );
            }
            for i in 0..150 {
                let id = Uuid::from_u128((round * 7 + i * 13) % 900);
                all.retain(|(x, _)| *x != id);
                index.remove(&id);
            }
            if round % 2 == 1 {
                index.remove_where(|m| m.question.len() > 60);
                all.retain(|(_, m)| m.question.len() <= 60);
            }
            if round != 3 {
                index.settle();
            }
            check(&index, &all, &typed, &format!("round {round}"));
            // A few edits, each put in its place.
            for i in 0..4 {
                put(
                    &mut index,
                    &mut all,
                    Uuid::from_u128((round * 31 + i * 101) % 900),
                );
            }
            index.settle();
            check(&index, &all, &typed, &format!("round {round}, edits"));
        }
    }
}
