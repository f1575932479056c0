//! Slugs that parse as entry ids: refused when given, suffixed when derived, so that a `{ref}`
//! never has to choose between an id and a slug.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, problem, problem_fields, send_json, spawn_seeded_app};

const SIMPLE: &str = "0123456789abcdef0123456789abcdef";
const HYPHENATED: &str = "8c1d5a0e-3f0b-4a4e-9a55-1f6e2f0c9b11";
const COACH: &str = "/api/v1/faqs/what-is-a-technical-coach";

fn fields(problem: &Value) -> Vec<&str> {
    let mut fields = problem_fields(problem);
    fields.sort_unstable();
    fields
}

async fn etag(app: &TestApp, path: &str) -> String {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.headers()[header::ETAG].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn slugs_that_parse_as_ids_are_refused_on_create_replace_and_patch() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let before = app.snapshot().await;

    for slug in [SIMPLE, HYPHENATED] {
        let body = json!({"page": "faq", "question": "Id-like?", "answer": "x", "slug": slug});
        let res = send_json(&app, Method::POST, paths::FAQS, &token, None, Some(body)).await;
        let body = problem(res, 422).await;
        assert_eq!(fields(&body), ["slug"], "{body}");
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("id"), "{message}");
    }
    // With other broken rules, all are listed at once.
    let body = json!({"page": "faq", "question": " ", "answer": "x", "slug": SIMPLE});
    let res = send_json(&app, Method::POST, paths::FAQS, &token, None, Some(body)).await;
    assert_eq!(fields(&problem(res, 422).await), ["question", "slug"]);

    let tag = etag(&app, COACH).await;
    let body = json!({"question": "What is a technical coach?", "answer": "x", "slug": HYPHENATED});
    let res = send_json(&app, Method::PUT, COACH, &token, Some(&tag), Some(body)).await;
    assert_eq!(fields(&problem(res, 422).await), ["slug"]);

    let res = send_json(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some(&tag),
        Some(json!({ "slug": SIMPLE })),
    )
    .await;
    assert_eq!(fields(&problem(res, 422).await), ["slug"]);

    assert_eq!(
        app.snapshot().await,
        before,
        "refused writes change nothing"
    );
    // A slug with a word beside the hex digits is a slug like any other.
    let res = send_json(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some(&tag),
        Some(json!({ "slug": format!("{SIMPLE}-q") })),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.get_json(&paths::faq(format!("{SIMPLE}-q"))).await["question"],
        "What is a technical coach?"
    );
}

#[tokio::test]
async fn a_derived_slug_that_would_parse_as_an_id_gets_a_suffix() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;

    let mut slugs = Vec::new();
    for question in [SIMPLE, SIMPLE, &HYPHENATED.to_uppercase()] {
        let body = json!({"page": "faq", "question": question, "answer": "Hex."});
        let res = send_json(&app, Method::POST, paths::FAQS, &token, None, Some(body)).await;
        assert_eq!(res.status(), 201);
        let entry: Value = res.json().await.unwrap();
        let slug = entry["slug"].as_str().unwrap().to_owned();
        // Reachable by slug and by id alike.
        assert_eq!(app.get_json(&paths::faq(&slug)).await["id"], entry["id"]);
        let id = entry["id"].as_str().unwrap();
        assert_eq!(app.get_json(&paths::faq(id)).await["slug"], slug);
        slugs.push(slug);
    }
    assert_eq!(
        slugs,
        [
            format!("{SIMPLE}-q"),
            format!("{SIMPLE}-q-2"),
            format!("{HYPHENATED}-q")
        ]
    );
}

#[tokio::test]
async fn an_import_suffixes_derived_slugs_that_would_parse_as_ids() {
    let app = spawn_seeded_app().await;
    let markdown = format!(
        "---\ntitle: Hex\n---\n\n**{SIMPLE}**\n\nThe simple form.\n\n**{HYPHENATED}**\n\nThe hyphenated form.\n\n**Is this a question?**\n\nYes.\n"
    );
    let report = app.import_markdown(&markdown, "hex", "en", None).await;
    assert_eq!(
        report.created,
        [
            format!("{SIMPLE}-q"),
            format!("{HYPHENATED}-q"),
            "is-this-a-question".to_owned()
        ]
    );
    let page = app.get_page("hex").await;
    let slugs: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            report.created[0].as_str(),
            &report.created[1],
            &report.created[2]
        ]
    );
    // Once more: the same slugs are kept, nothing changes.
    let again = app.import_markdown(&markdown, "hex", "en", None).await;
    assert!(
        again.created.is_empty() && again.updated.is_empty(),
        "{again:?}"
    );
    assert_eq!(again.unchanged.len(), 3);
}

/// An entry that got an id-like slug before the rule keeps it: a patch of another field
/// (which sends the current slug back) still works.
#[tokio::test]
async fn an_entry_that_already_has_an_id_like_slug_can_still_be_edited() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    sqlx::query("UPDATE entries SET slug = $1 WHERE slug = 'what-is-a-technical-coach'")
        .bind(SIMPLE)
        .execute(&app.pool)
        .await
        .unwrap();
    let path = paths::faq(SIMPLE);
    let tag = etag(&app, &path).await;
    let res = send_json(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some(&tag),
        Some(json!({"answer": "Edited."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["slug"], SIMPLE);
    assert_eq!(entry["answer"], "Edited.");
}
