//! `Idempotency-Key` on POST: a retry gets the first answer and creates nothing twice; the
//! same key with another request is a 422.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, spawn_app};

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
    let first = post(&app, &token, paths::FAQS, Some("create-two-7f3a"), &body).await;
    assert_eq!(first.status(), 201);
    let location = first.headers()["location"].clone();
    let etag = first.headers()["etag"].clone();
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body: Value = first.json().await.unwrap();
    assert_eq!(count(&app).await, 2);

    let retry = post(&app, &token, paths::FAQS, Some("create-two-7f3a"), &body).await;
    assert_eq!(retry.status(), 201);
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(retry.headers()["etag"], etag);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.json::<Value>().await.unwrap(), first_body);
    assert_eq!(count(&app).await, 2, "nothing created twice");

    // The same key with another body: 422, nothing done.
    let other = json!({"page": "help", "question": "Three?", "answer": "C."});
    let res = post(&app, &token, paths::FAQS, Some("create-two-7f3a"), &other).await;
    assert_eq!(res.status(), 422);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    assert_eq!(count(&app).await, 2);

    // Another key, or none, is another request.
    assert_eq!(
        post(&app, &token, paths::FAQS, Some("create-three"), &other)
            .await
            .status(),
        201
    );
    assert_eq!(count(&app).await, 3);
    let four = json!({"page": "help", "question": "Four?", "answer": "D."});
    assert_eq!(
        post(&app, &token, paths::FAQS, None, &four).await.status(),
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
            paths::FAQS,
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
    let first = post(&app, &token, paths::FAQS, Some("k1"), &bad).await;
    assert_eq!(first.status(), 422);
    let again = post(&app, &token, paths::FAQS, Some("k1"), &bad).await;
    assert_eq!(again.status(), 422);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["content-type"], "application/problem+json");

    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
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
        app.with_token(Method::POST, &paths::page("import?slug=help"), &token)
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
        .with_token(Method::PATCH, &paths::faq("one?stage=true"), &token)
        .header("If-Match", "*")
        .json(&json!({"answer": "Staged."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let publish = || {
        app.with_token(Method::POST, &paths::faq("one/publish"), &token)
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

async fn keys_stored(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_changes_neither_the_answer_nor_the_precedence_of_413_and_415_and_stays_free() {
    let app = spawn_app().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    let token = app.editor().await;
    let send = |path: &str, content_type: &str, body: String, key: Option<&str>| {
        let mut req = app
            .with_token(Method::POST, path, &token)
            .header("Content-Type", content_type)
            .header("If-Match", "*")
            .body(body);
        if let Some(key) = key {
            req = req.header("Idempotency-Key", key);
        }
        req.send()
    };
    let two_mib = || "x".repeat(2 * 1024 * 1024);
    let json_over_256_kib = || {
        json!({"page": "help", "question": "Big?", "answer": "y".repeat(300 * 1024)}).to_string()
    };
    let small = || json!({"page": "help", "question": "Small?", "answer": "S."}).to_string();
    // (path, content type, body, the status the contract gives: 415 before 413, 404 before both)
    let import = paths::import("slug=big");
    let missing = paths::faq("nope/publish");
    let cases: Vec<(&str, &str, String, u16)> = vec![
        (paths::FAQS, "text/plain", two_mib(), 415),
        (paths::FAQS, "application/json", two_mib(), 413),
        (paths::FAQS, "application/json", json_over_256_kib(), 413),
        (paths::FAQS, "text/plain", small(), 415),
        (&import, "text/markdown", two_mib(), 413),
        (&import, "image/png", two_mib(), 415),
        (&missing, "application/json", two_mib(), 404),
    ];
    let before = app.snapshot().await;
    for (i, (path, content_type, body, expected)) in cases.into_iter().enumerate() {
        let unkeyed = send(path, content_type, body.clone(), None).await.unwrap();
        assert_eq!(
            unkeyed.status(),
            expected,
            "{path} {content_type} without a key"
        );
        let key = format!("refused-{i}");
        for attempt in 0..2 {
            let keyed = send(path, content_type, body.clone(), Some(&key))
                .await
                .unwrap();
            assert_eq!(
                keyed.status(),
                expected,
                "{path} {content_type} with a key (attempt {attempt})"
            );
            assert_eq!(keyed.headers()["content-type"], "application/problem+json");
            if expected != 404 {
                assert!(
                    keyed.headers().get("idempotent-replayed").is_none(),
                    "a refused body is never the key's outcome"
                );
            }
        }
        if expected != 404 {
            let stored: i64 =
                sqlx::query_scalar("SELECT count(*) FROM idempotency_keys WHERE key = $1")
                    .bind(&key)
                    .fetch_one(&app.pool)
                    .await
                    .unwrap();
            assert_eq!(stored, 0, "{path} {content_type}: the key stays free");
        }
    }
    assert_eq!(app.snapshot().await, before, "nothing was written");

    // The key a refused body was sent with serves the request sent right.
    let res = post(
        &app,
        &token,
        paths::FAQS,
        Some("refused-1"),
        &json!({"page": "help", "question": "Right?", "answer": "R."}),
    )
    .await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(count(&app).await, 2);
}

#[tokio::test]
async fn a_claim_whose_answer_was_never_recorded_is_409_until_it_expires() {
    let app = spawn_app().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    let token = app.editor().await;
    let body = json!({"page": "help", "question": "Two?", "answer": "B."});
    let first = post(&app, &token, paths::FAQS, Some("lost-1"), &body).await;
    assert_eq!(first.status(), 201);
    assert_eq!(count(&app).await, 2);
    // The process died between running the request and recording its answer: the claim row is
    // left as `claim` inserts it, with its principal, key and fingerprint and no answer.
    let lost = sqlx::query(
        "UPDATE idempotency_keys SET status = NULL, headers = NULL, body = NULL WHERE key = $1",
    )
    .bind("lost-1")
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(lost.rows_affected(), 1);

    for _ in 0..2 {
        let retry = post(&app, &token, paths::FAQS, Some("lost-1"), &body).await;
        assert_eq!(retry.status(), 409);
        assert_eq!(retry.headers()["content-type"], "application/problem+json");
        assert!(retry.headers().get("idempotent-replayed").is_none());
        let problem: Value = retry.json().await.unwrap();
        assert_eq!(problem["status"], 409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("was carried out"),
            "the create committed (the claim says so): {problem}"
        );
        assert_eq!(count(&app).await, 2, "not run a second time");
    }
    // Another request with that key is still another request: 422.
    let other = json!({"page": "help", "question": "Three?", "answer": "C."});
    let res = post(&app, &token, paths::FAQS, Some("lost-1"), &other).await;
    assert_eq!(res.status(), 422);
    assert_eq!(keys_stored(&app).await, 1);

    // After 24 hours the claim expires and the key serves a new request.
    sqlx::query(
        "UPDATE idempotency_keys SET created_at = created_at - interval '25 hours' WHERE key = $1",
    )
    .bind("lost-1")
    .execute(&app.pool)
    .await
    .unwrap();
    let res = post(&app, &token, paths::FAQS, Some("lost-1"), &body).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers().get("idempotent-replayed").is_none());
    assert_eq!(count(&app).await, 3);
}
