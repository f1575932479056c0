//! Reader feedback: anonymous votes with reasons and comments, deduplicated per client and
//! day without storing who sent them, rate-limited, editors' counts, listing, deletion and
//! worst-rated order, and the `entry.feedback` webhook event (not in the change feed).

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::{TestApp, paths, problem_fields, spawn_seeded_app};

const COACH: &str = "what-is-a-technical-coach";

async fn vote(app: &TestApp, entry: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url(&paths::faq(format!("{entry}/feedback"))))
        .header(header::CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

async fn feedback_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM feedback")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reader_votes_and_editors_see_counts_and_feedback_newest_first() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;

    let res = vote(
        &app,
        COACH,
        json!({"helpful": false, "reason": "needs_more_information", "comment": "  Which skills?  "}),
    )
    .await;
    assert_eq!(res.status(), 202);
    let anonymous = app.get_json(&paths::faq(COACH)).await;
    assert!(anonymous.get("feedback").is_none(), "readers see no counts");
    let seen = app.get_json_as(&editor, &paths::faq(COACH)).await;
    assert_eq!(seen["feedback"], json!({"helpful": 0, "not_helpful": 1}));

    // The same client changes its mind the same day: its vote is replaced, not added.
    assert_eq!(
        vote(&app, COACH, json!({"helpful": true})).await.status(),
        202
    );
    let seen = app.get_json_as(&editor, &paths::faq(COACH)).await;
    assert_eq!(seen["feedback"], json!({"helpful": 1, "not_helpful": 0}));
    assert_eq!(
        vote(
            &app,
            "what-is-an-efficient-agile-organization",
            json!({"helpful": false, "reason": "inaccurate", "comment": "Not in my experience."})
        )
        .await
        .status(),
        202
    );

    let page = app.get_json_as(&editor, &paths::page("faq")).await;
    assert_eq!(
        page["entries"][0]["feedback"],
        json!({"helpful": 0, "not_helpful": 1})
    );
    assert_eq!(
        page["entries"][1]["feedback"],
        json!({"helpful": 0, "not_helpful": 0})
    );

    let list = app.get_json_as(&editor, "/api/v1/feedback").await;
    assert_eq!(list["total"], 2);
    let items = list["items"].as_array().unwrap();
    assert_eq!(
        items[0]["entry_slug"],
        "what-is-an-efficient-agile-organization"
    );
    assert_eq!(items[0]["helpful"], false);
    assert_eq!(items[0]["reason"], "inaccurate");
    assert_eq!(items[0]["comment"], "Not in my experience.");
    assert_eq!(items[0]["page"], "faq");
    assert_eq!(items[0]["lang"], "en");
    assert_eq!(items[0]["entry_version"], 1);
    assert_eq!(items[1]["entry_slug"], COACH);
    assert_eq!(items[1]["helpful"], true);
    assert_eq!(items[1]["comment"], Value::Null);

    let filtered = app
        .get_json_as(&editor, &format!("/api/v1/feedback?entry={COACH}"))
        .await;
    assert_eq!(filtered["total"], 1);
    let filtered = app
        .get_json_as(
            &editor,
            "/api/v1/feedback?helpful=false&reason=inaccurate&page=faq",
        )
        .await;
    assert_eq!(filtered["total"], 1);
    let filtered = app
        .get_json_as(&editor, "/api/v1/feedback?reason=broken_link")
        .await;
    assert_eq!(filtered["total"], 0);
    let first = app.get_json_as(&editor, "/api/v1/feedback?limit=1").await;
    assert_eq!(first["items"].as_array().unwrap().len(), 1);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_json_as(
            &editor,
            &format!("/api/v1/feedback?limit=1&cursor={cursor}"),
        )
        .await;
    assert_eq!(second["items"][0]["entry_slug"], COACH);
    assert_eq!(second["next_cursor"], Value::Null);
    let bad = app
        .with_token(Method::GET, "/api/v1/feedback?reason=bogus", &editor)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    assert_eq!(app.get("/api/v1/feedback").await.status(), 401);

    let id = items[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/feedback/{id}");
    assert_eq!(
        app.client
            .delete(app.url(&path))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = send(&app, Method::DELETE, &path, &editor, None, None).await;
    assert_eq!(res.status(), 204);
    let res = send(&app, Method::DELETE, &path, &editor, None, None).await;
    assert_eq!(res.status(), 404);
    assert_eq!(
        app.get_json_as(&editor, "/api/v1/feedback").await["total"],
        1
    );
}

#[tokio::test]
async fn feedback_on_anything_readers_cannot_see_is_404() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = app
        .create_entry(
            &editor,
            json!({"page": "faq", "question": "Draft?", "answer": "Not yet.", "status": "draft"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    app.import_markdown(
        "---\ndraft: true\n---\n\n**Hidden question?**\n\nHidden answer.\n",
        "hidden",
        "en",
        None,
    )
    .await;
    let res = send(
        &app,
        Method::DELETE,
        &paths::faq("what-does-technical-coaching-consist-of"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);

    for entry in [
        "draft",
        "hidden-question",
        "what-does-technical-coaching-consist-of",
        "no-such-entry",
        "00000000-0000-0000-0000-000000000000",
        "Not A Slug!",
    ] {
        let res = vote(&app, entry, json!({"helpful": true})).await;
        assert_eq!(res.status(), 404, "{entry}");
    }
    assert_eq!(feedback_rows(&app).await, 0);
}

#[tokio::test]
async fn a_bad_feedback_body_is_refused_and_changes_nothing() {
    let app = spawn_seeded_app().await;

    let res = vote(&app, COACH, json!({"helpful": false, "comment": "a\u{0}b"})).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "comment");

    let res = vote(
        &app,
        COACH,
        json!({"helpful": false, "reason": "because", "comment": "x".repeat(501)}),
    )
    .await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    let fields = problem_fields(&problem);
    assert_eq!(fields, ["reason", "comment"], "every broken rule at once");

    assert_eq!(
        vote(&app, COACH, json!({"reason": "other"})).await.status(),
        400
    );
    assert_eq!(
        vote(&app, COACH, json!({"helpful": true, "rating": 5}))
            .await
            .status(),
        400
    );
    assert_eq!(
        vote(&app, COACH, json!({"helpful": "yes"})).await.status(),
        400
    );
    let res = app
        .client
        .post(app.url(&paths::faq(format!("{COACH}/feedback"))))
        .header(header::CONTENT_TYPE, "text/plain")
        .body("helpful")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(feedback_rows(&app).await, 0);

    // Exactly 500 characters, any script, is fine.
    let res = vote(
        &app,
        COACH,
        json!({"helpful": false, "comment": "é".repeat(500)}),
    )
    .await;
    assert_eq!(res.status(), 202);
}

#[tokio::test]
async fn feedback_is_rate_limited_per_client_and_stores_no_personal_data() {
    let app = spawn_seeded_app().await;
    let page = app.get_page("faq").await;
    let slugs: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_owned())
        .collect();

    let mut statuses = Vec::new();
    for slug in slugs.iter().take(11) {
        let res = app
            .client
            .post(app.url(&paths::faq(format!("{slug}/feedback"))))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::USER_AGENT, "SecretAgent/7.0 (tracking-me)")
            .body(json!({"helpful": false, "comment": "Too vague."}).to_string())
            .send()
            .await
            .unwrap();
        if res.status() == 429 {
            assert!(res.headers().contains_key(header::RETRY_AFTER));
        }
        statuses.push(res.status().as_u16());
    }
    assert_eq!(&statuses[..10], &[202; 10], "a burst of 10 is allowed");
    assert_eq!(statuses[10], 429, "the 11th in a row is not");
    // Other requests are not counted against the feedback budget, nor the reverse.
    assert_eq!(app.get(&paths::faq(COACH)).await.status(), 200);

    assert_eq!(feedback_rows(&app).await, 10);
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT column_name::text FROM information_schema.columns
         WHERE table_name = 'feedback' ORDER BY ordinal_position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        columns,
        [
            "id",
            "entry_id",
            "helpful",
            "reason",
            "comment",
            "entry_version",
            "voter",
            "change_id",
            "created_at"
        ]
    );
    let rows: Vec<String> = sqlx::query_scalar("SELECT row_to_json(f)::text FROM feedback f")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    for row in &rows {
        for personal in ["127.0.0.1", "SecretAgent", "tracking-me", "::1"] {
            assert!(!row.contains(personal), "{personal} stored: {row}");
        }
    }
    // The voter hash is keyed: it is not a plain hash of the address.
    let voters: Vec<Vec<u8>> = sqlx::query_scalar("SELECT voter FROM feedback")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    let plain: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(b"127.0.0.1").into();
    assert!(voters.iter().all(|v| v.len() == 16 && v[..] != plain[..16]));
    let distinct: std::collections::HashSet<&Vec<u8>> = voters.iter().collect();
    assert_eq!(
        distinct.len(),
        10,
        "one hash per entry: no cross-entry tracking"
    );
}

#[tokio::test]
async fn editors_list_the_worst_rated_entries_first() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    // Votes of many readers, as fixtures.
    for (slug, not_helpful) in [
        ("what-is-a-technical-coach", 3),
        ("what-is-an-efficient-agile-organization", 1),
        ("what-does-technical-coaching-consist-of", 2),
    ] {
        sqlx::query(
            "INSERT INTO feedback (entry_id, helpful, entry_version)
             SELECT id, false, 1 FROM entries, generate_series(1, $2) WHERE slug = $1",
        )
        .bind(slug)
        .bind(not_helpful)
        .execute(&app.pool)
        .await
        .unwrap();
    }

    let first = app
        .get_json_as(&editor, &paths::faqs("sort=-not_helpful&page=faq&limit=2"))
        .await;
    let slugs: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        slugs,
        [
            "what-is-a-technical-coach",
            "what-does-technical-coaching-consist-of"
        ]
    );
    assert_eq!(first["items"][0]["feedback"]["not_helpful"], 3);
    assert_eq!(first["total"], 18);
    let cursor = first["next_cursor"].as_str().unwrap();
    let next = app
        .get_json_as(
            &editor,
            &paths::faqs(format!(
                "sort=-not_helpful&page=faq&limit=2&cursor={cursor}"
            )),
        )
        .await;
    assert_eq!(
        next["items"][0]["slug"],
        "what-is-an-efficient-agile-organization"
    );
    assert_eq!(next["items"][1]["feedback"]["not_helpful"], 0);
    assert_eq!(next["items"][1]["position"], 4, "then in page order");

    assert_eq!(
        app.get(&paths::faqs("sort=-not_helpful")).await.status(),
        401
    );
    let res = app
        .with_token(Method::GET, &paths::faqs("sort=worst"), &editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn a_vote_reaches_webhooks_as_entry_feedback_but_not_the_change_feed() {
    let app = spawn_seeded_app().await;
    let admin = app.admin().await;
    let receiver = crate::webhooks::Receiver::start().await;
    let res = send(
        &app,
        Method::POST,
        paths::WEBHOOKS,
        &admin,
        None,
        Some(json!({"url": receiver.url, "events": ["entry.feedback"]})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let before = app.get_json(&paths::changes("limit=100")).await;

    let res = vote(
        &app,
        COACH,
        json!({"helpful": false, "reason": "broken_link", "comment": "The link is dead."}),
    )
    .await;
    assert_eq!(res.status(), 202);

    let got = receiver.wait_for(1).await;
    let event = got[0].json();
    assert_eq!(event["type"], "entry.feedback");
    assert_eq!(event["data"]["entry_slug"], COACH);
    assert_eq!(event["data"]["page"], "faq");
    assert_eq!(event["data"]["feedback"]["helpful"], false);
    assert_eq!(event["data"]["feedback"]["reason"], "broken_link");
    assert_eq!(event["data"]["feedback"]["comment"], "The link is dead.");

    let after = app.get_json(&paths::changes("limit=100")).await;
    assert_eq!(after["items"], before["items"], "feedback is not content");
    assert!(!after.to_string().contains("entry.feedback"), "{after}");
}
