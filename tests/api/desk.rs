//! The editors' desk and what it needs of the API: similar questions (the duplicate
//! warning), the preview renderer, the desk's own page, scheduled publishing.

use reqwest::Method;
use serde_json::{Value, json};

use std::time::Duration;

use crate::helpers::send_json as send;
use crate::helpers::{paths, spawn_seeded_app, wait_until};

#[tokio::test]
async fn similar_questions_rank_a_near_copy_first_and_include_drafts() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = app
        .create_entry(
            &editor,
            json!({"page": "faq", "question": "How long does a coaching mission last?",
                    "answer": "Months.", "status": "draft"}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let res = app
        .with_token(Method::GET, &paths::faq("similar"), &editor)
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
        .with_token(Method::GET, &paths::faq("similar"), &editor)
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
        .with_token(Method::GET, &paths::faq("similar"), &editor)
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
    let preview = app.preview().await;
    // `similar` is not taken for an entry's slug: anonymous callers are told to sign in.
    assert_eq!(app.get(&paths::faq("similar?q=coach")).await.status(), 401);
    let res = app
        .with_token(Method::GET, &paths::faq("similar?q=coach"), &preview)
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
            .with_token(Method::GET, &paths::faq(format!("similar{bad}")), &editor)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 400, "{bad}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
    let long = "a".repeat(501);
    let res = app
        .with_token(Method::GET, &paths::faq("similar"), &editor)
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
            .get(app.url(paths::SEARCH))
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
    // Served again (from the read cache, for anonymous requests): the same policy.
    for _ in 0..2 {
        let res = app.get("/admin").await;
        assert_eq!(res.status(), 200);
        assert!(
            res.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let res = app.get("/admin/desk.js").await;
        assert!(res.headers().contains_key("content-security-policy"));
    }
    let missing = app.get("/admin/nope.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    let wrong_method = app.client.post(app.url("/admin")).send().await.unwrap();
    assert_eq!(wrong_method.status(), 405);
}

/// The change feed from the start, all of it (the test pages are small).
pub(crate) async fn all_changes(app: &crate::helpers::TestApp) -> Vec<Value> {
    let mut items = Vec::new();
    let mut since: Option<String> = None;
    loop {
        let path = match &since {
            Some(cursor) => paths::changes(format!("limit=100&since={cursor}")),
            None => "/api/v1/changes?limit=100".to_owned(),
        };
        let page = app.get_json(&path).await;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        if page["has_more"] != true {
            return items;
        }
        since = Some(page["next_cursor"].as_str().unwrap().to_owned());
    }
}

async fn revisions(app: &crate::helpers::TestApp, token: &str, id: &str) -> Vec<Value> {
    let res = app
        .with_token(Method::GET, &paths::faq(format!("{id}/revisions")), token)
        .send()
        .await
        .unwrap();
    let body: Value = res.json().await.unwrap();
    body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_scheduled_publication_and_withdrawal_happen_on_time_as_the_manual_ones_do() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let t0 = chrono::Utc::now();
    let at = |minutes: i64| t0 + chrono::Duration::minutes(minutes);
    let res = app
        .create_entry(
            &editor,
            json!({"page": "faq", "question": "When does the spring programme open?",
                    "answer": "In March.", "status": "draft", "publish_at": at(60)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_owned();
    let entry = paths::faq(&id);
    // Shown to editors, as given.
    let shown: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(created["publish_at"].clone()).unwrap();
    assert_eq!(shown.timestamp_micros(), at(60).timestamp_micros());
    assert!(created.get("unpublish_at").is_none(), "{created}");
    let page_before = app.get_page("faq").await["version"].clone();
    let changes_before = all_changes(&app).await.len();

    // Not yet due: nothing happens.
    assert_eq!(
        faqd::server::schedule::run_due(&app.pool, at(59))
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.get(&entry).await.status(), 404);

    // Due: published as by POST /faqs/{ref}/publish, by the scheduler.
    assert_eq!(
        faqd::server::schedule::run_due(&app.pool, at(61))
            .await
            .unwrap(),
        1
    );
    let live = app.get_json(&entry).await;
    assert_eq!(live["status"], "published");
    assert!(
        live.get("publish_at").is_none(),
        "readers never see a schedule"
    );
    let history = revisions(&app, &editor, &id).await;
    assert_eq!(history[0]["kind"], "published");
    assert_eq!(history[0]["actor"], "scheduler");
    assert_eq!(history[0]["version"], 2);
    // The scheduler wrote from outside the app: its read cache hears of it by NOTIFY.
    wait_until(
        "the page's version grew",
        Duration::from_secs(5),
        || async { app.get_page("faq").await["version"].as_i64() > page_before.as_i64() },
    )
    .await;
    let changes = all_changes(&app).await;
    let new: Vec<&Value> = changes[changes_before..].iter().collect();
    assert!(
        new.iter()
            .any(|c| c["entry_id"] == id.as_str() && c["kind"] == "entry.published"),
        "the change feed tells readers: {new:?}"
    );
    let editor_view: Value = app
        .with_token(Method::GET, &entry, &editor)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        editor_view.get("publish_at").is_none(),
        "carried out, the schedule is gone"
    );
    // Done once: a later pass finds nothing.
    assert_eq!(
        faqd::server::schedule::run_due(&app.pool, at(62))
            .await
            .unwrap(),
        0
    );

    // A withdrawal, set by a merge patch.
    let res = send(
        &app,
        Method::PATCH,
        &entry,
        &editor,
        Some("*"),
        Some(json!({"unpublish_at": at(120)})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let patched: Value = res.json().await.unwrap();
    assert_eq!(
        patched["version"], 2,
        "a schedule is not content: no new version"
    );
    assert!(patched["unpublish_at"].is_string(), "{patched}");
    assert_eq!(
        faqd::server::schedule::run_due(&app.pool, at(121))
            .await
            .unwrap(),
        1
    );
    wait_until("withdrawn from readers", Duration::from_secs(5), || async {
        app.get(&entry).await.status() == 404
    })
    .await;
    let history = revisions(&app, &editor, &id).await;
    assert_eq!(history[0]["status"], "draft");
    assert_eq!(history[0]["actor"], "scheduler");
    let changes = all_changes(&app).await;
    assert!(
        changes
            .iter()
            .any(|c| c["entry_id"] == id.as_str() && c["kind"] == "entry.unpublished"),
        "the withdrawal is in the feed"
    );
}

#[tokio::test]
async fn two_instances_carry_out_a_schedule_once() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let due = chrono::Utc::now() + chrono::Duration::hours(1);
    let mut ids = Vec::new();
    for i in 0..6 {
        let res = app
            .create_entry(
                &editor,
                json!({"page": "faq", "question": format!("Scheduled question number {i}?"),
                        "answer": "Soon.", "status": "draft", "publish_at": due}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    let later = due + chrono::Duration::minutes(1);
    let (a, b) = tokio::join!(
        faqd::server::schedule::run_due(&app.pool, later),
        faqd::server::schedule::run_due(&app.pool, later)
    );
    assert_eq!(a.unwrap() + b.unwrap(), 6, "each entry once, between them");
    for id in &ids {
        let published = revisions(&app, &editor, id)
            .await
            .iter()
            .filter(|r| r["kind"] == "published")
            .count();
        assert_eq!(published, 1, "{id}");
        assert_eq!(app.get(&paths::faq(id)).await.status(), 200);
    }
}

#[tokio::test]
async fn the_running_scheduler_publishes_what_is_due() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = app
        .create_entry(
            &editor,
            json!({"page": "faq", "question": "Is the scheduler running?",
                    "answer": "Yes.", "status": "draft",
                    "publish_at": chrono::Utc::now() - chrono::Duration::seconds(1)}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let entry = paths::faq(body["id"].as_str().unwrap());
    wait_until(
        "published by the scheduler",
        Duration::from_secs(15),
        || async { app.get(&entry).await.status() == 200 },
    )
    .await;
}

#[tokio::test]
async fn schedules_are_checked_cancelled_by_null_and_cleared_by_a_manual_publish() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let before = app.snapshot().await;
    for (body, status) in [
        (
            json!({"page": "faq", "question": "Q?", "answer": "A.", "publish_at": "tomorrow"}),
            400,
        ),
        (
            json!({"page": "faq", "question": "Q?", "answer": "A.", "publish_at": 5}),
            400,
        ),
        (
            json!({"page": "faq", "question": "Q?", "answer": "A.", "unpublish_at": "2026-13-01T00:00:00Z"}),
            400,
        ),
    ] {
        let res = send(
            &app,
            Method::POST,
            paths::FAQS,
            &editor,
            None,
            Some(body.clone()),
        )
        .await;
        assert_eq!(res.status(), status, "{body}");
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "refused writes change nothing"
    );

    let res = app.create_entry(&editor, json!({"page": "faq", "question": "Scheduled twice?", "answer": "A.",
                    "status": "draft", "publish_at": soon, "unpublish_at": soon + chrono::Duration::hours(1)})).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    let entry = paths::faq(body["id"].as_str().unwrap());
    let res = send(
        &app,
        Method::PATCH,
        &entry,
        &editor,
        Some("*"),
        Some(json!({"unpublish_at": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["publish_at"].is_string() && body.get("unpublish_at").is_none(),
        "{body}"
    );
    // Published by hand: nothing is left to publish later.
    let res = send(
        &app,
        Method::POST,
        &format!("{entry}/publish"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert!(body.get("publish_at").is_none(), "{body}");
    assert_eq!(
        faqd::server::schedule::run_due(&app.pool, soon + chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
}
