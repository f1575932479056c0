//! `GET /search/suggest`: question completions as one types, only of what readers see.

use reqwest::Method;
use serde_json::{Value, json};

use std::time::Duration;

use crate::helpers::{TestApp, paths, send_json, spawn_app, spawn_seeded_app, wait_until};
use crate::search_words::index_ready;

async fn suggest(app: &TestApp, query: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .get(app.url("/api/v1/search/suggest"))
        .query(query)
        .send()
        .await
        .expect("request")
}

async fn suggested(app: &TestApp, q: &str) -> Vec<String> {
    let res = suggest(app, &[("q", q)]).await;
    assert_eq!(res.status(), 200, "q={q:?}");
    let body: Value = res.json().await.expect("JSON");
    body["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|s| s["question"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Waits until `q` suggests something: a write of another process (the seed's import, made
/// by the test itself) shows once its notification has arrived.
async fn announced(app: &TestApp, q: &str) {
    wait_until(
        &format!("{q:?} suggested"),
        Duration::from_secs(30),
        || async { !suggested(app, q).await.is_empty() },
    )
    .await;
}

#[tokio::test]
async fn suggestions_complete_the_letters_typed_so_far() {
    let app = spawn_seeded_app().await;
    index_ready(&app).await;
    announced(&app, "how many te").await;
    let res = suggest(&app, &[("q", "how many te")]).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("JSON");
    let first = &body["suggestions"][0];
    assert_eq!(
        first["question"],
        "How many teams can a technical coach support?"
    );
    assert_eq!(
        first["slug"],
        "how-many-teams-can-a-technical-coach-support"
    );
    assert_eq!(first["page"], "faq");
    assert_eq!(first["lang"], "en");

    // Questions that begin with what was typed come first; five by default.
    let what = suggested(&app, "what is the diff").await;
    assert!(!what.is_empty());
    assert!(
        what.iter().all(|q| q.starts_with("What is the difference")),
        "{what:?}"
    );
    let coach = suggested(&app, "coa").await;
    assert_eq!(coach.len(), 5, "{coach:?}");
    assert!(
        coach.iter().all(|q| q.to_lowercase().contains("coach")),
        "{coach:?}"
    );
    // A finished word is a whole word: "coac " completes nothing.
    assert!(suggested(&app, "coac ").await.is_empty());
    let ten = suggest(&app, &[("q", "coa"), ("limit", "10")]).await;
    let ten: Value = ten.json().await.expect("JSON");
    assert_eq!(ten["suggestions"].as_array().map(Vec::len), Some(10));
    // Scopes.
    assert!(
        suggest(&app, &[("q", "coa"), ("lang", "fr")])
            .await
            .json::<Value>()
            .await
            .expect("JSON")["suggestions"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    let on_page: Value = suggest(&app, &[("q", "coa"), ("page", "faq")])
        .await
        .json()
        .await
        .expect("JSON");
    assert_eq!(on_page["suggestions"].as_array().map(Vec::len), Some(5));
}

#[tokio::test]
async fn bad_suggest_queries_are_400() {
    let app = spawn_app().await;
    for query in [
        vec![],
        vec![("q", "")],
        vec![("q", "  !? ")],
        vec![("q", "a"), ("limit", "0")],
        vec![("q", "a"), ("limit", "11")],
        vec![("q", "a"), ("limit", "many")],
        vec![("q", "a"), ("lang", "not a language")],
        vec![("q", "a"), ("cursor", "x")],
    ] {
        let res = suggest(&app, &query).await;
        assert_eq!(res.status(), 400, "{query:?}");
        assert_eq!(
            res.headers()["content-type"],
            "application/problem+json",
            "{query:?}"
        );
    }
}

#[tokio::test]
async fn only_what_readers_see_is_suggested() {
    let app = spawn_app().await;
    app.import_markdown(
        "## How do refunds work?\n\nWrite to billing.\n\n## How do returns work?\n\nSend it back.\n",
        "help",
        "en",
        None,
    )
    .await;
    index_ready(&app).await;
    announced(&app, "how do re").await;
    let editor = app.editor().await;
    assert_eq!(
        suggested(&app, "how do re").await,
        ["How do refunds work?", "How do returns work?"]
    );

    // A draft entry, a staged question and a draft page are never suggested.
    let res = app.create_entry(&editor, json!({"page": "help", "question": "How do reorgs happen?", "answer": "Quietly.", "status": "draft"})).await;
    assert_eq!(res.status(), 201);
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::faq("how-do-returns-work?stage=true"),
        &editor,
        Some("*"),
        Some(json!({"question": "How do recalls work?"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = app
        .with_token(
            Method::POST,
            &paths::page("import?slug=hidden&lang=en"),
            &editor,
        )
        .header("Content-Type", "text/markdown")
        .body("---\ndraft: true\n---\n\n## How do reviews work?\n\nSlowly.\n")
        .send()
        .await
        .expect("request");
    assert!(res.status().is_success(), "{}", res.status());
    // Each check right after the write's answer: this instance's writes are in memory
    // before it suggests.
    assert_eq!(
        suggested(&app, "how do re").await,
        ["How do refunds work?", "How do returns work?"]
    );

    // Deleted: gone at once.
    let res = send_json(
        &app,
        Method::DELETE,
        &paths::faq("how-do-refunds-work"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_eq!(suggested(&app, "how do re").await, ["How do returns work?"]);
}
