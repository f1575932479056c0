//! Real words: the word lists of the PyPI package `pyspellchecker` (MIT; word frequencies for
//! en, de, es, fr, it, nl, pt, ru, ar, eu, fa, lv), so that typo correction never rewrites a
//! real word of the reader's language into another word of the corpus ("offline" is not a typo
//! of "online" because the FAQ lacks it).
//!
//! Fetched the first time by `faqd serve` ([`crate::search::embed::models`]); until then, every word unknown
//! to the corpus may be corrected.

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// Words seen fewer times than this in the lists' source are taken for noise (the lists carry
/// common misspellings such as `instal` at the lowest counts).
const MIN_COUNT: u64 = 100;

/// The folder the lexicons are read from, set once at start.
static DIR: OnceLock<PathBuf> = OnceLock::new();
/// Loaded lexicons by language (`None`: not installed).
static LOADED: Mutex<Option<HashMap<String, Lexicon>>> = Mutex::new(None);

/// One language's words; `None` when its list is not installed.
type Lexicon = Option<Arc<HashSet<String>>>;

/// Where the lexicons are installed (the pip `--target` folder). First call wins.
pub fn configure(dir: &Path) {
    let _ = DIR.set(dir.to_path_buf());
}

/// Forgets what was loaded (and what was missing): the next look-up reads the folder again,
/// as after the word lists were installed.
pub fn reload() {
    if let Ok(mut loaded) = LOADED.lock() {
        *loaded = None;
    }
}

/// Whether `word` (lowercase) is a real word of one of `langs` (BCP 47 tags).
pub fn is_real_word(word: &str, langs: &[String]) -> bool {
    langs.iter().any(|lang| {
        let primary = lang.split('-').next().unwrap_or(lang).to_ascii_lowercase();
        lexicon(&primary).is_some_and(|words| words.contains(word))
    })
}

fn lexicon(lang: &str) -> Option<Arc<HashSet<String>>> {
    if !lang.chars().all(|c| c.is_ascii_lowercase()) || lang.len() > 3 {
        return None;
    }
    let mut loaded = LOADED.lock().ok()?;
    let table = loaded.get_or_insert_with(HashMap::new);
    if let Some(found) = table.get(lang) {
        return found.clone();
    }
    let words = DIR.get().and_then(|dir| load(dir, lang)).map(Arc::new);
    table.insert(lang.to_owned(), words.clone());
    words
}

fn load(dir: &Path, lang: &str) -> Option<HashSet<String>> {
    let path = dir
        .join("spellchecker")
        .join("resources")
        .join(format!("{lang}.json.gz"));
    let file = std::fs::File::open(&path).ok()?;
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .take(64 * 1024 * 1024)
        .read_to_string(&mut text)
        .ok()?;
    let counts: HashMap<String, u64> = serde_json::from_str(&text).ok()?;
    let words: HashSet<String> = counts
        .into_iter()
        .filter(|(_, n)| *n >= MIN_COUNT)
        .map(|(w, _)| w.to_lowercase())
        .collect();
    tracing::debug!(lang, words = words.len(), "lexicon loaded");
    Some(words)
}
