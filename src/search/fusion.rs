//! The fusion of the two rankings, as a pure function: the full-text ranking (stemming per
//! page language, typo tolerance, prefix) and the semantic ranking (multilingual sentence
//! embeddings, which find paraphrases and other languages).
//!
//! The word side counts by rank (reciprocal rank fusion: `weight / (K + rank)` for its best
//! [`POOL`] candidates). The meaning side counts by similarity: a match as close to the query as
//! the best one weighs as much as a first place, one [`SPREAD`] below it nothing, linearly in
//! between. Ranks would make a hair's difference in cosine similarity (0.874 against 0.873) as
//! decisive as a first place against a second; the similarity keeps how sure the meaning is, so
//! that a near tie by meaning is settled by the words, and a clear first by meaning is not
//! overturned by an entry that shares one word with the query. Semantic candidates count only
//! when they are close to the query (at least [`MIN_SIMILARITY`], and within [`SPREAD`] of the
//! best one): a query about nothing in the FAQ finds nothing. The
//! [`Searcher`](crate::search::Searcher) runs both sides, fetches the hits and pages through the
//! fused order.
//!
//! The query's language is weighed once, on the word side (its ranking puts the entries in
//! the query's language first): the semantic side is multilingual on purpose, and a second
//! bonus here would bury the answer to a query written in another language than its page.
//! Only when the words found nothing does fusion favour the query's language
//! ([`favour_language`]).
//! The constants were set on the first relevance set (`tests/relevance/queries.json`) and
//! checked on the second (`queries-round2.json`); see `tests/relevance/README.md`.

use rustc_hash::{FxHashMap, FxHashSet};

use uuid::Uuid;

/// Candidates taken from each side.
pub const POOL: i64 = 50;
/// Reciprocal rank fusion's constant: small, so that a first place on one side weighs
/// clearly more than a fifth (both sides put the answer first or near it far more often than
/// not, and a near miss on one side should not outweigh a first place on the other).
const K: f64 = 5.0;
/// The weight of each side.
const LEXICAL_WEIGHT: f64 = 1.0;
/// The word side's weight when no entry holds every word of the query (the hits hold some
/// of them, often only a product name every question shares): far weaker evidence than the
/// meaning's, as paraphrases and synonyms show (they share a word or two with many questions).
const PARTIAL_LEXICAL_WEIGHT: f64 = 0.2;
const SEMANTIC_WEIGHT: f64 = 1.0;
/// The bonus of a meaning match in the language the query seems to be written in, when the
/// word side found nothing (see [`favour_language`]), as a share of a first place.
const LANGUAGE_BONUS: f64 = 0.5;
/// Semantic candidates below this cosine similarity are not matches.
pub const MIN_SIMILARITY: f32 = 0.80;
/// Nor those this far below the best one, or further: the window over which a meaning match's
/// weight falls from a first place's to nothing (multilingual-e5-small's similarities of
/// related texts lie between about 0.80 and 0.92).
pub const SPREAD: f32 = 0.04;

/// The weight of each side in one fusion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub lexical: f64,
    pub semantic: f64,
}

impl Weights {
    /// The weights of a search whose full-text side found entries with every word of the
    /// query (`partial` false), or only with some of them.
    pub fn for_words(partial: bool) -> Self {
        Self {
            lexical: if partial {
                PARTIAL_LEXICAL_WEIGHT
            } else {
                LEXICAL_WEIGHT
            },
            semantic: SEMANTIC_WEIGHT,
        }
    }
}

/// The semantic candidates (best first) that count as matches: close enough to the query,
/// and less than [`SPREAD`] below the best one.
pub fn close_matches(semantic: Vec<(Uuid, f32)>) -> Vec<(Uuid, f32)> {
    let best = semantic.first().map_or(0.0, |(_, s)| *s);
    semantic
        .into_iter()
        .filter(|(_, s)| *s >= MIN_SIMILARITY && *s > best - SPREAD)
        .collect()
}

/// The fused order (best first) of the word ranking (best first) and the meaning matches
/// (with their cosine similarity, best first, as [`close_matches`] keeps them): each id scores
/// `lexical / (K + rank)` on the word side (ranks from 1; at most [`POOL`] ids; an id repeated
/// counts at its best rank only) plus `semantic × closeness / (K + 1)` on the meaning side,
/// where closeness is 1 for the best similarity and falls linearly to 0 at [`SPREAD`] below
/// it. Ties are broken by id, so the order is deterministic.
pub fn fuse(lexical: &[Uuid], semantic: &[(Uuid, f32)], weights: Weights) -> Vec<(Uuid, f64)> {
    let mut fused: FxHashMap<Uuid, f64> = FxHashMap::default();
    let pool = usize::try_from(POOL).unwrap_or(usize::MAX);
    let mut seen = FxHashSet::default();
    let firsts = lexical.iter().filter(|id| seen.insert(**id)).take(pool);
    for (rank, id) in firsts.enumerate() {
        *fused.entry(*id).or_default() += weights.lexical / (K + rank as f64 + 1.0);
    }
    let best = semantic
        .iter()
        .map(|(_, s)| *s)
        .fold(f32::NEG_INFINITY, f32::max);
    let mut seen = FxHashSet::default();
    let firsts = semantic
        .iter()
        .filter(|(id, _)| seen.insert(*id))
        .take(pool);
    for (id, similarity) in firsts {
        let closeness = f64::from(1.0 - (best - similarity) / SPREAD).clamp(0.0, 1.0);
        *fused.entry(*id).or_default() += weights.semantic * closeness / (K + 1.0);
    }
    let mut order: Vec<(Uuid, f64)> = fused.into_iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order
}

/// When the words found nothing (the word side weighs the query's language itself): the
/// meaning matches with `favoured` (in the language the query seems to be written in) rise by
/// half a first place, so that a French query whose words no entry holds finds the French
/// page's answer before the English one's. Ties stay broken by id.
pub fn favour_language(
    mut order: Vec<(Uuid, f64)>,
    favoured: impl Fn(&Uuid) -> bool,
) -> Vec<(Uuid, f64)> {
    for (id, score) in order.iter_mut() {
        if favoured(id) {
            *score += LANGUAGE_BONUS / (K + 1.0);
        }
    }
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn ids(order: &[(Uuid, f64)]) -> Vec<Uuid> {
        order.iter().map(|(id, _)| *id).collect()
    }

    /// Meaning matches at the given similarities.
    fn near(found: &[(u128, f32)]) -> Vec<(Uuid, f32)> {
        found.iter().map(|(n, s)| (id(*n), *s)).collect()
    }

    const EVEN: Weights = Weights {
        lexical: 1.0,
        semantic: 1.0,
    };

    #[test]
    fn an_entry_on_both_sides_outranks_one_side_firsts() {
        let order = fuse(&[id(1), id(2)], &near(&[(3, 0.90), (2, 0.89)]), EVEN);
        assert_eq!(ids(&order)[0], id(2));
        let two = 1.0 / 7.0 + 0.75 / 6.0;
        assert!((order[0].1 - two).abs() < 1e-6, "{}", order[0].1);
    }

    #[test]
    fn ties_are_broken_by_id() {
        let order = fuse(&[id(9)], &near(&[(4, 0.9)]), EVEN);
        assert_eq!(ids(&order), [id(4), id(9)]);
        assert_eq!(order[0].1, order[1].1);
        let again = fuse(&[id(4)], &near(&[(9, 0.9)]), EVEN);
        assert_eq!(ids(&again), [id(4), id(9)]);
    }

    #[test]
    fn one_side_empty_keeps_the_other_sides_order() {
        let words = [id(3), id(1), id(2)];
        assert_eq!(ids(&fuse(&words, &[], EVEN)), words);
        let meaning = near(&[(3, 0.90), (1, 0.89), (2, 0.88)]);
        assert_eq!(ids(&fuse(&[], &meaning, EVEN)), words);
        assert!(fuse(&[], &[], EVEN).is_empty());
    }

    #[test]
    fn a_duplicate_within_one_side_counts_once() {
        let order = fuse(&[id(1), id(1), id(2)], &[], EVEN);
        assert_eq!(ids(&order), [id(1), id(2)]);
        assert!((order[0].1 - 1.0 / 6.0).abs() < 1e-12);
        assert!((order[1].1 - 1.0 / 7.0).abs() < 1e-12);
        let order = fuse(&[], &near(&[(1, 0.9), (1, 0.9)]), EVEN);
        assert!((order[0].1 - 1.0 / 6.0).abs() < 1e-12);
    }

    #[test]
    fn weights_shift_the_balance() {
        let partial = Weights::for_words(true);
        assert_eq!(partial.lexical, 0.2);
        let order = fuse(&[id(1)], &near(&[(2, 0.9)]), partial);
        assert_eq!(ids(&order), [id(2), id(1)]);
        assert_eq!(Weights::for_words(false), EVEN);
        let order = fuse(&[id(2)], &near(&[(1, 0.9)]), Weights::for_words(false));
        assert_eq!(ids(&order), [id(1), id(2)]);
    }

    #[test]
    fn the_language_of_the_query_is_not_weighed_twice() {
        // The word side already ranks the query's language first: fusion adds nothing, so a
        // query in another language than its page (found first by meaning) keeps its answer.
        let order = fuse(&[id(1), id(2)], &near(&[(2, 0.9), (1, 0.9)]), EVEN);
        assert_eq!(
            ids(&order),
            [id(1), id(2)],
            "by words, the meaning being a tie"
        );
    }

    #[test]
    fn without_word_hits_the_query_language_lifts_an_equal() {
        let meaning = near(&[(1, 0.9), (2, 0.9)]);
        let order = favour_language(fuse(&[], &meaning, EVEN), |x| *x == id(2));
        assert_eq!(ids(&order), [id(2), id(1)]);
        assert!((order[0].1 - (1.0 / 6.0 + 0.5 / 6.0)).abs() < 1e-12);
        // Nothing favoured (no language told): the meaning's order stays.
        let meaning = near(&[(3, 0.92), (1, 0.91), (2, 0.90)]);
        let order = favour_language(fuse(&[], &meaning, EVEN), |_| false);
        assert_eq!(ids(&order), [id(3), id(1), id(2)]);
    }

    #[test]
    fn a_first_place_outweighs_a_near_miss_on_the_other_side() {
        // First by meaning only, against second by words and a little below by meaning.
        let meaning = near(&[(1, 0.90), (3, 0.89), (4, 0.89), (5, 0.88), (2, 0.885)]);
        let order = fuse(&[id(9), id(2)], &meaning, EVEN);
        assert_eq!(ids(&order)[0], id(2), "on both sides, it still leads");
        // With only some of its words found, a word-side first place is weak evidence: the
        // meaning's clear first place wins.
        let order = fuse(
            &[id(2), id(1)],
            &near(&[(1, 0.9)]),
            Weights::for_words(true),
        );
        assert_eq!(ids(&order)[0], id(1));
        let order = fuse(&[id(2)], &near(&[(1, 0.9)]), Weights::for_words(true));
        assert_eq!(ids(&order), [id(1), id(2)]);
    }

    #[test]
    fn a_near_tie_by_meaning_is_settled_by_the_words() {
        // Second by meaning by a hair, first by words: it leads.
        let meaning = near(&[(1, 0.874), (2, 0.873)]);
        let order = fuse(&[id(2)], &meaning, Weights::for_words(true));
        assert_eq!(ids(&order)[0], id(2));
        // A clear first by meaning is not overturned by an entry that shares only some of
        // the query's words with it and is well below by meaning.
        let meaning = near(&[(1, 0.874), (2, 0.855)]);
        let order = fuse(&[id(2)], &meaning, Weights::for_words(true));
        assert_eq!(ids(&order)[0], id(1));
    }

    #[test]
    fn a_meaning_match_weighs_by_its_closeness_to_the_best() {
        let order = fuse(&[], &near(&[(1, 0.90), (2, 0.88), (3, 0.861)]), EVEN);
        assert!((order[0].1 - 1.0 / 6.0).abs() < 1e-6);
        assert!((order[1].1 - 0.5 / 6.0).abs() < 1e-6, "{}", order[1].1);
        assert!(order[2].1 < 0.05 / 6.0 && order[2].1 > 0.0);
        // At SPREAD below the best or further: nothing.
        let order = fuse(&[], &near(&[(1, 0.90), (2, 0.85)]), EVEN);
        assert_eq!(order[1].1, 0.0);
    }

    #[test]
    fn each_side_contributes_at_most_a_pool() {
        let many: Vec<Uuid> = (0..(POOL as u128 + 20)).map(id).collect();
        let order = fuse(&many, &[], EVEN);
        assert_eq!(order.len(), POOL as usize);
        assert_eq!(ids(&order), many[..POOL as usize]);
        let meaning: Vec<(Uuid, f32)> = many[POOL as usize..].iter().map(|i| (*i, 0.9)).collect();
        let both = fuse(&many, &meaning, EVEN);
        assert_eq!(both.len(), POOL as usize + 20);
    }

    #[test]
    fn semantic_matches_are_close_and_near_the_best() {
        let found = vec![(id(1), 0.95), (id(2), 0.92), (id(3), 0.90), (id(4), 0.70)];
        assert_eq!(
            close_matches(found),
            vec![(id(1), 0.95), (id(2), 0.92)],
            "0.90 is more than 0.04 below the best, 0.70 below the floor"
        );
        assert!(close_matches(vec![(id(1), 0.79)]).is_empty());
        assert!(close_matches(Vec::new()).is_empty());
    }
}
