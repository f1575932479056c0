//! Reciprocal rank fusion of the two rankings, as a pure function: the full-text ranking
//! (stemming per page language, typo tolerance, prefix) and the semantic ranking
//! (multilingual sentence embeddings, which find paraphrases and other languages).
//!
//! Each side contributes its best [`POOL`] candidates; an entry's fused score is the sum over
//! the sides of `weight / (K + rank)`. Semantic candidates count only when they are close to
//! the query (at least [`MIN_SIMILARITY`], and within [`SPREAD`] of the best one): a query about
//! nothing in the FAQ finds nothing. The [`Searcher`](crate::search::Searcher) runs both sides,
//! fetches the hits and pages through the fused order.
//!
//! The query's language is weighed once, on the word side (its ranking puts the entries in
//! the query's language first): the semantic side is multilingual on purpose, and a second
//! bonus here would bury the answer to a query written in another language than its page.
//! Only when the words found nothing does fusion favour the query's language
//! ([`favour_language`]).
//! The constants were set on the first relevance set (`tests/relevance/queries.json`) and
//! checked on the second (`queries-round2.json`); see `tests/relevance/README.md`.

use std::collections::{HashMap, HashSet};

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
const PARTIAL_LEXICAL_WEIGHT: f64 = 0.3;
const SEMANTIC_WEIGHT: f64 = 1.0;
/// The bonus of a meaning match in the language the query seems to be written in, when the
/// word side found nothing (see [`favour_language`]), as a share of a first place.
const LANGUAGE_BONUS: f64 = 0.5;
/// Semantic candidates below this cosine similarity are not matches.
pub const MIN_SIMILARITY: f32 = 0.80;
/// Nor those further than this below the best one.
pub const SPREAD: f32 = 0.06;

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
/// and not far below the best one.
pub fn close_matches(semantic: Vec<(Uuid, f32)>) -> Vec<(Uuid, f32)> {
    let best = semantic.first().map_or(0.0, |(_, s)| *s);
    semantic
        .into_iter()
        .filter(|(_, s)| *s >= MIN_SIMILARITY && *s >= best - SPREAD)
        .collect()
}

/// The fused order of two rankings (best first): each id scores the sum over the sides of
/// `weight / (K + rank)` (ranks from 1; at most [`POOL`] ids per side; an id repeated within
/// one side counts at its best rank only). Ties are broken by id, so the order is
/// deterministic.
pub fn fuse(lexical: &[Uuid], semantic: &[Uuid], weights: Weights) -> Vec<(Uuid, f64)> {
    let mut fused: HashMap<Uuid, f64> = HashMap::new();
    for (side, weight) in [(lexical, weights.lexical), (semantic, weights.semantic)] {
        let mut seen = HashSet::new();
        let pool = usize::try_from(POOL).unwrap_or(usize::MAX);
        let firsts = side.iter().filter(|id| seen.insert(**id)).take(pool);
        for (rank, id) in firsts.enumerate() {
            *fused.entry(*id).or_default() += weight / (K + rank as f64 + 1.0);
        }
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

    const EVEN: Weights = Weights {
        lexical: 1.0,
        semantic: 1.0,
    };

    #[test]
    fn an_entry_on_both_sides_outranks_one_side_firsts() {
        let order = fuse(&[id(1), id(2)], &[id(3), id(2)], EVEN);
        assert_eq!(ids(&order)[0], id(2));
        let two = 1.0 / 7.0 + 1.0 / 7.0;
        assert!((order[0].1 - two).abs() < 1e-12);
    }

    #[test]
    fn ties_are_broken_by_id() {
        let order = fuse(&[id(9)], &[id(4)], EVEN);
        assert_eq!(ids(&order), [id(4), id(9)]);
        assert_eq!(order[0].1, order[1].1);
        let again = fuse(&[id(4)], &[id(9)], EVEN);
        assert_eq!(ids(&again), [id(4), id(9)]);
    }

    #[test]
    fn one_side_empty_keeps_the_other_sides_order() {
        let words = [id(3), id(1), id(2)];
        assert_eq!(ids(&fuse(&words, &[], EVEN)), words);
        assert_eq!(ids(&fuse(&[], &words, EVEN)), words);
        assert!(fuse(&[], &[], EVEN).is_empty());
    }

    #[test]
    fn a_duplicate_within_one_side_counts_once() {
        let order = fuse(&[id(1), id(1), id(2)], &[], EVEN);
        assert_eq!(ids(&order), [id(1), id(2)]);
        assert!((order[0].1 - 1.0 / 6.0).abs() < 1e-12);
        assert!((order[1].1 - 1.0 / 7.0).abs() < 1e-12);
    }

    #[test]
    fn weights_shift_the_balance() {
        let partial = Weights::for_words(true);
        assert_eq!(partial.lexical, 0.3);
        let order = fuse(&[id(1)], &[id(2)], partial);
        assert_eq!(ids(&order), [id(2), id(1)]);
        assert_eq!(Weights::for_words(false), EVEN);
        let order = fuse(&[id(2)], &[id(1)], Weights::for_words(false));
        assert_eq!(ids(&order), [id(1), id(2)]);
    }

    #[test]
    fn the_language_of_the_query_is_not_weighed_twice() {
        // The word side already ranks the query's language first: fusion adds nothing, so a
        // query in another language than its page (found first by meaning) keeps its answer.
        let order = fuse(&[id(1), id(2)], &[id(2), id(1)], EVEN);
        assert_eq!(
            order[0].1, order[1].1,
            "first and second on either side tie"
        );
        assert_eq!(ids(&order), [id(1), id(2)], "by id");
    }

    #[test]
    fn without_word_hits_the_query_language_lifts_an_equal() {
        let order = favour_language(fuse(&[], &[id(1), id(2)], EVEN), |x| *x == id(2));
        assert_eq!(ids(&order), [id(2), id(1)]);
        assert!((order[0].1 - (1.0 / 7.0 + 0.5 / 6.0)).abs() < 1e-12);
        // Nothing favoured (no language told): the meaning's order stays.
        let order = favour_language(fuse(&[], &[id(3), id(1), id(2)], EVEN), |_| false);
        assert_eq!(ids(&order), [id(3), id(1), id(2)]);
    }

    #[test]
    fn a_first_place_outweighs_a_near_miss_on_the_other_side() {
        // First by meaning only, against second by words and fifth by meaning.
        let order = fuse(&[id(9), id(2)], &[id(1), id(3), id(4), id(5), id(2)], EVEN);
        assert_eq!(ids(&order)[0], id(2), "on both sides, it still leads");
        let order = fuse(&[id(2)], &[id(1), id(3), id(4), id(5), id(6), id(2)], EVEN);
        assert_eq!(ids(&order)[0], id(2));
        // With only some of its words found, a word-side first place is weak evidence: the
        // meaning's first place wins.
        let order = fuse(&[id(2), id(1)], &[id(1)], Weights::for_words(true));
        assert_eq!(ids(&order)[0], id(1));
        let order = fuse(&[id(2)], &[id(1)], Weights::for_words(true));
        assert_eq!(ids(&order), [id(1), id(2)]);
    }

    #[test]
    fn each_side_contributes_at_most_a_pool() {
        let many: Vec<Uuid> = (0..(POOL as u128 + 20)).map(id).collect();
        let order = fuse(&many, &[], EVEN);
        assert_eq!(order.len(), POOL as usize);
        assert_eq!(ids(&order), many[..POOL as usize]);
        let both = fuse(&many, &many[POOL as usize..], EVEN);
        assert_eq!(both.len(), POOL as usize + 20);
    }

    #[test]
    fn semantic_matches_are_close_and_near_the_best() {
        let found = vec![(id(1), 0.95), (id(2), 0.90), (id(3), 0.88), (id(4), 0.70)];
        assert_eq!(
            close_matches(found),
            vec![(id(1), 0.95), (id(2), 0.90)],
            "0.88 is more than 0.06 below the best, 0.70 below the floor"
        );
        assert!(close_matches(vec![(id(1), 0.79)]).is_empty());
        assert!(close_matches(Vec::new()).is_empty());
    }
}
