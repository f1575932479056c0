//! Search documents follow what readers search, and only that: positions, slugs, staged
//! edits and page fields readers do not search leave every document row untouched.

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, send_json, spawn_seeded_app};

/// Every search document row's version: a row rewritten, even with the same values, gets a
/// new xmin.
async fn doc_rows(app: &TestApp) -> BTreeMap<String, String> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT entry_id::text, xmin::text FROM search_docs ORDER BY entry_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .collect()
}

/// Slug → score of every hit of `q`, and the top hit.
async fn ranking(app: &TestApp, q: &str) -> (String, BTreeMap<String, String>) {
    let result = app
        .get_json(&format!(
            "/api/v1/search?q={}&limit=100",
            q.replace(' ', "+")
        ))
        .await;
    let hits = result["hits"].as_array().unwrap();
    let top = hits
        .first()
        .map(|h| h["slug"].as_str().unwrap().to_owned())
        .unwrap_or_default();
    let scores = hits
        .iter()
        .map(|h| {
            (
                h["slug"].as_str().unwrap().to_owned(),
                h["score"].to_string(),
            )
        })
        .collect();
    (top, scores)
}

const QUERIES: &[(&str, &str)] = &[
    (
        "how many teams",
        "how-many-teams-can-a-technical-coach-support",
    ),
    ("agility prerequisite", "is-agility-a-prerequisite"),
    (
        "decisional latitude",
        "what-is-the-decisional-latitude-of-the-technical-coach",
    ),
];

async fn page_etag(app: &TestApp) -> (String, Value) {
    let res = app.get(&paths::page("faq")).await;
    assert_eq!(res.status(), 200);
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    (tag, res.json().await.unwrap())
}

#[tokio::test]
async fn reordering_a_page_rewrites_no_search_document_and_search_ranks_as_before() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let before = doc_rows(&app).await;
    assert_eq!(before.len(), 18);
    let mut rankings = Vec::new();
    for (q, top) in QUERIES {
        let ranked = ranking(&app, q).await;
        assert_eq!(&ranked.0, top, "{q}");
        rankings.push(ranked);
    }

    let (tag, page) = page_etag(&app).await;
    let mut order: Vec<Value> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    order.reverse();
    let res = send_json(
        &app,
        Method::POST,
        &paths::page("faq/order"),
        &token,
        Some(&tag),
        Some(json!({ "ids": order })),
    )
    .await;
    assert_eq!(res.status(), 200);
    let page = app.get_page("faq").await;
    assert_eq!(page["entries"][0]["id"], order[0], "the order changed");

    assert_eq!(
        doc_rows(&app).await,
        before,
        "no search document was rewritten"
    );
    for ((q, _), ranked) in QUERIES.iter().zip(&rankings) {
        assert_eq!(&ranking(&app, q).await, ranked, "{q}");
    }
}

#[tokio::test]
async fn an_entry_inserted_first_writes_its_own_document_only() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let before = doc_rows(&app).await;

    let body = json!({"page": "faq", "position": 1, "question": "Do you coach zeppelin crews?", "answer": "Yes, airships too."});
    let res = send_json(&app, Method::POST, paths::FAQS, &token, None, Some(body)).await;
    assert_eq!(res.status(), 201);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["position"], 1);
    let id = entry["id"].as_str().unwrap().to_owned();

    let mut after = doc_rows(&app).await;
    assert!(
        after.remove(&id).is_some(),
        "the new entry has its document"
    );
    assert_eq!(after, before, "the 18 entries that moved along kept theirs");
    assert_eq!(
        ranking(&app, "zeppelin").await.0,
        "do-you-coach-zeppelin-crews"
    );
    assert_eq!(
        ranking(&app, "airships").await.0,
        "do-you-coach-zeppelin-crews"
    );
    for (q, top) in QUERIES {
        assert_eq!(&ranking(&app, q).await.0, top, "{q}");
    }
}

#[tokio::test]
async fn searched_changes_still_refresh_and_the_others_do_not() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    const TEAMS: &str = "/api/v1/faqs/how-many-teams-can-a-technical-coach-support";
    let etag = |res: &reqwest::Response| res.headers()["etag"].to_str().unwrap().to_owned();
    let id: String = sqlx::query_scalar(
        "SELECT id::text FROM entries WHERE slug = 'how-many-teams-can-a-technical-coach-support'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    let doc_of = |rows: &BTreeMap<String, String>| rows.get(&id).cloned();

    // A slug change: not searched.
    let before = doc_rows(&app).await;
    let tag = etag(&app.get(TEAMS).await);
    let res = send_json(
        &app,
        Method::PATCH,
        TEAMS,
        &token,
        Some(&tag),
        Some(json!({"slug": "teams-per-coach"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(doc_rows(&app).await, before, "a slug is not searched");
    let path = &paths::faq("teams-per-coach");

    // A staged edit: readers (and search) keep the published version.
    let tag = etag(&res);
    let res = send_json(
        &app,
        Method::PATCH,
        &format!("{path}?stage=true"),
        &token,
        Some(&tag),
        Some(json!({"answer": "Mostly zeppelins."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        doc_rows(&app).await,
        before,
        "a staged edit is not searched yet"
    );
    assert_eq!(
        app.get_json(&paths::search("q=zeppelins")).await["total"],
        0
    );

    // Publishing it: that document, and only that one, is rewritten.
    let tag = etag(&res);
    let res = send_json(
        &app,
        Method::POST,
        &format!("{path}/publish"),
        &token,
        Some(&tag),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let after = doc_rows(&app).await;
    assert_ne!(doc_of(&after), doc_of(&before));
    let mut others = after.clone();
    others.remove(&id);
    let mut others_before = before.clone();
    others_before.remove(&id);
    assert_eq!(others, others_before);
    assert_eq!(ranking(&app, "zeppelins").await.0, "teams-per-coach");

    // Unpublishing removes it; a page field readers do not search touches nothing.
    let tag = etag(&res);
    let res = send_json(
        &app,
        Method::PATCH,
        path,
        &token,
        Some(&tag),
        Some(json!({"status": "draft"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(doc_of(&doc_rows(&app).await), None);
    assert_eq!(
        app.get_json(&paths::search("q=zeppelins")).await["total"],
        0
    );
    let before = doc_rows(&app).await;
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::page("faq"),
        &token,
        Some("*"),
        Some(json!({"title": "Coaching FAQ"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(doc_rows(&app).await, before, "a page title is not searched");

    // A draft page leaves search, and comes back with the same documents' content.
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::page("faq"),
        &token,
        Some("*"),
        Some(json!({"draft": true})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert!(doc_rows(&app).await.is_empty());
    assert_eq!(app.get_json(&paths::search("q=agility")).await["total"], 0);
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::page("faq"),
        &token,
        Some("*"),
        Some(json!({"draft": false})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        doc_rows(&app).await.len(),
        17,
        "all but the unpublished one"
    );
    // (The first query's entry is unpublished now.)
    for (q, top) in &QUERIES[1..] {
        assert_eq!(&ranking(&app, q).await.0, top, "{q}");
    }
}

/// A re-import that changes one answer refreshes its page, but rewrites only that row.
#[tokio::test]
async fn a_reimport_rewrites_only_the_documents_that_differ() {
    let app = spawn_seeded_app().await;
    let seed = std::fs::read_to_string(crate::helpers::seed_path()).unwrap();
    let before = doc_rows(&app).await;
    let edited = seed.replacen("1 to 3 teams", "1 to 3 zeppelin teams", 1);
    assert_ne!(edited, seed, "the seed still says 1 to 3 teams");
    let report = app.import_markdown(&edited, "faq", "en", None).await;
    assert_eq!(report.updated.len(), 1, "{report:?}");
    let after = doc_rows(&app).await;
    let changed: Vec<&String> = after
        .iter()
        .filter(|(id, xmin)| before.get(*id) != Some(*xmin))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(ranking(&app, "zeppelin").await.0, report.updated[0]);
}
