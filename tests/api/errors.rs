use reqwest::{Method, header};
use serde_json::Value;

use crate::helpers::paths;
use crate::helpers::spawn_app;

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api/v1",
        "/api/v1/nothing",
        "/api/v2/pages",
        &paths::page("faq/nope/deeper"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json",
            "{path}"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 404);
        assert!(
            problem["type"].is_string()
                && problem["title"].is_string()
                && problem["detail"].is_string()
        );
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem_with_allow() {
    let app = spawn_app().await;
    for (method, path) in [
        (Method::DELETE, paths::PAGES),
        (Method::PUT, paths::FAQS),
        (Method::POST, "/healthz"),
        (Method::PATCH, "/openapi.json"),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 405, "{method} {path}");
        let allow = res.headers()[header::ALLOW].to_str().unwrap().to_owned();
        assert!(
            allow.contains("GET") && allow.contains("HEAD"),
            "{method} {path}: {allow}"
        );
        assert!(!allow.contains(method.as_str()), "{method} {path}: {allow}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 405);
    }
}

#[tokio::test]
async fn hostile_paths_and_queries_never_cause_a_500() {
    let app = spawn_app().await;
    let long = "a".repeat(10_000);
    for path in [
        paths::faq(&long),
        paths::page(&long),
        "/api/v1/pages/%00".to_owned(),
        "/api/v1/faqs/'%3B%20DROP%20TABLE%20entries%3B--".to_owned(),
        "/api/v1/faqs?page=%27%20OR%201%3D1--&tag=%00".to_owned(),
        "/api/v1/faqs?section=%E2%9D%A4%EF%B8%8F".to_owned(),
        "/api/v1/pages/faq?lang=".to_owned(),
    ] {
        let res = app.get(&path).await;
        assert!(
            res.status().is_client_error() || res.status().is_success(),
            "{path}: {}",
            res.status()
        );
    }
    // The database is untouched and still answers.
    assert_eq!(app.get("/readyz").await.status(), 200);
}

#[tokio::test]
async fn cors_allows_anonymous_reads_from_any_origin() {
    let app = spawn_app().await;
    let res = app
        .client
        .get(app.url(paths::PAGES))
        .header(header::ORIGIN, "https://www.example.com")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()
            .contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN)
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_503_with_retry_after_and_the_service_stays_up() {
    // A pool that can never connect: nothing listens on this socket.
    let options = sqlx::postgres::PgConnectOptions::new()
        .socket("/nonexistent-faqd-socket-dir")
        .database("faqd");
    let pool = faqd::db::pool_options(2).connect_lazy_with(options);
    let app = faqd::server::Application::build(&faqd::config::ServeSettings::for_tests(), pool)
        .expect("build the app");
    let base = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();

    for path in [
        paths::PAGES,
        &paths::faq("what-is-a-technical-coach"),
        &paths::search("q=coach"),
    ] {
        let res = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status(), 503, "{path}");
        assert!(res.headers().contains_key(header::RETRY_AFTER), "{path}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
    let res = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
    let res = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200, "alive while the database is away");
    handle.stop(false).await;
}

#[tokio::test]
async fn problem_types_are_one_per_status_whoever_answers() {
    let app = crate::helpers::spawn_seeded_app().await;
    let kind = |res: reqwest::Response| async move {
        let body: serde_json::Value = res.json().await.unwrap();
        body["type"].as_str().unwrap().to_owned()
    };
    let route = kind(app.get("/api/v1/nowhere").await).await;
    let entry = kind(app.get(&paths::faq("no-such-entry")).await).await;
    let page = kind(app.get(&paths::page("no-such-page")).await).await;
    assert_eq!(route, "urn:faqd:problem:not-found");
    assert_eq!(entry, route);
    assert_eq!(page, route);
    let res = app
        .client
        .delete(app.url(paths::PAGES))
        .send()
        .await
        .unwrap();
    assert_eq!(kind(res).await, "urn:faqd:problem:method-not-allowed");
    let res = app.get(&paths::faqs("limit=0")).await;
    assert_eq!(kind(res).await, "urn:faqd:problem:bad-request");
}

#[tokio::test]
async fn every_response_says_nosniff_and_a_hex_slug_is_refused() {
    let app = crate::helpers::spawn_seeded_app().await;
    for path in [
        &paths::page("faq"),
        "/api/v1/nowhere",
        "/docs/",
        "/openapi.json",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    let token = app.editor().await;
    let slug = "0123456789abcdef0123456789abcdef";
    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
        .json(
            &serde_json::json!({"page": "faq", "question": "Hex?", "answer": "Yes.", "slug": slug}),
        )
        .send()
        .await
        .unwrap();
    // It would parse as an id: refused (tests/api/slugs.rs has the rest).
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "slug");
    assert_eq!(app.get(&paths::faq(slug)).await.status(), 404);
}

#[tokio::test]
async fn over_its_budget_a_client_gets_429_with_retry_after_and_reads_stay_free() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.rate_limit_search = 10;
    settings.rate_limit_writes = 10;
    let app = crate::helpers::spawn_app_with(settings).await;
    app.import_file(&crate::helpers::seed_path(), None, None)
        .await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let res = app.get(&paths::search("q=coach")).await;
        if res.status() == 200 {
            assert_eq!(res.headers()["ratelimit-limit"], "10");
        }
        statuses.push(res.status().as_u16());
        if res.status() == 429 {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(res.headers()["ratelimit-remaining"], "0");
            let body: Value = res.json().await.unwrap();
            assert_eq!(body["type"], "urn:faqd:problem:too-many-requests");
        }
    }
    assert_eq!(&statuses[..10], [200; 10]);
    assert_eq!(statuses[11], 429);
    // Cached reads are not counted.
    for _ in 0..30 {
        assert_eq!(app.get(&paths::page("faq")).await.status(), 200);
    }
    // Writes have their own budget, per token.
    let alice = app.mint("alice", faqd::auth::Role::Editor).await;
    let bob = app.mint("bob", faqd::auth::Role::Editor).await;
    let write = |token: String| {
        let app = &app;
        async move {
            app.with_token(
                Method::PATCH,
                &paths::faq("what-is-a-technical-coach"),
                &token,
            )
            .header("If-Match", "*")
            .json(&serde_json::json!({"tags": ["x"]}))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
        }
    };
    let mut alice_statuses = Vec::new();
    for _ in 0..12 {
        alice_statuses.push(write(alice.clone()).await);
    }
    assert_eq!(alice_statuses[11], 429, "{alice_statuses:?}");
    assert_eq!(
        write(bob.clone()).await,
        200,
        "another client has its own budget"
    );
}

#[tokio::test]
async fn a_nul_character_in_a_query_parameter_is_a_400_problem_and_in_a_body_a_422() {
    let app = spawn_app().await;
    let token = app.editor().await;
    app.import_ok(
        &token,
        "slug=faq&lang=en",
        "text/markdown",
        "## Can I pay by card?\n\nYes.\n",
    )
    .await;
    for path in [
        paths::faqs("tag=a%00b"),
        paths::faqs("section=%00"),
        paths::faqs("page=faq%00"),
        format!("{}/similar?q=pay%00card", paths::FAQS),
        format!("{}/similar?q=pay&page=faq%00", paths::FAQS),
    ] {
        let res = crate::helpers::send_json(&app, Method::GET, &path, &token, None, None).await;
        let problem = crate::helpers::problem(res, 400).await;
        assert!(
            problem["detail"].as_str().unwrap_or("").contains("NUL"),
            "{path}: {problem}"
        );
    }
    // Anonymous readers' filters too.
    let res = app.get(&paths::faqs("tag=%00")).await;
    crate::helpers::problem(res, 400).await;
    // Text in a body stays a 422 naming the field.
    let res = crate::helpers::send_json(
        &app,
        Method::POST,
        paths::FAQS,
        &token,
        None,
        Some(serde_json::json!({"page": "faq", "question": "Nul\u{0}?", "answer": "x"})),
    )
    .await;
    crate::helpers::problem(res, 422).await;
}

/// "A bad or unknown query parameter (on every route)" is a 400: also on the routes that take
/// no query parameter at all, and before anything is written.
#[tokio::test]
async fn an_unknown_query_parameter_is_a_400_on_routes_that_take_none() {
    let app = spawn_app().await;
    let token = app.admin().await;
    app.import_ok(
        &token,
        "slug=faq&lang=en",
        "text/markdown",
        "## Can I pay by card?\n\nYes.\n",
    )
    .await;
    let entry = "can-i-pay-by-card";
    let hook = serde_json::json!({
        "url": "https://hooks.example.com/faqd",
        "events": ["entry.created"],
        "secret": "0123456789abcdef0123456789abcdef"
    });
    let cases: Vec<(Method, String, Option<&str>, Option<Value>)> = vec![
        (
            Method::GET,
            paths::faq(format!("{entry}/related?bogus=1")),
            None,
            None,
        ),
        (
            Method::GET,
            paths::faq(format!("{entry}/revisions/1?bogus=1")),
            None,
            None,
        ),
        (
            Method::GET,
            format!("{}?bogus=1", paths::WEBHOOKS),
            None,
            None,
        ),
        (
            Method::POST,
            format!("{}?bogus=1", paths::WEBHOOKS),
            None,
            Some(hook),
        ),
        (
            Method::POST,
            paths::faq(format!("{entry}/feedback?bogus=1")),
            None,
            Some(serde_json::json!({"helpful": true})),
        ),
        (
            Method::POST,
            paths::faq(format!("{entry}/publish?bogus=1")),
            Some("*"),
            None,
        ),
        (
            Method::DELETE,
            paths::faq(format!("{entry}?bogus=1")),
            Some("*"),
            None,
        ),
        (
            Method::POST,
            "/api/v1/render?bogus=1".to_owned(),
            None,
            Some(serde_json::json!({"markdown": "x"})),
        ),
        (Method::GET, "/llms.txt?bogus=1".to_owned(), None, None),
        (Method::GET, "/llms-full.txt?bogus=1".to_owned(), None, None),
        (Method::GET, "/healthz?bogus=1".to_owned(), None, None),
        (Method::GET, "/readyz?bogus=1".to_owned(), None, None),
    ];
    for (method, path, if_match, body) in cases {
        let res =
            crate::helpers::send_json(&app, method.clone(), &path, &token, if_match, body).await;
        let problem = crate::helpers::problem(res, 400).await;
        assert!(
            problem["detail"].as_str().unwrap_or("").contains("bogus"),
            "{method} {path}: {problem}"
        );
    }
    // Nothing was written: no webhook, no feedback, the entry still there.
    let hooks = app.get_json_as(&token, paths::WEBHOOKS).await;
    assert_eq!(hooks["items"].as_array().map(Vec::len), Some(0), "{hooks}");
    let feedback = app.get_json_as(&token, "/api/v1/feedback").await;
    assert_eq!(
        feedback["items"].as_array().map(Vec::len),
        Some(0),
        "{feedback}"
    );
    assert_eq!(app.get(&paths::faq(entry)).await.status(), 200);
    // Anonymous readers too, and a route's documented parameters still pass.
    crate::helpers::problem(
        app.get(&paths::faq(format!("{entry}/related?x="))).await,
        400,
    )
    .await;
    assert_eq!(app.get("/llms.txt").await.status(), 200);
    assert_eq!(
        app.get(&paths::faqs("page=faq&limit=5")).await.status(),
        200
    );
    // The contract's order: an unknown resource is a 404 before the query's 400.
    for path in [
        paths::faq("no-such-entry/related?bogus=1"),
        paths::faq(format!("{entry}/revisions/99?bogus=1")),
    ] {
        for method in [Method::GET, Method::HEAD] {
            let res = app
                .with_token(method.clone(), &path, &token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{method} {path}");
        }
    }
}
