//! The surface words of the in-memory index, per text search configuration: the words as
//! written (lowercase, unstemmed, hyphenated compounds also joined), which the stemmed
//! fields have lost. An unfinished word is expanded over them (`coachin` → "coaching" →
//! stem `coach`), and an unknown word is looked up among them for typos.
//!
//! It only grows while the process runs (a rebuild of the index starts it afresh): a word
//! of an entry since deleted stays, so every use maps its words to their stems and keeps
//! only the stems the index still holds.

use std::collections::{BTreeSet, HashMap};
use std::sync::RwLock;

use super::query::fold;
use super::typo;

/// A word as characters, with its [`letters`].
type Spelled = (u64, Box<[char]>);

#[derive(Default)]
struct Words {
    all: BTreeSet<String>,
    /// The same words by length in characters, as characters with their [`letters`] (for
    /// the typo search).
    by_len: HashMap<usize, Vec<Spelled>>,
    /// The words with accents by their form without ([`fold`]): `conexion` → "conexión".
    by_folded: HashMap<String, Vec<String>>,
}

/// Surface words per configuration.
#[derive(Default)]
pub struct Vocabulary {
    by_config: RwLock<HashMap<&'static str, Words>>,
}

impl Vocabulary {
    /// Forgets every word (before a rebuild).
    pub fn clear(&self) {
        if let Ok(mut map) = self.by_config.write() {
            map.clear();
        }
    }

    /// Adds the words of documents in `config`.
    pub fn add<'a>(&self, config: &'static str, words: impl IntoIterator<Item = &'a str>) {
        let Ok(mut map) = self.by_config.write() else {
            return;
        };
        let entry = map.entry(config).or_default();
        for word in words {
            if word.is_empty() || entry.all.contains(word) {
                continue;
            }
            let chars: Box<[char]> = word.chars().collect();
            entry
                .by_len
                .entry(chars.len())
                .or_default()
                .push((letters(&chars), chars));
            let folded = fold(word);
            if folded != word {
                entry
                    .by_folded
                    .entry(folded)
                    .or_default()
                    .push(word.to_owned());
            }
            entry.all.insert(word.to_owned());
        }
    }

    /// Up to `max` words of `config` that start with `prefix`, in alphabetical order.
    pub fn starting_with(&self, config: &str, prefix: &str, max: usize) -> Vec<String> {
        let Ok(map) = self.by_config.read() else {
            return Vec::new();
        };
        let Some(words) = map.get(config) else {
            return Vec::new();
        };
        words
            .all
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|w| w.starts_with(prefix))
            .take(max)
            .cloned()
            .collect()
    }

    /// The words of `config` that differ from `word` in their accents only (`conexion`:
    /// "conexión"; `conexión`: "conexion" when the index holds it), `word` left out.
    pub fn accent_variants(&self, config: &str, word: &str) -> Vec<String> {
        let Ok(map) = self.by_config.read() else {
            return Vec::new();
        };
        let Some(words) = map.get(config) else {
            return Vec::new();
        };
        let folded = fold(word);
        let mut found: Vec<String> = words
            .by_folded
            .get(&folded)
            .into_iter()
            .flatten()
            .filter(|w| *w != word)
            .cloned()
            .collect();
        if folded != word && words.all.contains(&folded) {
            found.push(folded);
        }
        found.sort();
        found
    }

    /// The words of `config` within the typos `word`'s length allows (`typo::allowed`), with
    /// their typos, fewest first; `word` itself is left out.
    pub fn near(&self, config: &str, word: &str) -> Vec<(String, u8)> {
        let target: Vec<char> = word.chars().collect();
        let max = typo::allowed(target.len());
        if max == 0 {
            return Vec::new();
        }
        let Ok(map) = self.by_config.read() else {
            return Vec::new();
        };
        let Some(words) = map.get(config) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        let from = target.len().saturating_sub(usize::from(max));
        let target_letters = letters(&target);
        for len in from..=target.len() + usize::from(max) {
            for (candidate_letters, candidate) in words.by_len.get(&len).into_iter().flatten() {
                // Each typo changes at most two of the letter bits: words whose letters differ
                // by more cannot be near (most words, and every number, skip the distance).
                if (target_letters ^ candidate_letters).count_ones() > 2 * u32::from(max)
                    || **candidate == target[..]
                {
                    continue;
                }
                if let Some(d) = typo::distance_within(&target, candidate, max) {
                    found.push((candidate.iter().collect::<String>(), d));
                }
            }
        }
        found.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
        found
    }
}

/// Which letters a word holds, each hashed to one of 64 bits: an insertion or a deletion
/// changes at most one bit, a substitution at most two, a swap none, so words `d` typos
/// apart differ in at most `2d` bits.
fn letters(chars: &[char]) -> u64 {
    chars.iter().fold(0, |bits, c| {
        bits | 1 << (u32::from(*c).wrapping_mul(0x9E37_79B9) >> 26)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_by_prefix_and_by_typos() {
        let v = Vocabulary::default();
        v.add(
            "english",
            ["coaching", "coach", "coached", "shipping", "teams"],
        );
        assert_eq!(
            v.starting_with("english", "coachi", 10),
            ["coaching".to_owned()]
        );
        assert_eq!(v.starting_with("english", "coach", 2).len(), 2);
        assert!(v.starting_with("french", "coach", 2).is_empty());
        assert_eq!(v.near("english", "shiping"), [("shipping".to_owned(), 1)]);
        assert!(v.near("english", "team").is_empty(), "4 letters: no typo");
        v.add("spanish", ["conexión", "conexion", "canción"]);
        v.add("vietnamese", ["xăm", "xâm", "đau", "xam"]);
        assert_eq!(v.accent_variants("spanish", "conexion"), ["conexión"]);
        assert_eq!(v.accent_variants("spanish", "conexión"), ["conexion"]);
        assert_eq!(v.accent_variants("spanish", "cancion"), ["canción"]);
        assert_eq!(v.accent_variants("vietnamese", "xam"), ["xâm", "xăm"]);
        assert_eq!(v.accent_variants("vietnamese", "dau"), ["đau"]);
        assert!(v.accent_variants("spanish", "canción").is_empty());
        v.clear();
        assert!(v.starting_with("english", "coach", 2).is_empty());
    }

    #[test]
    fn the_letter_bits_never_hide_a_near_word() {
        // Words over a few letters and digits, against every word by distance alone.
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (seed >> 33) as usize
        };
        let alphabet: Vec<char> = "abcdeést0123".chars().collect();
        let words: Vec<String> = (0..3000)
            .map(|_| {
                let len = 3 + next() % 9;
                (0..len)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect()
            })
            .collect();
        let v = Vocabulary::default();
        v.add("simple", words.iter().map(String::as_str));
        let mut unique = words.clone();
        unique.sort();
        unique.dedup();
        for word in words.iter().take(300) {
            let target: Vec<char> = word.chars().collect();
            let max = typo::allowed(target.len());
            let mut expected: Vec<(String, u8)> = unique
                .iter()
                .filter(|w| *w != word)
                .filter_map(|w| {
                    let chars: Vec<char> = w.chars().collect();
                    Some((w.clone(), typo::distance_within(&target, &chars, max)?))
                })
                .collect();
            if max == 0 {
                expected.clear();
            }
            expected.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
            assert_eq!(v.near("simple", word), expected, "{word}");
        }
    }
}
