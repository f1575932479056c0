//! Search relevance on real content: the corpus of `tests/corpus/` (82 files, 28 languages) and
//! the reader queries of `tests/relevance/queries.json` (the first set),
//! `tests/relevance/queries-round2.json` (round 2), `tests/relevance/queries-round3.json` and
//! `tests/relevance/queries-round4.json` and `tests/relevance/queries-round5.json` (rounds 3, 4
//! and 5, held out), written before any tuning by
//! someone who had not seen the engine. `RELEVANCE_SET=round4` (a set's name) runs one set alone,
//! so that the per-kind table is that set's.
//! Reports top-1 and MRR@5 for faqd and for a plain BM25 over the same entries, per set and per
//! kind of query, and fails when a set falls below its floor.
//! Pages the importer is known to misread (`known_failures` in the corpus manifest) are imported
//! as faqd reads them: the queries on their questions are misses for every engine.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use std::time::Duration;

use crate::helpers::{CORPUS, TestApp, media_type, spawn_app_with, wait_for};

/// The floor: the figures this search must keep (raise them as it improves); set just under
/// what the ranking of issue 21 reaches on the 39-page corpus (0.838/0.869 words; hybrid
/// 0.966/0.979 since the meaning side weighs by similarity, 0.949/0.971 before; 0.846/0.879
/// and 0.957/0.975 before page 39 and the importer's fixes of issue 20). Words only 0.812/0.852
/// since round 4's eleven pages (63–73) joined the corpus: three first-set queries now rank one of
/// their questions first (`cuántos alumnos pueden conectarse a la vez` a Korean `A Pose …`
/// question by its lone `a`, `keep my emails out of junk folder` Cypht's email filters, `wie lange
/// bis meine Änderung sichtbar ist` a German `Wie lange dauert …`); nothing in the search changed.
const FLOOR_TOP1: f64 = 0.81;
const FLOOR_MRR5: f64 = 0.85;
/// With semantic search (when the model is installed): 0.949/0.970 since round 4's pages joined
/// the corpus (two first-set queries lost to them: `GDPR`, which a Danish page now asks about too,
/// and `wie betaalt jullie`, an Indonesian "when do I get paid?").
const FLOOR_HYBRID_TOP1: f64 = 0.94;
const FLOOR_HYBRID_MRR5: f64 = 0.96;
/// Round 2 (`queries-round2.json`): 0.824/0.861 words, 0.881/0.925 hybrid since issue 21's
/// ranking and issue 20's importer fixes (0.891/0.930 hybrid since the meaning side weighs by
/// similarity) (0.668/0.711 and 0.762/0.797 when it was added, with
/// 25 of its 193 queries on two pages the importer then misread).
const FLOOR_ROUND2_TOP1: f64 = 0.81;
const FLOOR_ROUND2_MRR5: f64 = 0.85;
const FLOOR_HYBRID_ROUND2_TOP1: f64 = 0.88;
const FLOOR_HYBRID_ROUND2_MRR5: f64 = 0.92;
/// Round 3 (`queries-round3.json`, held out: pages 53–62 and their queries were committed
/// before any engine ran on them): 0.656/0.700 words and 0.730/0.767 hybrid at first (13 of its
/// 122 queries on page 61, which the importer refuses); 0.672/0.714 words since accents are
/// optional, 0.738/0.778 hybrid since an unfinished word is completed for the meaning side.
/// Nothing was tuned on it.
const FLOOR_ROUND3_TOP1: f64 = 0.66;
const FLOOR_ROUND3_MRR5: f64 = 0.70;
const FLOOR_HYBRID_ROUND3_TOP1: f64 = 0.73;
const FLOOR_HYBRID_ROUND3_MRR5: f64 = 0.77;
/// Round 4 (`queries-round4.json`, held out: pages 63–73 and their queries were committed
/// before any engine ran on them): 0.626/0.668 words and 0.763/0.792 hybrid at first (page 68's
/// 27 items read as their numbers), 0.705/0.751 and 0.856/0.889 since a shortcode's numbered
/// positional argument is passed over. Nothing was tuned on it.
const FLOOR_ROUND4_TOP1: f64 = 0.69;
const FLOOR_ROUND4_MRR5: f64 = 0.74;
const FLOOR_HYBRID_ROUND4_TOP1: f64 = 0.84;
const FLOOR_HYBRID_ROUND4_MRR5: f64 = 0.87;
/// Round 5 (`queries-round5.json`, held out: pages 74–83 and their queries were committed
/// before any engine ran on them): 0.667/0.707 words and 0.797/0.853 hybrid at first (page 81's
/// first question lost to a raw HTML block; Thai words cut at their vowel and tone marks).
/// Nothing was tuned on it.
const FLOOR_ROUND5_TOP1: f64 = 0.65;
const FLOOR_ROUND5_MRR5: f64 = 0.69;
const FLOOR_HYBRID_ROUND5_TOP1: f64 = 0.78;
const FLOOR_HYBRID_ROUND5_MRR5: f64 = 0.84;

#[derive(serde::Deserialize)]
struct Query {
    q: String,
    file: String,
    expect: String,
    kind: String,
    /// Which query file it came from (`first`, `round2`, … `round5`), set when read.
    #[serde(skip)]
    set: &'static str,
}

/// The query sets, each with its floors: the first, round 2, and rounds 3, 4 and 5 (held out:
/// written for pages 53–62, 63–73 and 74–83 before any engine ran on them).
const SETS: [(&str, &str); 5] = [
    (
        "first",
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/relevance/queries.json"),
    ),
    (
        "round2",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/relevance/queries-round2.json"
        ),
    ),
    (
        "round3",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/relevance/queries-round3.json"
        ),
    ),
    (
        "round4",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/relevance/queries-round4.json"
        ),
    ),
    (
        "round5",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/relevance/queries-round5.json"
        ),
    ),
];

fn queries() -> Vec<Query> {
    let only = std::env::var("RELEVANCE_SET").ok();
    let mut all = Vec::new();
    for (set, path) in SETS {
        if only.as_deref().is_some_and(|only| only != set) {
            continue;
        }
        let text = std::fs::read_to_string(path).expect("queries");
        let mut queries: Vec<Query> = serde_json::from_str(&text).expect("JSON");
        for query in &mut queries {
            query.set = set;
        }
        all.extend(queries);
    }
    all
}

/// A question as compared here: without a `Q:` label or inline markup, whitespace folded.
fn normal(q: &str) -> String {
    let q = q.trim();
    let q = q.strip_prefix("Q:").unwrap_or(q);
    q.replace(['`', '*'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Plain BM25 (k1 = 1.2, b = 0.75) over question and answer, lowercase words (CJK by
/// character), no stemming, no typo handling: the baseline.
struct Bm25 {
    docs: Vec<(String, String, HashMap<String, f64>, f64)>,
    df: HashMap<String, f64>,
    avg: f64,
}

fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let cjk = matches!(c as u32, 0x3040..=0x30ff | 0x3400..=0x4dbf | 0x4e00..=0x9fff | 0xac00..=0xd7af);
        if c.is_alphanumeric() && !cjk {
            word.extend(c.to_lowercase());
        } else {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            if cjk {
                out.push(c.to_string());
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

impl Bm25 {
    fn new(entries: Vec<(String, String, String)>) -> Self {
        let mut df: HashMap<String, f64> = HashMap::new();
        let mut docs = Vec::new();
        let mut total = 0.0;
        for (page, question, text) in entries {
            let toks = tokens(&text);
            let len = toks.len() as f64;
            total += len;
            let mut tf: HashMap<String, f64> = HashMap::new();
            for t in toks {
                *tf.entry(t).or_default() += 1.0;
            }
            for t in tf.keys() {
                *df.entry(t.clone()).or_default() += 1.0;
            }
            docs.push((page, question, tf, len));
        }
        let avg = total / docs.len().max(1) as f64;
        Self { docs, df, avg }
    }

    fn search(&self, q: &str) -> Vec<(String, String)> {
        let n = self.docs.len() as f64;
        let terms = tokens(q);
        let mut scored: Vec<(f64, usize)> = self
            .docs
            .iter()
            .enumerate()
            .map(|(i, (_, _, tf, len))| {
                let score: f64 = terms
                    .iter()
                    .map(|t| {
                        let f = tf.get(t).copied().unwrap_or(0.0);
                        let df = self.df.get(t).copied().unwrap_or(0.0);
                        let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                        idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * len / self.avg))
                    })
                    .sum();
                (score, i)
            })
            .filter(|(s, _)| *s > 0.0)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
            .into_iter()
            .take(5)
            .map(|(_, i)| (self.docs[i].0.clone(), self.docs[i].1.clone()))
            .collect()
    }
}

#[derive(Default)]
struct Score {
    n: usize,
    top1: usize,
    rr: f64,
}

impl Score {
    fn add(&mut self, rank: Option<usize>) {
        self.n += 1;
        if rank == Some(1) {
            self.top1 += 1;
        }
        if let Some(r) = rank {
            self.rr += 1.0 / r as f64;
        }
    }
    fn top1(&self) -> f64 {
        self.top1 as f64 / self.n.max(1) as f64
    }
    fn mrr(&self) -> f64 {
        self.rr / self.n.max(1) as f64
    }
}

/// Whether the embedding model is installed where the tests look for it (fetched into
/// `<target>/models` the first time, as `faqd serve` fetches it).
pub(crate) fn model_installed() -> bool {
    crate::helpers::embedding_model()
}

/// An app with semantic search on, once every visible entry is embedded.
pub(crate) async fn wait_for_embeddings(app: &TestApp) {
    // Ten minutes unless `RELEVANCE_EMBED_WAIT=SECONDS` says otherwise: about a minute on an idle
    // machine, far more on a busy shared one (round 5's 1,005 entries were not all embedded
    // after ten minutes at a load average of 10; 13 minutes for the whole run at 7-9).
    let wait = std::env::var("RELEVANCE_EMBED_WAIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    wait_for(
        "every entry embedded",
        Duration::from_secs(wait),
        || async {
            let status = app.get_json("/readyz").await["semantic_search"].clone();
            let live: i64 = sqlx::query_scalar("SELECT count(*) FROM live_entries")
                .fetch_one(&app.pool)
                .await
                .unwrap();
            if status["pending"] == 0 && status["indexed"].as_i64() == Some(live) {
                Ok(())
            } else {
                Err(format!("({live} live entries, {status})"))
            }
        },
    )
    .await;
}

#[tokio::test]
async fn search_finds_the_answer_readers_mean_on_real_content() {
    let lexical = measure(false).await;
    // `RELEVANCE_WORDS_ONLY=1`: the word side alone (to measure a ranking change quickly).
    if std::env::var_os("RELEVANCE_WORDS_ONLY").is_some() {
        return;
    }
    if !model_installed() {
        eprintln!("the embedding model is not installed: lexical search only");
        return;
    }
    let hybrid = measure(true).await;
    println!(
        "first set, lexical only: top-1 {:.3}, MRR@5 {:.3}",
        lexical.0, lexical.1
    );
    println!(
        "first set, hybrid:       top-1 {:.3}, MRR@5 {:.3}",
        hybrid.0, hybrid.1
    );
}

/// Imports the corpus, runs every query, prints the table; returns the first set's (top-1, MRR@5)
/// (0 when `RELEVANCE_SET` leaves it out).
async fn measure(semantic: bool) -> (f64, f64) {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.embeddings = semantic;
    // Some 600 searches and an import a corpus file in a few seconds: no rate limit here.
    settings.rate_limit_search = 0;
    settings.rate_limit_writes = 0;
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    let manifest: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(Path::new(CORPUS).join("manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    let queries = queries();

    let mut page_of: HashMap<String, String> = HashMap::new();
    let mut corpus = Vec::new();
    let mut langs = Vec::new();
    for (n, item) in manifest.iter().enumerate() {
        let file = item["file"].as_str().expect("file");
        let lang = item["lang"].as_str().expect("lang");
        let slug = format!("c{n:02}");
        let text = std::fs::read_to_string(Path::new(CORPUS).join(file)).expect("file");
        let query = format!("slug={slug}&lang={lang}");
        page_of.insert(file.to_owned(), slug.clone());
        if item["not_faq"].is_string() {
            // No FAQ: the importer refuses it (tests/corpus.rs checks that), nothing to search.
            continue;
        }
        if item["known_failures"]["questions"].is_string() {
            // Known to be misread today: imported as faqd reads it, or not at all if refused.
            let res = app
                .import_page(&token, &query, media_type(file), &text)
                .await;
            if !res.status().is_success() {
                eprintln!("{file}: refused by the importer; its queries are misses");
                continue;
            }
        } else {
            app.import_ok(&token, &query, media_type(file), &text).await;
        }
        let Ok(parsed) = faqd::content::parse_file(Path::new(file), &text, None) else {
            continue;
        };
        for e in parsed.entries {
            corpus.push((
                slug.clone(),
                normal(&e.question),
                format!("{}\n{}", e.question, e.answer),
            ));
            langs.push(lang.to_owned());
        }
    }
    // `RELEVANCE_DUMP=FILE`: the entries and queries as JSON, for the engines measured outside
    // (`tests/relevance/lunr.js`).
    if let Some(path) = std::env::var_os("RELEVANCE_DUMP") {
        let entries: Vec<Value> = corpus
            .iter()
            .zip(&langs)
            .map(|((page, question, text), lang)| {
                serde_json::json!({"page": page, "question": question, "text": text, "lang": lang})
            })
            .collect();
        let asked: Vec<Value> = queries
            .iter()
            .map(|q| {
                serde_json::json!({"q": q.q, "page": page_of[&q.file], "expect": normal(&q.expect), "kind": q.kind, "set": q.set})
            })
            .collect();
        std::fs::write(
            path,
            serde_json::json!({"entries": entries, "queries": asked}).to_string(),
        )
        .expect("dump");
    }
    let bm25 = Bm25::new(corpus);
    if semantic {
        wait_for_embeddings(&app).await;
    }

    let mut faqd_score: HashMap<String, Score> = HashMap::new();
    let mut bm25_score: HashMap<String, Score> = HashMap::new();
    let mut misses = Vec::new();
    for query in &queries {
        let page = &page_of[&query.file];
        let want = normal(&query.expect);
        let url = format!(
            "/api/v1/search?q={}&limit=5",
            url::form_urlencoded::byte_serialize(query.q.as_bytes()).collect::<String>()
        );
        let res = app.get(&url).await;
        assert_eq!(res.status(), 200, "{}", query.q);
        let body: Value = res.json().await.expect("JSON");
        let hits: Vec<(String, String)> = body["hits"]
            .as_array()
            .expect("hits")
            .iter()
            .map(|h| {
                (
                    h["page"].as_str().unwrap_or("").to_owned(),
                    normal(h["question"].as_str().unwrap_or("")),
                )
            })
            .collect();
        let rank = hits
            .iter()
            .position(|(p, q)| p == page && *q == want)
            .map(|i| i + 1);
        if rank != Some(1) {
            misses.push(format!(
                "{:>6} {:>14} {:?} → {:?} (rank {rank:?}; first: {:?})",
                query.set,
                query.kind,
                query.q,
                query.expect,
                hits.first().map(|h| &h.1)
            ));
        }
        for kind in score_keys(query) {
            faqd_score.entry(kind).or_default().add(rank);
        }
        let base = bm25.search(&query.q);
        let base_rank = base
            .iter()
            .position(|(p, q)| p == page && *q == want)
            .map(|i| i + 1);
        for kind in score_keys(query) {
            bm25_score.entry(kind).or_default().add(base_rank);
        }
    }
    // Per kind over every set, then each set and all together.
    let totals = [
        "set:first",
        "set:round2",
        "set:round3",
        "set:round4",
        "set:round5",
        "all",
    ];
    let mut kinds: Vec<&str> = faqd_score
        .keys()
        .map(String::as_str)
        .filter(|k| !totals.contains(k))
        .collect();
    kinds.sort_unstable();
    kinds.extend(totals.iter().filter(|k| faqd_score.contains_key(**k)));
    println!(
        "{:>14} {:>4} {:>10} {:>10} {:>10} {:>10}",
        "kind", "n", "faqd top1", "faqd mrr5", "bm25 top1", "bm25 mrr5"
    );
    for kind in kinds {
        let (f, b) = (&faqd_score[kind], &bm25_score[kind]);
        println!(
            "{kind:>14} {:>4} {:>10.3} {:>10.3} {:>10.3} {:>10.3}",
            f.n,
            f.top1(),
            f.mrr(),
            b.top1(),
            b.mrr()
        );
    }
    println!(
        "misses ({}):\n{}",
        if semantic { "hybrid" } else { "lexical" },
        misses.join("\n")
    );
    let floors = if semantic {
        [
            ("set:first", FLOOR_HYBRID_TOP1, FLOOR_HYBRID_MRR5),
            (
                "set:round2",
                FLOOR_HYBRID_ROUND2_TOP1,
                FLOOR_HYBRID_ROUND2_MRR5,
            ),
            (
                "set:round3",
                FLOOR_HYBRID_ROUND3_TOP1,
                FLOOR_HYBRID_ROUND3_MRR5,
            ),
            (
                "set:round4",
                FLOOR_HYBRID_ROUND4_TOP1,
                FLOOR_HYBRID_ROUND4_MRR5,
            ),
            (
                "set:round5",
                FLOOR_HYBRID_ROUND5_TOP1,
                FLOOR_HYBRID_ROUND5_MRR5,
            ),
        ]
    } else {
        [
            ("set:first", FLOOR_TOP1, FLOOR_MRR5),
            ("set:round2", FLOOR_ROUND2_TOP1, FLOOR_ROUND2_MRR5),
            ("set:round3", FLOOR_ROUND3_TOP1, FLOOR_ROUND3_MRR5),
            ("set:round4", FLOOR_ROUND4_TOP1, FLOOR_ROUND4_MRR5),
            ("set:round5", FLOOR_ROUND5_TOP1, FLOOR_ROUND5_MRR5),
        ]
    };
    for (set, top1, mrr) in floors {
        // A set left out by `RELEVANCE_SET` has nothing to hold.
        let Some(score) = faqd_score.get(set) else {
            continue;
        };
        assert!(
            score.top1() >= top1 && score.mrr() >= mrr,
            "{}, {set}: top-1 {:.3} (floor {top1}), MRR@5 {:.3} (floor {mrr})",
            if semantic { "hybrid" } else { "lexical" },
            score.top1(),
            score.mrr()
        );
    }
    faqd_score
        .get("set:first")
        .map_or((0.0, 0.0), |first| (first.top1(), first.mrr()))
}

/// The scores a query counts in: its kind (over every set), its set, and all.
fn score_keys(query: &Query) -> [String; 3] {
    [
        query.kind.clone(),
        format!("set:{}", query.set),
        "all".to_owned(),
    ]
}
