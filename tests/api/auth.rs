use faqd::auth::Role;
use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::{paths, spawn_app, spawn_seeded_app};

async fn assert_401(res: reqwest::Response, context: &str) {
    assert_eq!(res.status(), 401, "{context}");
    assert!(
        res.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"),
        "{context}"
    );
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json",
        "{context}"
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_token_is_401_even_on_a_get() {
    let app = spawn_seeded_app().await;
    let res = app
        .with_token(Method::GET, &paths::page("faq"), "faqd_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_401(res, "unknown token").await;
    let res = app
        .client
        .get(app.url(paths::FAQS))
        .header(header::AUTHORIZATION, "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_401(res, "not a bearer token").await;
    // 401 comes first: before 404 and 405.
    let res = app
        .with_token(Method::GET, "/api/v1/nowhere", "faqd_x")
        .send()
        .await
        .unwrap();
    assert_401(res, "unknown route").await;
    let res = app
        .with_token(Method::DELETE, paths::PAGES, "faqd_x")
        .send()
        .await
        .unwrap();
    assert_401(res, "wrong method").await;
}

#[tokio::test]
async fn writes_without_a_token_are_401() {
    let app = spawn_seeded_app().await;
    let res = app
        .client
        .post(app.url(paths::FAQS))
        .json(&json!({"page": "faq", "question": "Q?", "answer": "A."}))
        .send()
        .await
        .unwrap();
    assert_401(res, "POST without token").await;
    let res = app
        .client
        .delete(app.url(&paths::faq("what-is-a-technical-coach")))
        .send()
        .await
        .unwrap();
    assert_401(res, "DELETE without token").await;
}

#[tokio::test]
async fn expired_and_revoked_tokens_are_refused_at_the_next_request() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let res = app
        .with_token(Method::GET, paths::FAQS, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let mut conn = app.pool.acquire().await.unwrap();
    assert!(
        faqd::store::tokens::revoke(&mut conn, "editor")
            .await
            .unwrap()
    );
    let res = app
        .with_token(Method::GET, paths::FAQS, &token)
        .send()
        .await
        .unwrap();
    assert_401(res, "revoked").await;

    let expired = app.mint("old", Role::Editor).await;
    sqlx::query(
        "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE name = 'old'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let res = app
        .with_token(Method::GET, paths::FAQS, &expired)
        .send()
        .await
        .unwrap();
    assert_401(res, "expired").await;
}

#[tokio::test]
async fn only_a_hash_is_stored_and_use_is_recorded() {
    let app = spawn_app().await;
    let token = app.editor().await;
    app.with_token(Method::GET, paths::PAGES, &token)
        .send()
        .await
        .unwrap();

    let (hash, used): (Vec<u8>, bool) = sqlx::query_as(
        "SELECT token_hash, last_used_at IS NOT NULL FROM api_tokens WHERE name = 'editor'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(hash.len(), 32);
    assert!(
        !hash
            .windows(8)
            .any(|w| token.as_bytes().windows(8).any(|t| t == w))
    );
    assert!(used, "last use recorded");
    assert!(token.starts_with("faqd_"));
}

#[tokio::test]
async fn a_preview_token_reads_drafts_but_writes_nothing() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let preview = app.preview().await;
    let res = app
        .with_token(Method::POST, paths::FAQS, &editor)
        .json(
            &json!({"page": "faq", "question": "Secret?", "answer": "Not yet.", "status": "draft"}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);

    assert_eq!(
        app.get(&paths::faq("secret")).await.status(),
        404,
        "readers never see a draft"
    );
    let res = app
        .with_token(Method::GET, &paths::faq("secret"), &preview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    let page: Value = app
        .with_token(Method::GET, &paths::page("faq"), &preview)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["entry_count"], 19);

    for (method, path) in [
        (Method::POST, paths::FAQS),
        (Method::PUT, &paths::faq("secret")),
        (Method::PATCH, &paths::faq("secret")),
        (Method::DELETE, &paths::faq("secret")),
    ] {
        // 403 comes before every body or precondition problem.
        let res = app
            .with_token(method.clone(), path, &preview)
            .header(header::CONTENT_TYPE, "text/plain")
            .body("not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{method} {path}");
    }
}

#[tokio::test]
async fn status_and_deleted_filters_need_a_token() {
    let app = spawn_seeded_app().await;
    assert_eq!(app.get(&paths::faqs("status=draft")).await.status(), 401);
    assert_eq!(app.get(&paths::faqs("deleted=true")).await.status(), 401);
    assert_eq!(app.get(&paths::faqs("deleted=false")).await.status(), 200);
    let token = app.editor().await;
    let res = app
        .with_token(Method::GET, &paths::faqs("status=published"), &token)
        .send()
        .await
        .unwrap();
    let list: Value = res.json().await.unwrap();
    assert_eq!(list["total"], 18);
}

/// "Any response to a request that carries a token — redirects included — is
/// `private, no-store`", with `Vary: Authorization`: errors, probes, documents and redirects
/// too, not only the API's reads.
#[tokio::test]
async fn every_answer_to_a_request_with_a_token_is_private() {
    let app = spawn_app().await;
    let token = app.preview().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (method, path, status) in [
        (Method::GET, "/docs".to_owned(), 308),
        (Method::GET, "/docs/".to_owned(), 200),
        (Method::GET, "/openapi.json".to_owned(), 200),
        (Method::GET, "/admin".to_owned(), 200),
        (Method::GET, "/healthz".to_owned(), 200),
        (Method::GET, "/readyz".to_owned(), 200),
        (Method::GET, "/api/v1/nothing".to_owned(), 404),
        (Method::GET, paths::faq("nope"), 404),
        (Method::GET, paths::faqs("limit=0"), 400),
        (Method::DELETE, paths::PAGES.to_owned(), 405),
        (Method::POST, paths::FAQS.to_owned(), 403),
    ] {
        let res = client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        assert_eq!(
            res.headers()[header::CACHE_CONTROL],
            "private, no-store",
            "{method} {path}"
        );
        let vary: Vec<String> = res
            .headers()
            .get_all(header::VARY)
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .map(|v| v.trim().to_ascii_lowercase())
            .collect();
        assert!(
            vary.contains(&"authorization".to_owned()),
            "{method} {path}: {vary:?}"
        );
    }
    // A bad token's 401 too.
    let res = client
        .get(app.url(paths::PAGES))
        .bearer_auth("faqd_not-a-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
}
