use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, problem, problem_fields, send_json, spawn_seeded_app};

const COACH: &str = "/api/v1/faqs/what-is-a-technical-coach";

/// A write with a JSON body.
async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> reqwest::Response {
    send_json(app, method, path, token, if_match, Some(body)).await
}

#[tokio::test]
async fn creating_an_entry_answers_201_with_location_and_etag_and_readers_see_it() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;

    let res = app.create_entry(&token, json!({
        "page": "faq", "question": "Do you coach remote teams?", "answer": "Yes, **remotely** too.", "tags": ["remote"], "position": 2
    })).await;

    assert_eq!(res.status(), 201);
    assert_eq!(
        res.headers()[header::ETAG],
        "\"1.2\"",
        "version 1, position 2"
    );
    let location = res.headers()[header::LOCATION].to_str().unwrap().to_owned();
    let entry: Value = res.json().await.unwrap();
    assert_eq!(location, paths::faq(entry["id"].as_str().unwrap()));
    assert_eq!(entry["slug"], "do-you-coach-remote-teams");
    assert_eq!(entry["status"], "published");
    assert_eq!(entry["position"], 2);
    assert_eq!(
        entry["answer_html"],
        "<p>Yes, <strong>remotely</strong> too.</p>\n"
    );
    let page = app.get_page("faq").await;
    assert_eq!(page["version"], 2, "readers see a new entry: a page change");
    assert_eq!(page["entries"][1]["question"], "Do you coach remote teams?");
    assert_eq!(
        page["entries"][2]["question"],
        "What does technical coaching consist of?"
    );
    assert_eq!(
        page["entries"][2]["version"], 1,
        "moving along is not a change of the others"
    );
    assert_eq!(app.get_json(&location).await["tags"], json!(["remote"]));
}

#[tokio::test]
async fn slugs_are_derived_deduplicated_and_an_explicit_taken_one_is_409() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let body = json!({"page": "faq", "question": "What is a technical coach?", "answer": "Again."});
    let res = send(&app, Method::POST, paths::FAQS, &token, None, body).await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["slug"],
        "what-is-a-technical-coach-2"
    );

    let before = app.snapshot().await;
    let res = app.create_entry(&token, json!({
            "page": "faq", "question": "Other?", "answer": "x", "slug": "what-is-a-technical-coach"
        })).await;
    problem(res, 409).await;
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused write changes nothing"
    );
}

#[tokio::test]
async fn a_body_that_breaks_rules_is_422_naming_every_field() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let before = app.snapshot().await;
    let tags: Vec<String> = (0..21).map(|i| format!("t{i}")).collect();

    let res = app.create_entry(&token, json!({
            "page": "no-such-page", "question": "  ", "answer": "a".repeat(20_001), "tags": tags,
            "status": "archived", "slug": "Not A Slug", "position": 0
        })).await;

    let body = problem(res, 422).await;
    let mut fields = problem_fields(&body);
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "answer", "page", "position", "question", "slug", "status", "tags"
        ]
    );
    assert!(
        body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
    assert_eq!(app.snapshot().await, before);

    let long_question = "q".repeat(501);
    let res = app
        .create_entry(
            &token,
            json!({"page": "faq", "question": long_question, "answer": ""}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "question");
    let res = app.create_entry(&token, json!({"page": "faq"})).await;
    assert_eq!(res.status(), 422, "missing required fields break rules");
}

#[tokio::test]
async fn malformed_bodies_are_400_and_wrong_media_types_415() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let post = |body: &'static str, content_type: &'static str| {
        app.with_token(Method::POST, paths::FAQS, &token)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
    };
    for body in [
        "{",
        "[]",
        "null",
        r#"{"page": "faq", "question": 42, "answer": "x"}"#,
        r#"{"page": "faq", "question": "Q?", "answer": "x", "colour": "blue"}"#,
        r#"{"page": "faq", "question": "Q?", "answer": "x", "tags": "one"}"#,
    ] {
        let res = post(body, "application/json").await.unwrap();
        assert_eq!(res.status(), 400, "{body}");
    }
    let res = post(
        r#"{"page":"faq","question":"Q?","answer":"x"}"#,
        "text/plain",
    )
    .await
    .unwrap();
    problem(res, 415).await;
    let res = app
        .with_token(Method::POST, paths::FAQS, &token)
        .body(r#"{"page":"faq","question":"Q?","answer":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415, "no Content-Type");
    let res = post(
        r#"{"page":"faq","question":"Q?","answer":"x"}"#,
        "application/json; charset=utf-8",
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201, "parameters of the media type are fine");
}

#[tokio::test]
async fn bodies_over_256_kib_are_413_but_a_full_answer_in_any_script_fits() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let answer = "答".repeat(20_000); // 60,000 bytes of UTF-8
    let res = app
        .create_entry(
            &token,
            json!({"page": "faq", "question": "長い?", "answer": answer}),
        )
        .await;
    assert_eq!(res.status(), 201);

    let huge = "x".repeat(300 * 1024);
    let res = app
        .create_entry(
            &token,
            json!({"page": "faq", "question": "Q?", "answer": huge}),
        )
        .await;
    problem(res, 413).await;
}

#[tokio::test]
async fn replacing_needs_if_match_and_a_stale_one_changes_nothing() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let body = json!({"question": "What is a technical coach?", "answer": "Someone who codes with you.", "tags": ["coaching"]});

    let res = send(&app, Method::PUT, COACH, &token, None, body.clone()).await;
    problem(res, 428).await;
    let res = send(&app, Method::PUT, COACH, &token, Some(""), body.clone()).await;
    problem(res, 400).await;

    let res = send(
        &app,
        Method::PUT,
        COACH,
        &token,
        Some("\"1.3\""),
        body.clone(),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::ETAG], "\"2.3\"");
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["version"], 2);
    assert_eq!(entry["answer"], "Someone who codes with you.");
    assert_eq!(entry["slug"], "what-is-a-technical-coach", "the slug stays");
    assert_eq!(
        app.get_json(COACH).await["answer"],
        "Someone who codes with you.",
        "live at once"
    );

    let before = app.snapshot().await;
    let res = send(
        &app,
        Method::PUT,
        COACH,
        &token,
        Some("\"1.3\""),
        json!({"question": "Stale?", "answer": "x"}),
    )
    .await;
    problem(res, 412).await;
    assert_eq!(app.snapshot().await, before);

    // Weak tags name versions too; `*` overwrites whatever is there; omitted
    // optional fields take their defaults.
    let res = send(
        &app,
        Method::PUT,
        COACH,
        &token,
        Some("W/\"2.3\""),
        json!({"question": "What is a technical coach?", "answer": "v3"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["tags"], json!([]));
    let res = send(
        &app,
        Method::PUT,
        COACH,
        &token,
        Some("*"),
        json!({"question": "What is a technical coach?", "answer": "v4"}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["version"], 4);
}

#[tokio::test]
async fn patching_merges_and_controls_publication() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;

    let res = app
        .with_token(Method::PATCH, COACH, &token)
        .header(header::CONTENT_TYPE, "application/merge-patch+json")
        .header(header::IF_MATCH, "\"1.3\"")
        .body(r#"{"section": "Basics", "tags": ["a", "b"]}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["section"], "Basics");
    assert_eq!(
        entry["question"], "What is a technical coach?",
        "untouched fields stay"
    );
    assert_eq!(entry["version"], 2);

    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"2.3\""),
        json!({"section": null}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["section"], Value::Null);

    let page_version = app.get_page("faq").await["version"].as_i64().unwrap();
    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"3.3\""),
        json!({"status": "draft"}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "draft");
    assert_eq!(app.get(COACH).await.status(), 404, "unpublished");
    assert_eq!(app.get_page("faq").await["version"], page_version + 1);

    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"4.3\""),
        json!({"status": "published", "answer": "Back."}),
    )
    .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "published");
    assert_eq!(app.get_json(COACH).await["answer"], "Back.");

    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"5.3\""),
        json!({"question": null}),
    )
    .await;
    assert_eq!(res.status(), 422, "the question cannot be removed");
    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"5.3\""),
        json!({"question": 7}),
    )
    .await;
    assert_eq!(res.status(), 400);
    let res = app
        .with_token(Method::PATCH, COACH, &token)
        .header(header::CONTENT_TYPE, "application/json-patch+json")
        .header(header::IF_MATCH, "\"5.3\"")
        .body("[]")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
}

#[tokio::test]
async fn a_staged_write_leaves_readers_on_the_published_version() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let path = format!("{COACH}?stage=true");

    let res = send(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some("\"1.3\""),
        json!({"answer": "Staged."}),
    )
    .await;
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["status"], "changed");
    assert_eq!(entry["version"], 2);

    let live = app.get_json(COACH).await;
    assert!(
        live["answer"]
            .as_str()
            .unwrap()
            .starts_with("A technical coach is a training developer")
    );
    assert_eq!(live["version"], 1);
    assert_eq!(
        app.get_page("faq").await["version"],
        1,
        "readers saw no change"
    );
    let editors: Value = app
        .with_token(Method::GET, COACH, &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(editors["answer"], "Staged.");
}

#[tokio::test]
async fn a_changed_slug_keeps_redirecting_from_the_old_one() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"1.3\""),
        json!({"slug": "technical-coach"}),
    )
    .await;
    assert_eq!(res.status(), 200);

    let res = app.get(COACH).await;
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(
        res.headers()[header::LOCATION],
        paths::faq("technical-coach")
    );
    assert!(
        res.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    // The same redirect answered to a token is the editor's alone.
    let res = app
        .with_token(Method::GET, COACH, &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    let vary = res.headers()[header::VARY].to_str().unwrap();
    assert!(vary.starts_with("Authorization"), "{vary}");
    assert_eq!(
        app.get_json(&paths::faq("technical-coach")).await["question"],
        "What is a technical coach?"
    );

    let res = app
        .create_entry(
            &token,
            json!({
                "page": "faq", "question": "x?", "answer": "x", "slug": "what-is-a-technical-coach"
            }),
        )
        .await;
    assert_eq!(res.status(), 409, "an old slug is not free");
}

#[tokio::test]
async fn deleting_needs_if_match_and_keeps_the_entry_restorable() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let delete = |tag: Option<&'static str>| {
        let mut req = app.with_token(Method::DELETE, COACH, &token);
        if let Some(tag) = tag {
            req = req.header(header::IF_MATCH, tag);
        }
        req.send()
    };
    problem(delete(None).await.unwrap(), 428).await;
    problem(delete(Some("\"7.3\"")).await.unwrap(), 412).await;
    let res = delete(Some("\"1.3\"")).await.unwrap();
    assert_eq!(res.status(), 204);

    assert_eq!(app.get(COACH).await.status(), 404);
    let page = app.get_page("faq").await;
    assert_eq!(page["entry_count"], 17);
    assert_eq!(page["version"], 2);
    let deleted: Value = app
        .with_token(Method::GET, &paths::faqs("deleted=true"), &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deleted["total"], 1);
    assert_eq!(deleted["items"][0]["slug"], "what-is-a-technical-coach");
    problem(delete(Some("\"2.3\"")).await.unwrap(), 404).await;
}

#[tokio::test]
async fn errors_come_in_the_contracts_order() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let raw =
        |method: Method, path: &str, content_type: &str, body: String, if_match: Option<&str>| {
            let mut req = app
                .with_token(method, path, &token)
                .header(header::CONTENT_TYPE, content_type)
                .body(body);
            if let Some(tag) = if_match {
                req = req.header(header::IF_MATCH, tag);
            }
            req.send()
        };
    let huge = "x".repeat(300 * 1024);
    // 404 before 415
    let res = raw(
        Method::PUT,
        &paths::faq("nope"),
        "text/plain",
        "x".into(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 404);
    // 415 before 413
    let res = raw(Method::PUT, COACH, "text/plain", huge.clone(), None)
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    // 413 before 400
    let res = raw(Method::PUT, COACH, "application/json", huge, None)
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    // 400 before 428
    let res = raw(Method::PUT, COACH, "application/json", "{".into(), None)
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    // 428 before 412 and 422
    let res = raw(
        Method::PUT,
        COACH,
        "application/json",
        r#"{"question": ""}"#.into(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 428);
    // 412 before 422
    let res = raw(
        Method::PUT,
        COACH,
        "application/json",
        r#"{"question": ""}"#.into(),
        Some("\"9.3\""),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 412);
    // 422 before 409
    let res = raw(
        Method::PUT,
        COACH,
        "application/json",
        r#"{"question": "", "answer": "x", "slug": "is-agility-a-prerequisite"}"#.into(),
        Some("\"1.3\""),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let res = raw(
        Method::PUT,
        COACH,
        "application/json",
        r#"{"question": "Q?", "answer": "x", "slug": "is-agility-a-prerequisite"}"#.into(),
        Some("\"1.3\""),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);
}

#[tokio::test]
async fn moving_an_entry_within_its_page_is_a_page_change_only() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;

    let res = send(
        &app,
        Method::PATCH,
        COACH,
        &token,
        Some("\"1.3\""),
        json!({"position": 1}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["position"], 1);
    assert_eq!(entry["version"], 1, "the entry itself did not change");
    let page = app.get_page("faq").await;
    assert_eq!(page["version"], 2);
    assert_eq!(page["entries"][0]["slug"], "what-is-a-technical-coach");
    assert_eq!(
        page["entries"][1]["slug"],
        "what-is-an-efficient-agile-organization"
    );

    // Beyond the end of a page where it already is last: nothing changes.
    let last = &paths::faq("i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal");
    let res = send(
        &app,
        Method::PATCH,
        last,
        &token,
        Some("*"),
        json!({"position": 999}),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get_page("faq").await["version"], 2);
}

#[tokio::test]
async fn slug_page_and_place_cannot_be_staged() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let before = app.snapshot().await;
    let path = format!("{COACH}?stage=true");
    let res = send(
        &app,
        Method::PATCH,
        &path,
        &token,
        Some("\"1.3\""),
        json!({"slug": "secret-new", "position": 1}),
    )
    .await;
    let body = problem(res, 422).await;
    let fields = problem_fields(&body);
    assert_eq!(fields, ["slug", "position"]);
    assert_eq!(app.snapshot().await, before);
    assert_eq!(app.get(&paths::faq("secret-new")).await.status(), 404);
}

#[tokio::test]
async fn nul_characters_are_a_422_naming_the_field_after_preconditions() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let body = json!({"question": "a\u{0}b", "answer": "x", "slug": "is-agility-a-prerequisite"});
    // A stale If-Match wins over the rule (412 before 422), and changes nothing.
    let res = send(
        &app,
        Method::PUT,
        COACH,
        &token,
        Some("\"9.3\""),
        body.clone(),
    )
    .await;
    problem(res, 412).await;
    let res = send(&app, Method::PUT, COACH, &token, Some("*"), body).await;
    let problem = problem(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "question", "{problem}");
}

#[tokio::test]
async fn concurrent_writes_on_one_page_never_fail() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let page = app.get_page("faq").await;
    let slugs: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_owned())
        .collect();
    let mut writes = Vec::new();
    for (i, slug) in slugs.iter().enumerate().take(8) {
        let req = app
            .with_token(Method::PATCH, &paths::faq(slug), &token)
            .header(header::IF_MATCH, "*")
            .json(&json!({"position": 18 - i, "tags": [format!("t{i}")]}));
        writes.push(req.send());
        let create = app
            .with_token(Method::POST, paths::FAQS, &token)
            .json(&json!({"page": "faq", "question": format!("Concurrent {i}?"), "answer": "x", "position": 1}));
        writes.push(create.send());
    }
    let seed = crate::helpers::seed_path();
    let import = app.import_file(&seed, None, None);
    let (results, _) = tokio::join!(futures_util::future::join_all(writes), import);
    for res in results {
        let res = res.unwrap();
        assert!(
            res.status() == 200 || res.status() == 201,
            "{}",
            res.status()
        );
    }
}

#[tokio::test]
async fn a_body_keeps_to_its_document_on_null_and_whole_numbers() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    let entry = |extra: Value| {
        let mut body =
            json!({"page": "faq", "question": "Do you coach remote teams?", "answer": "Yes."});
        if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
            body.extend(extra);
        }
        body
    };
    let before = app.snapshot().await;
    // The document says which fields take `null`: anywhere else it is the wrong type.
    for field in ["slug", "lang", "position", "status", "question", "page"] {
        let mut null = serde_json::Map::new();
        null.insert(field.to_owned(), Value::Null);
        let res = app.create_entry(&token, entry(Value::Object(null))).await;
        let problem = problem(res, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("null"),
            "{field}: {problem}"
        );
    }
    for position in [json!(1.5), json!(-0.5), json!(1e300), json!("2")] {
        let res = app
            .create_entry(&token, entry(json!({ "position": position })))
            .await;
        problem(res, 400).await;
    }
    assert_eq!(
        app.snapshot().await,
        before,
        "a refused body changes nothing"
    );

    // JSON has one kind of number: 2.0 is the whole number 2, as JSON Schema counts it.
    let created = app
        .create_entry_ok(
            &token,
            entry(json!({"position": 2.0, "section": null, "tags": null})),
        )
        .await;
    assert_eq!(created["section"], Value::Null);
    assert_eq!(created["tags"], json!([]));
    let page = app.get_page("faq").await;
    assert_eq!(page["entries"][1]["slug"], created["slug"], "placed second");
}
