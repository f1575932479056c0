//! Typo tolerance as Meilisearch defines it: how many typos a word of a given length may
//! hold, and the edit distance that counts them (a swap of two neighbouring letters is one
//! typo, as an insertion, a deletion or a substitution is).

/// Words of at least this many letters may hold one typo.
pub const ONE_TYPO_FROM: usize = 5;
/// Words of at least this many letters may hold two.
pub const TWO_TYPOS_FROM: usize = 9;

/// How many typos a word of `chars` letters may hold.
pub fn allowed(chars: usize) -> u8 {
    if chars >= TWO_TYPOS_FROM {
        2
    } else if chars >= ONE_TYPO_FROM {
        1
    } else {
        0
    }
}

/// Row width kept on the stack by [`distance_within`]: words up to 71 characters.
const ROW: usize = 72;

/// The optimal string alignment distance between `a` and `b` (in characters), when it is
/// at most `max`; `None` beyond.
pub fn distance_within(a: &[char], b: &[char], max: u8) -> Option<u8> {
    let max = usize::from(max);
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    // Three rows: the one before the previous (for swaps), the previous, the current; on
    // the stack for any word of the index (this runs for every word of a similar length).
    let mut stack = [0usize; 3 * ROW];
    let mut heap = Vec::new();
    let rows: &mut [usize] = if width <= ROW {
        &mut stack
    } else {
        heap.resize(3 * width, 0);
        &mut heap
    };
    let row = rows.len() / 3;
    let (before, rest) = rows.split_at_mut(row);
    let (previous, current) = rest.split_at_mut(row);
    let (mut before, mut previous, mut current) = (
        &mut before[..width],
        &mut previous[..width],
        &mut current[..width],
    );
    for (j, slot) in previous.iter_mut().enumerate() {
        *slot = j;
    }
    for i in 1..=a.len() {
        current[0] = i;
        let mut row_min = current[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    let d = previous[b.len()];
    (d <= max).then(|| u8::try_from(d).unwrap_or(u8::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(a: &str, b: &str, max: u8) -> Option<u8> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        distance_within(&a, &b, max)
    }

    #[test]
    fn typos_allowed_grow_with_the_word_as_meilisearch_s() {
        assert_eq!(allowed(4), 0);
        assert_eq!(allowed(5), 1);
        assert_eq!(allowed(8), 1);
        assert_eq!(allowed(9), 2);
    }

    #[test]
    fn a_swap_is_one_typo_and_distances_past_the_bound_are_none() {
        assert_eq!(d("shiping", "shipping", 1), Some(1));
        assert_eq!(d("kernal", "kernel", 1), Some(1));
        assert_eq!(d("teh", "the", 1), Some(1));
        assert_eq!(d("legitimitiet", "legitimiteit", 2), Some(1));
        assert_eq!(d("приложенй", "приложений", 1), Some(1));
        assert_eq!(d("online", "offline", 1), None);
        assert_eq!(d("online", "offline", 2), Some(2));
        assert_eq!(d("abc", "abcdef", 2), None);
        assert_eq!(d("", "ab", 2), Some(2));
    }
}
