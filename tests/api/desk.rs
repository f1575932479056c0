//! The editors' desk and what it needs of the API: similar questions (the duplicate
//! warning), the preview renderer, the desk's own page, scheduled publishing.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::spawn_seeded_app;

#[tokio::test]
async fn similar_questions_rank_a_near_copy_first_and_include_drafts() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/faqs",
        &editor,
        None,
        Some(
            json!({"page": "faq", "question": "How long does a coaching mission last?",
                    "answer": "Months.", "status": "draft"}),
        ),
    )
    .await;
    assert_eq!(res.status(), 201);

    let res = app
        .with_token(Method::GET, "/api/v1/faqs/similar", &editor)
        .query(&[
            ("q", "What's a technical coach"),
            ("page", "faq"),
            ("lang", "en"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "private, no-store");
    let body: Value = res.json().await.unwrap();
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.len() <= 5, "{body}");
    assert_eq!(items[0]["slug"], "what-is-a-technical-coach", "{body}");
    let best = items[0]["similarity"].as_f64().unwrap();
    assert!(best > 0.6 && best <= 1.0, "{body}");
    let mut last = f64::INFINITY;
    for item in items {
        let s = item["similarity"].as_f64().unwrap();
        assert!(
            (0.0..=1.0).contains(&s) && s <= last,
            "best first, in [0, 1]: {body}"
        );
        last = s;
    }
    assert_eq!(body["semantic"], false);

    // Drafts are compared too: editors must not write the same question twice.
    let body: Value = app
        .with_token(Method::GET, "/api/v1/faqs/similar", &editor)
        .query(&[("q", "how long does a coaching mission take?")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["items"][0]["question"],
        "How long does a coaching mission last?"
    );
    assert_eq!(body["items"][0]["status"], "draft");

    // Nothing alike: no warning.
    let body: Value = app
        .with_token(Method::GET, "/api/v1/faqs/similar", &editor)
        .query(&[("q", "zebra xylophone quantum")])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"], json!([]), "{body}");
}

#[tokio::test]
async fn similar_questions_are_for_editors_and_need_a_question() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let preview = app.mint("preview", faqd::auth::Role::Preview).await;
    // `similar` is not taken for an entry's slug: anonymous callers are told to sign in.
    assert_eq!(app.get("/api/v1/faqs/similar?q=coach").await.status(), 401);
    let res = app
        .with_token(Method::GET, "/api/v1/faqs/similar?q=coach", &preview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    for bad in [
        "",
        "?q=",
        "?q=%20%20",
        "?q=coach&limit=3",
        "?q=coach&lang=not%20a%20lang",
    ] {
        let res = app
            .with_token(Method::GET, &format!("/api/v1/faqs/similar{bad}"), &editor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let long = "a".repeat(501);
    let res = app
        .with_token(Method::GET, "/api/v1/faqs/similar", &editor)
        .query(&[("q", long.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn render_previews_markdown_as_readers_get_it_and_stores_nothing() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let before = app.snapshot().await;
    let res = send(
        &app,
        Method::POST,
        "/api/v1/render",
        &editor,
        None,
        Some(json!({"markdown": "A **coach**.\n\n<script>alert(1)</script><a href=\"javascript:x()\">x</a>"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let html = body["html"].as_str().unwrap();
    assert!(html.contains("<strong>coach</strong>"), "{html}");
    assert!(
        !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    assert_eq!(app.snapshot().await, before);

    let anonymous = app
        .client
        .post(app.url("/api/v1/render"))
        .json(&json!({"markdown": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let wrong_field = send(
        &app,
        Method::POST,
        "/api/v1/render",
        &editor,
        None,
        Some(json!({"md": "x"})),
    )
    .await;
    assert_eq!(wrong_field.status(), 400);
    let too_long = send(
        &app,
        Method::POST,
        "/api/v1/render",
        &editor,
        None,
        Some(json!({"markdown": "x".repeat(20_001)})),
    )
    .await;
    assert_eq!(too_long.status(), 422);
    let text = app
        .with_token(Method::POST, "/api/v1/render", &editor)
        .header("Content-Type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status(), 415);
}

#[tokio::test]
async fn insights_count_every_search_of_a_day_not_only_the_listed_queries() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let queries = [
        "coach",
        "teams",
        "agile",
        "quantum blockchain payroll",
        "payroll blockchain quantum",
    ];
    for q in queries {
        let res = app
            .client
            .get(app.url("/api/v1/search"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    // Lists of one query each: the day's totals still count all five searches.
    let insights: Value = app
        .with_token(
            Method::GET,
            "/api/v1/search/insights?days=2&limit=1",
            &editor,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let today = &insights["by_day"][0];
    assert_eq!(today["top"].as_array().unwrap().len(), 1, "{insights}");
    assert_eq!(today["searches"], 5, "{insights}");
    assert_eq!(today["searches_without_hits"], 2, "{insights}");
}

#[tokio::test]
async fn the_desk_is_served_from_the_binary_under_a_strict_policy() {
    let app = spawn_seeded_app().await;
    for path in ["/admin", "/admin/"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
        let csp = res.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("script-src 'self';") && csp.contains("style-src 'self';"),
            "{csp}"
        );
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        let html = res.text().await.unwrap();
        assert!(html.contains(r#"<script type="module" src="/admin/desk.js"></script>"#));
        // No inline script or style anywhere: the policy would refuse them.
        assert!(!html.contains("<style") && !html.contains(" style="));
        assert_eq!(html.matches("<script").count(), 1);
        assert!(
            !html.contains("http://") && !html.contains("https://"),
            "nothing from elsewhere"
        );
    }
    let mut files = 0;
    for (file, media_type) in [
        ("desk.js", "text/javascript; charset=utf-8"),
        ("api.js", "text/javascript; charset=utf-8"),
        ("ui.js", "text/javascript; charset=utf-8"),
        ("page.js", "text/javascript; charset=utf-8"),
        ("entry.js", "text/javascript; charset=utf-8"),
        ("files.js", "text/javascript; charset=utf-8"),
        ("insights.js", "text/javascript; charset=utf-8"),
        ("desk.css", "text/css; charset=utf-8"),
    ] {
        let res = app.get(&format!("/admin/{file}")).await;
        assert_eq!(res.status(), 200, "{file}");
        assert_eq!(res.headers()["content-type"], media_type, "{file}");
        assert!(res.headers().contains_key("content-security-policy"));
        let etag = res.headers()["etag"].to_str().unwrap().to_owned();
        // The SVG namespace is a name, not an address.
        let body = res
            .text()
            .await
            .unwrap()
            .replace("http://www.w3.org/2000/svg", "");
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{file} loads nothing from elsewhere"
        );
        assert!(
            !body.contains("localStorage") && !body.contains("document.cookie"),
            "{file}: the token stays in sessionStorage"
        );
        let again = app
            .client
            .get(app.url(&format!("/admin/{file}")))
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304, "{file}");
        files += 1;
    }
    assert_eq!(files, 8);
    let missing = app.get("/admin/nope.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let wrong_method = app.client.post(app.url("/admin")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
}
