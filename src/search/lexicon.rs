//! Real words: the word lists of the PyPI package `pyspellchecker` (MIT; word frequencies for
//! en, de, es, fr, it, nl, pt, ru, ar, eu, fa, lv), so that typo correction never rewrites a
//! real word of the reader's language into another word of the corpus ("offline" is not a typo
//! of "online" because the FAQ lacks it).
//!
//! Fetched the first time by `faqd serve` ([`crate::search::embed::models`]); until then, every word unknown
//! to the corpus may be corrected.

use std::collections::{BTreeSet, HashMap, HashSet};
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

/// Forgets what was loaded (and what was missing): the lists are read from the folder again,
/// as after the word lists were installed; those of the languages looked up so far, in the
/// background at once.
pub fn reload() {
    let known: Vec<String> = match LOADED.lock() {
        Ok(mut loaded) => loaded
            .take()
            .map(|table| table.into_keys().collect())
            .unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    warm(known.iter().map(String::as_str));
}

/// Languages being loaded in the background.
static WARMING: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Loads the lists of `langs` (BCP 47 tags) not loaded yet, on a thread of its own: the search
/// index calls it with its pages' languages. A list is otherwise read by the first search that
/// needs it, on an HTTP worker's thread: a search over nine languages read nine lists (about a
/// second in a release build, several in a debug one) and stalled every connection of that
/// worker meanwhile.
pub fn warm<'a>(langs: impl IntoIterator<Item = &'a str>) {
    if DIR.get().is_none() {
        return;
    }
    let mut wanted: Vec<String> = langs.into_iter().map(primary).collect();
    wanted.sort();
    wanted.dedup();
    let missing: Vec<String> = {
        let Ok(loaded) = LOADED.lock() else { return };
        let Ok(mut warming) = WARMING.lock() else {
            return;
        };
        wanted
            .into_iter()
            .filter(|lang| valid(lang))
            .filter(|lang| !loaded.as_ref().is_some_and(|t| t.contains_key(lang)))
            .filter(|lang| warming.insert(lang.clone()))
            .collect()
    };
    if missing.is_empty() {
        return;
    }
    let spawned = std::thread::Builder::new()
        .name("faqd-lexicons".to_owned())
        .spawn(move || {
            for lang in &missing {
                let _ = lexicon(lang);
                if let Ok(mut warming) = WARMING.lock() {
                    warming.remove(lang);
                }
            }
        });
    if let Err(err) = spawned {
        tracing::warn!(error = %err, "could not load the word lists in the background");
    }
}

/// A tag's primary language, lowercase (`pt-BR` → `pt`).
fn primary(lang: &str) -> String {
    lang.split('-').next().unwrap_or(lang).to_ascii_lowercase()
}

fn valid(lang: &str) -> bool {
    !lang.is_empty() && lang.len() <= 3 && lang.chars().all(|c| c.is_ascii_lowercase())
}

/// Whether `word` (lowercase) is a real word of one of `langs` (BCP 47 tags).
pub fn is_real_word(word: &str, langs: &[String]) -> bool {
    langs
        .iter()
        .any(|lang| lexicon(&primary(lang)).is_some_and(|words| words.contains(word)))
}

fn lexicon(lang: &str) -> Option<Arc<HashSet<String>>> {
    if !valid(lang) {
        return None;
    }
    {
        let mut loaded = LOADED.lock().ok()?;
        if let Some(found) = loaded.get_or_insert_with(HashMap::new).get(lang) {
            return found.clone();
        }
    }
    // Read without the lock: a search that needs another language, already loaded, does not
    // wait for this one.
    let words = DIR.get().and_then(|dir| load(dir, lang)).map(Arc::new);
    let mut loaded = LOADED.lock().ok()?;
    loaded
        .get_or_insert_with(HashMap::new)
        .entry(lang.to_owned())
        .or_insert(words)
        .clone()
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
