//! The language a query seems to be written in, among the languages of its candidates: by
//! script, else by the word lists of [`lexicon`](crate::search::lexicon).

/// The primary language subtag, lowercase (`pt` of `pt-BR`).
pub fn primary(lang: &str) -> String {
    lang.split('-').next().unwrap_or(lang).to_ascii_lowercase()
}

/// Whether the primary subtag of `lang` is `primary` (lowercase, as [`primary`] gives it),
/// without allocating: `primary(lang) == primary`.
pub fn has_primary(lang: &str, primary: &str) -> bool {
    lang.split('-')
        .next()
        .unwrap_or(lang)
        .eq_ignore_ascii_case(primary)
}

/// The languages a query seems to be written in, among those of the candidates: by script
/// (kana: Japanese; Hangul: Korean; Han: Chinese or Japanese; Cyrillic, Greek, Arabic,
/// Hebrew, Thai), else by which languages' word lists hold most of its words. Empty when
/// nothing tells.
pub fn query_languages<'a>(q: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    query_languages_by(q, candidates, |_, _| false)
}

/// [`query_languages`], where a word also counts for a language when `found(word, lang)` says
/// the pages in that language hold it (their own words: the word lists lack many forms, such
/// as Spanish `pueden`, and have none for most languages).
pub fn query_languages_by<'a>(
    q: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    found: impl Fn(&str, &str) -> bool,
) -> Vec<String> {
    let mut present: Vec<String> = candidates.into_iter().map(primary).collect();
    present.sort();
    present.dedup();
    let has = |f: fn(char) -> bool| q.chars().any(f);
    let by_script: Option<&[&str]> = if has(|c| matches!(c as u32, 0x3040..=0x30ff)) {
        Some(&["ja"])
    } else if has(|c| matches!(c as u32, 0xac00..=0xd7af | 0x1100..=0x11ff)) {
        Some(&["ko"])
    } else if has(|c| matches!(c as u32, 0x4e00..=0x9fff | 0x3400..=0x4dbf)) {
        Some(&["zh", "ja"])
    } else if has(|c| matches!(c as u32, 0x0400..=0x04ff)) {
        Some(&["ru", "uk", "bg", "sr", "be", "mk", "kk"])
    } else if has(|c| matches!(c as u32, 0x0370..=0x03ff)) {
        Some(&["el"])
    } else if has(|c| matches!(c as u32, 0x0600..=0x06ff)) {
        Some(&["ar", "fa", "ur"])
    } else if has(|c| matches!(c as u32, 0x0590..=0x05ff)) {
        Some(&["he"])
    } else if has(|c| matches!(c as u32, 0x0e00..=0x0e7f)) {
        Some(&["th"])
    } else {
        None
    };
    if let Some(langs) = by_script {
        return present
            .into_iter()
            .filter(|l| langs.contains(&l.as_str()))
            .collect();
    }
    // Latin script: count the query's words that are real words of each language.
    let words = words(q);
    if words.is_empty() {
        return Vec::new();
    }
    let counts: Vec<(String, usize)> = present
        .into_iter()
        .map(|lang| {
            let n = words
                .iter()
                .filter(|w| {
                    crate::search::lexicon::is_real_word(w, std::slice::from_ref(&lang))
                        || found(w, &lang)
                })
                .count();
            (lang, n)
        })
        .collect();
    let best = counts.iter().map(|(_, n)| *n).max().unwrap_or(0);
    // Only a clear majority of the words tells a language.
    if best * 2 <= words.len() {
        return Vec::new();
    }
    counts
        .into_iter()
        .filter(|(_, n)| *n == best)
        .map(|(l, _)| l)
        .collect()
}

/// The words of `q` that may tell its language: runs of letters and digits of two or more,
/// lowercase.
fn words(q: &str) -> Vec<String> {
    q.split(|c: char| !crate::search::query::is_word_char(c))
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_tells_the_language_among_the_candidates() {
        let candidates = ["es", "ja", "zh-CN", "en"];
        assert_eq!(query_languages("SciPy 無料で使える", candidates), ["ja"]);
        assert_eq!(query_languages("转载文章", candidates), ["ja", "zh"]);
        assert_eq!(query_languages("паттерн page object", ["ru", "en"]), ["ru"]);
        // A script no candidate is written in tells nothing.
        assert!(query_languages("паттерн", ["en", "fr"]).is_empty());
        assert_eq!(primary("pt-BR"), "pt");
    }

    #[test]
    fn the_pages_own_words_tell_a_language_the_word_lists_miss() {
        // Words of no list (made up, so that no installed word list can count them).
        let spanish = ["zorquen", "blimeros", "vantarse"];
        let q = "zorquen blimeros vantarse la vez";
        let found = |w: &str, lang: &str| lang == "es" && spanish.contains(&w);
        assert_eq!(query_languages_by(q, ["es", "ko", "en"], found), ["es"]);
        // Without them, two words of five tell nothing.
        assert!(query_languages_by(q, ["es", "ko", "en"], |_, _| false).is_empty());
    }

    #[test]
    fn digits_and_single_letters_tell_nothing() {
        assert!(query_languages("3 a", ["en", "fr"]).is_empty());
        assert!(query_languages("", ["en"]).is_empty());
    }
}
