use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, spawn_seeded_app};

/// The relevance set: queries a reader might type, each with the entry it should
/// rank first. Kinds: keyword, paraphrase, answer-only words, typo, unfinished
/// word, inflected form.
const RELEVANCE_SET: &[(&str, &str)] = &[
    // keywords and paraphrases
    (
        "efficient agile organization",
        "what-is-an-efficient-agile-organization",
    ),
    (
        "what does technical coaching involve",
        "what-does-technical-coaching-consist-of",
    ),
    (
        "agile coach vs technical coach",
        "what-is-the-difference-between-a-technical-coach-and-an-agile-flow-coach",
    ),
    (
        "organizational coach",
        "what-is-the-difference-between-a-technical-coach-and-an-organizational-coach",
    ),
    (
        "role of the coach",
        "what-is-the-role-of-the-technical-coach",
    ),
    (
        "characteristics of teams",
        "what-are-the-characteristics-of-the-teams-accompanied-by-a-technical-coach",
    ),
    ("agility prerequisite", "is-agility-a-prerequisite"),
    (
        "how many teams",
        "how-many-teams-can-a-technical-coach-support",
    ),
    (
        "do my teams need coaching",
        "how-do-i-know-if-my-teams-need-technical-coaching",
    ),
    (
        "which team to support first",
        "i-don-t-know-which-team-to-support",
    ),
    (
        "key success factors",
        "what-are-the-key-success-factors-of-technical-coaching",
    ),
    (
        "management commitments",
        "what-are-the-management-s-commitments-to-its-coached-teams",
    ),
    (
        "decisional latitude",
        "what-is-the-decisional-latitude-of-the-technical-coach",
    ),
    (
        "performance slowdown",
        "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
    ),
    // words found only in the answer
    (
        "learning trough",
        "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
    ),
    (
        "top down approach",
        "what-is-the-difference-between-a-technical-coach-and-an-organizational-coach",
    ),
    ("mob programming", "my-teams-are-not-motivated-what-to-do"),
    (
        "quarterly",
        "what-if-i-did-not-reach-my-goals-during-the-coaching",
    ),
    (
        "backlog code base",
        "what-does-the-technical-coach-do-with-the-teams",
    ),
    // typos
    ("tecnical coch", "what-is-a-technical-coach"),
    (
        "managment comitments",
        "what-are-the-management-s-commitments-to-its-coached-teams",
    ),
    ("agilty prerequisit", "is-agility-a-prerequisite"),
    (
        "slowdwon",
        "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
    ),
    (
        "decisionnal lattitude",
        "what-is-the-decisional-latitude-of-the-technical-coach",
    ),
    // unfinished last word
    ("motiv", "my-teams-are-not-motivated-what-to-do"),
    (
        "decisio",
        "what-is-the-decisional-latitude-of-the-technical-coach",
    ),
    (
        "characteris",
        "what-are-the-characteristics-of-the-teams-accompanied-by-a-technical-coach",
    ),
    (
        "slowd",
        "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
    ),
    // inflected forms
    (
        "agile organizations",
        "what-is-an-efficient-agile-organization",
    ),
    (
        "key successes",
        "what-are-the-key-success-factors-of-technical-coaching",
    ),
    (
        "teams supported in parallel",
        "how-many-teams-can-a-technical-coach-support",
    ),
    ("prerequisites of agility", "is-agility-a-prerequisite"),
];

/// Top-1 hit rate and mean reciprocal rank of `ranked` over the set.
fn measure(ranked: &[Vec<String>]) -> (f64, f64) {
    let n = RELEVANCE_SET.len() as f64;
    let mut top1 = 0.0;
    let mut mrr = 0.0;
    for ((_, expected), hits) in RELEVANCE_SET.iter().zip(ranked) {
        if let Some(rank) = hits.iter().position(|s| s == expected) {
            mrr += 1.0 / (rank as f64 + 1.0);
            if rank == 0 {
                top1 += 1.0;
            }
        }
    }
    (top1 / n, mrr / n)
}

fn slugs(result: &Value) -> Vec<String> {
    result["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["slug"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_relevance_set_ranks_the_right_answer_first_and_beats_the_baseline() {
    let app = spawn_seeded_app().await;
    let mut ours = Vec::new();
    let mut baseline = Vec::new();
    for (q, expected) in RELEVANCE_SET {
        let result = app.search(q).await;
        let got = slugs(&result);
        if got.first().map(String::as_str) != Some(*expected) {
            eprintln!(
                "miss: {q:?} → {:?} (wanted {expected})",
                got.iter().take(3).collect::<Vec<_>>()
            );
        }
        ours.push(got);
        // The plain baseline: unweighted full text with plainto_tsquery.
        let plain: Vec<String> = sqlx::query_scalar(
            "SELECT slug FROM live_entries
             WHERE to_tsvector('english', question || ' ' || answer) @@ plainto_tsquery('english', $1)
             ORDER BY ts_rank(to_tsvector('english', question || ' ' || answer), plainto_tsquery('english', $1)) DESC, slug
             LIMIT 20",
        )
        .bind(q)
        .fetch_all(&app.pool)
        .await
        .unwrap();
        baseline.push(plain);
    }
    let (top1, mrr) = measure(&ours);
    let (base_top1, base_mrr) = measure(&baseline);
    eprintln!(
        "relevance over {} queries: faqd top-1 {top1:.3}, MRR {mrr:.3}; baseline (plainto_tsquery, unweighted) top-1 {base_top1:.3}, MRR {base_mrr:.3}",
        RELEVANCE_SET.len()
    );
    assert!(RELEVANCE_SET.len() >= 25);
    assert!(top1 >= MIN_TOP1, "top-1 {top1:.3} fell below {MIN_TOP1}");
    assert!(mrr >= MIN_MRR, "MRR {mrr:.3} fell below {MIN_MRR}");
    assert!(top1 > base_top1 && mrr > base_mrr);
}

/// What the relevance set reaches today (keep at or above).
const MIN_TOP1: f64 = 0.96;
const MIN_MRR: f64 = 0.96;

#[tokio::test]
async fn hits_carry_escaped_highlights_and_scores() {
    let app = spawn_seeded_app().await;
    let result = app.search("how many teams").await;
    assert_eq!(result["query"], "how many teams");
    let hit = &result["hits"][0];
    assert_eq!(hit["slug"], "how-many-teams-can-a-technical-coach-support");
    assert_eq!(hit["page"], "faq");
    assert_eq!(hit["lang"], "en");
    assert!(
        hit["highlight"]["question"]
            .as_str()
            .unwrap()
            .contains("<mark>teams</mark>"),
        "{hit}"
    );
    assert!(
        hit["highlight"]["answer"]
            .as_str()
            .unwrap()
            .contains("<mark>teams</mark>"),
        "{hit}"
    );
    assert!(hit["score"].as_f64().unwrap() > 0.0);
    let scores: Vec<f64> = result["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "ranked: {scores:?}"
    );

    let token = app.editor().await;
    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
        .json(&json!({"page": "faq", "question": "Is <script>alert(1)</script> & \"quoting\" safe?", "answer": "Yes: <b>bold</b> & co."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let result = app.search("quoting safe").await;
    let highlight = &result["hits"][0]["highlight"];
    let question = highlight["question"].as_str().unwrap();
    assert!(
        question.contains("&lt;script&gt;")
            && question.contains("&amp;")
            && question.contains("&quot;"),
        "{question}"
    );
    let without_marks = question.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<'),
        "only <mark> is added: {question}"
    );
}

#[tokio::test]
async fn any_query_is_safe_and_an_empty_one_is_400() {
    let app = spawn_seeded_app().await;
    let long = "coach ".repeat(2000);
    let one_long_word = "coach".repeat(60);
    for q in [
        "\"unbalanced quote",
        "team & | ! ( ) : * <-> coach",
        "'; DROP TABLE entries; --",
        "1' OR '1'='1",
        long.as_str(),
        one_long_word.as_str(),
        "😀🎉 coach 🚀",
        "coach\u{0}team",
        "!!!",
        "a",
        "ü ß ñ é",
    ] {
        let res = app
            .client
            .get(app.url(paths::SEARCH))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status(),
            200,
            "q={:?}",
            q.chars().take(40).collect::<String>()
        );
    }
    for query in ["", "?q=", "?q=%20%20", "?page=faq"] {
        let res = app.get(&format!("/api/v1/search{query}")).await;
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
    for query in ["?q=x&limit=0", "?q=x&cursor=zzz", "?q=x&sort=asc"] {
        assert_eq!(
            app.get(&format!("/api/v1/search{query}")).await.status(),
            400,
            "{query}"
        );
    }
    assert_eq!(
        app.get_json(paths::FAQS).await["total"],
        18,
        "nothing was dropped"
    );
}

#[tokio::test]
async fn only_what_readers_see_is_found() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
        .json(&json!({"page": "faq", "question": "Zeppelin secret plans?", "answer": "Hidden.", "status": "draft"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        app.search("zeppelin").await["total"],
        0,
        "drafts are never found"
    );

    // A staged change: readers (and search) keep the published text.
    let res = app
        .with_token(
            Method::PATCH,
            &paths::faq("is-agility-a-prerequisite?stage=true"),
            &token,
        )
        .header(header::IF_MATCH, "\"1.8\"")
        .json(&json!({"answer": "Blimp blimp."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(app.search("blimp").await["total"], 0);
    let hit = &app.search("agility prerequisite").await["hits"][0];
    assert_eq!(hit["slug"], "is-agility-a-prerequisite");
    assert!(
        !hit["highlight"]["answer"]
            .as_str()
            .unwrap()
            .contains("Blimp"),
        "{hit}"
    );

    // Published edits are found at once; deleted entries are gone at once.
    let res = app
        .with_token(
            Method::PATCH,
            &paths::faq("what-is-a-technical-coach"),
            &token,
        )
        .header(header::IF_MATCH, "\"1.3\"")
        .json(&json!({"answer": "A xylophonist of code."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.search("xylophonist").await["hits"][0]["slug"],
        "what-is-a-technical-coach"
    );
    let res = app
        .with_token(
            Method::DELETE,
            &paths::faq("what-is-a-technical-coach"),
            &token,
        )
        .header(header::IF_MATCH, "*")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(app.search("xylophonist").await["total"], 0);

    app.import_markdown(
        "---\ndraft: true\n---\n**Quokka questions?**\n\nAnswers.\n",
        "hidden",
        "en",
        None,
    )
    .await;
    assert_eq!(
        app.search("quokka").await["total"],
        0,
        "entries of a draft page are hidden"
    );
}

#[tokio::test]
async fn results_page_with_a_cursor_and_filter_by_page_and_language() {
    let app = spawn_seeded_app().await;
    // Every page from the same engine: the index is built in the background, and a first
    // page from PostgreSQL and the next from memory need not cut one ordering.
    crate::search_words::index_ready(&app).await;
    let first = app.get_json(&paths::search("q=coach&limit=5")).await;
    let total = first["total"].as_i64().unwrap();
    assert!(total > 5);
    let mut seen = slugs(&first);
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let next = app
            .get_json(&paths::search(format!("q=coach&limit=5&cursor={c}")))
            .await;
        assert_eq!(next["total"], total);
        seen.extend(slugs(&next));
        cursor = next["next_cursor"].as_str().map(str::to_owned);
    }
    assert_eq!(seen.len() as i64, total);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len() as i64, total, "no hit twice");
    let past_the_end = faqd::domain::Cursor::encode(&(total + 5));
    let beyond = app
        .get_json(&paths::search(format!("q=coach&cursor={past_the_end}")))
        .await;
    assert_eq!(beyond["total"], total, "total holds past the last hit");
    assert_eq!(beyond["hits"], json!([]));

    app.import_markdown(
        "**Qu'est-ce qu'un coach technique ?**\n\nUn développeur qui accompagne les équipes.\n\n**Combien d'équipes accompagnez-vous ?**\n\nTrois équipes au plus.\n",
        "faq",
        "fr",
        None,
    )
    .await;
    let french = app.get_json(&paths::search("q=%C3%A9quipe&lang=fr")).await;
    assert_eq!(french["total"], 2, "French stemming: équipe finds équipes");
    assert!(
        french["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["lang"] == "fr")
    );
    // A language PostgreSQL has no stemmer for is searched word for word.
    app.import_markdown(
        "**Czym jest coaching techniczny?**\n\nTo praca z zespołami.\n",
        "faq",
        "pl",
        None,
    )
    .await;
    let polish = app
        .get_json(&paths::search("q=zespo%C5%82ami&lang=pl"))
        .await;
    assert_eq!(polish["total"], 1);
    assert!(
        polish["hits"][0]["highlight"]["answer"]
            .as_str()
            .unwrap()
            .contains("<mark>zespołami</mark>"),
        "{polish}"
    );
    let english_only = app.get_json(&paths::search("q=coach&lang=en")).await;
    assert_eq!(english_only["total"], total);
    let nowhere = app.get_json(&paths::search("q=coach&page=nope")).await;
    assert_eq!(nowhere["total"], 0);
}

#[tokio::test]
async fn editors_see_what_readers_search_for_and_what_finds_nothing() {
    let app = spawn_seeded_app().await;
    for q in [
        "How many teams?",
        "how many TEAMS",
        "quantum blockchain payroll",
        "how many teams",
    ] {
        app.search(q).await;
    }
    assert_eq!(app.get("/api/v1/search/insights").await.status(), 401);
    let preview = app.preview().await;
    let res = app
        .with_token(Method::GET, "/api/v1/search/insights", &preview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    let token = app.editor().await;
    let res = app
        .with_token(Method::GET, "/api/v1/search/insights?days=7", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    let insights: Value = res.json().await.unwrap();
    assert_eq!(
        insights["overall"]["top"][0],
        json!({"query": "how many teams", "searches": 3, "no_hits": 0})
    );
    assert_eq!(
        insights["overall"]["no_hits"][0]["query"],
        "quantum blockchain payroll"
    );
    assert_eq!(insights["by_day"][0]["top"][0]["searches"], 3, "{insights}");
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'search_queries' ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        columns,
        ["day", "no_hits", "query", "searches"],
        "query text and counts only"
    );
}

#[tokio::test]
async fn long_words_in_content_never_break_search() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
        .json(&json!({"page": "faq", "question": "x".repeat(500), "answer": "a".repeat(20_000)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    for q in ["xylophon", "aaaa", "xxxxx", "coch"] {
        app.search(q).await;
    }
}

#[tokio::test]
async fn cursor_pages_beyond_the_rescored_pool_cut_one_ordering() {
    let app = spawn_app_with_many_entries(260).await;
    crate::helpers::wait_for(
        "the index to hold the import",
        std::time::Duration::from_secs(30),
        || async {
            let ready = app.get_json("/readyz").await;
            if ready["search_index"]["entries"] == 260 {
                Ok(())
            } else {
                Err(ready.to_string())
            }
        },
    )
    .await;
    // From the in-memory index, every page.
    page_through_all_260(&app, None).await;
    // A first page from PostgreSQL (as while the index is built or catches up with an
    // import): the next pages keep to it although the index has caught up meanwhile, for the
    // two order the hits past the rescored pool differently. The cursor is made here as the
    // endpoint makes it (an offset and the engine that ranked the pages before it).
    let from_postgres = faqd::domain::Cursor::encode(&json!({"o": 0, "e": "p"}));
    page_through_all_260(&app, Some(from_postgres)).await;
}

/// Pages through `widget` 100 hits at a time from `cursor`: 260 hits, none twice.
async fn page_through_all_260(app: &TestApp, cursor: Option<String>) {
    let at = |c: Option<&str>| match c {
        Some(c) => paths::search(format!("q=widget&limit=100&cursor={c}")),
        None => paths::search("q=widget&limit=100"),
    };
    let mut seen = Vec::new();
    let mut path = at(cursor.as_deref());
    let mut totals = Vec::new();
    loop {
        let page = app.get_json(&path).await;
        totals.push(page["total"].as_i64().unwrap());
        seen.extend(slugs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = at(Some(c)),
            None => break,
        }
    }
    assert!(totals.iter().all(|&t| t == 260), "{totals:?}");
    assert_eq!(seen.len(), 260);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 260, "no hit twice, none missed");
}

async fn spawn_app_with_many_entries(n: usize) -> TestApp {
    let app = crate::helpers::spawn_app().await;
    let mut markdown = String::new();
    for i in 0..n {
        let extra = if i % 3 == 0 { " widget widget" } else { "" };
        markdown.push_str(&format!(
            "**How does widget number {i} work?**\n\nThe widget{extra} works well, case {i}.\n\n"
        ));
    }
    app.import_markdown(&markdown, "widgets", "en", None).await;
    app
}

#[tokio::test]
async fn insights_can_be_turned_off_and_old_days_are_dropped() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.search_insights = false;
    let app = crate::helpers::spawn_app_with(settings).await;
    app.import_markdown("**Is it on?**\n\nNo.\n", "faq", "en", None)
        .await;
    app.search("is it on").await;
    let token = app.editor().await;
    let res = app
        .with_token(Method::GET, "/api/v1/search/insights", &token)
        .send()
        .await
        .unwrap();
    let insights: Value = res.json().await.unwrap();
    assert_eq!(
        insights["overall"]["top"],
        json!([]),
        "nothing counted when off"
    );

    let app = spawn_seeded_app().await;
    sqlx::query(
        "INSERT INTO search_queries (day, query, searches, no_hits)
         VALUES (current_date - 200, 'ancient', 5, 5), (current_date - 1, 'recent', 2, 0)",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let token = app.editor().await;
    let res = app
        .with_token(Method::GET, "/api/v1/search/insights?days=366", &token)
        .send()
        .await
        .unwrap();
    let insights: Value = res.json().await.unwrap();
    let queries: Vec<&str> = insights["overall"]["top"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["query"].as_str().unwrap())
        .collect();
    assert_eq!(
        queries,
        ["recent"],
        "days past the 90-day retention are dropped"
    );
}
