//! `Idempotency-Key` on POST: a retry gets the first answer and creates nothing twice; the
//! same key with another request is a 422.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

async fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    key: Option<&str>,
    body: &Value,
) -> reqwest::Response {
    let mut req = app
        .with_token(Method::POST, path, token)
        .header("Content-Type", "application/json")
        .body(body.to_string());
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

async fn count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM entries")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_create_gets_the_first_answer_and_creates_one_entry() {
    let app = spawn_app().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    let token = app.editor().await;
    let body = json!({"page": "help", "question": "Two?", "answer": "B."});
    let first = post(&app, &token, "/api/v1/faqs", Some("create-two-7f3a"), &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let etag = first.headers()["etag"].clone();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body: Value = first.json().await.unwrap();
    assert_eq!(count(&app).await, 2);

    let retry = post(&app, &token, "/api/v1/faqs", Some("create-two-7f3a"), &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers()["etag"], etag);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), first_body);
    assert_eq!(count(&app).await, 2, "nothing created twice");

    // The same key with another body: 422, nothing done.
    let other = json!({"page": "help", "question": "Three?", "answer": "C."});
    let res = post(
        &app,
        &token,
        "/api/v1/faqs",
        Some("create-two-7f3a"),
        &other,
    )
    .await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(count(&app).await, 2);

    // Another key, or none, is another request.
    assert_eq!(
        post(&app, &token, "/api/v1/faqs", Some("create-three"), &other)
            .await
            .status(),
        201
    );
    assert_eq!(count(&app).await, 3);
    let four = json!({"page": "help", "question": "Four?", "answer": "D."});
    assert_eq!(
        post(&app, &token, "/api/v1/faqs", None, &four)
            .await
            .status(),
        201
    );
    assert_eq!(count(&app).await, 4);

    // Keys belong to their token: another editor's same key is a new request.
    let other_editor = app.mint("second-editor", faqd::auth::Role::Editor).await;
    let five = json!({"page": "help", "question": "Five?", "answer": "E."});
    assert_eq!(
        post(
            &app,
            &other_editor,
            "/api/v1/faqs",
            Some("create-two-7f3a"),
            &five
        )
        .await
        .status(),
        201
    );
    assert_eq!(count(&app).await, 5);
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused_and_a_bad_key_is_400() {
    let app = spawn_app().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    let token = app.editor().await;
    let bad = json!({"page": "help", "question": "", "answer": "B."});
    let first = post(&app, &token, "/api/v1/faqs", Some("k1"), &bad).await;
    assert_eq!(first.status(), 422);
    let again = post(&app, &token, "/api/v1/faqs", Some("k1"), &bad).await;
    assert_eq!(again.status(), 422);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["content-type"], "application/problem+json");

    let res = app
        .with_token(Method::POST, "/api/v1/faqs", &token)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", "x".repeat(300))
        .body(json!({"page": "help", "question": "Q?", "answer": "A."}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(count(&app).await, 1);
}

#[tokio::test]
async fn publish_and_import_retries_do_nothing_twice() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let md = "## One?\n\nA.\n";
    let import = |key: &'static str| {
        app.with_token(Method::POST, "/api/v1/pages/import?slug=help", &token)
            .header("Content-Type", "text/markdown")
            .header("Idempotency-Key", key)
            .body(md)
            .send()
    };
    let first = import("import-1").await.unwrap();
    assert!(first.status().is_success());
    let first_body = first.text().await.unwrap();
    let again = import("import-1").await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.text().await.unwrap(), first_body);

    let res = app
        .with_token(Method::PATCH, "/api/v1/faqs/one?stage=true", &token)
        .header("If-Match", "*")
        .json(&json!({"answer": "Staged."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let publish = || {
        app.with_token(Method::POST, "/api/v1/faqs/one/publish", &token)
            .header("If-Match", "*")
            .header("Idempotency-Key", "publish-1")
            .send()
    };
    assert_eq!(publish().await.unwrap().status(), 200);
    let replay = publish().await.unwrap();
    assert_eq!(replay.status(), 200);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let revisions: i64 =
        sqlx::query_scalar("SELECT count(*) FROM entry_revisions WHERE kind = 'published'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(revisions, 1, "published once");
}
