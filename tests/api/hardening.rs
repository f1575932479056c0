//! No input takes the server down, and limits hold: hostile files are refused quickly with the
//! server alive, rate limits count a client once however it spells its token.

use std::time::{Duration, Instant};

use reqwest::Method;

use crate::helpers::{TestApp, paths, problem_fields, spawn_app, spawn_app_with};

async fn import(app: &TestApp, token: &str, media: &str, body: String) -> (u16, String, Duration) {
    let started = Instant::now();
    let res = app
        .with_token(
            Method::POST,
            &paths::page("import?slug=hostile&dry_run=true"),
            token,
        )
        .header("Content-Type", media)
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap_or_default();
    (status, text, started.elapsed())
}

async fn still_serving(app: &TestApp) {
    assert_eq!(
        app.get("/healthz").await.status(),
        200,
        "the server is alive"
    );
}

#[tokio::test]
async fn a_deeply_nested_yaml_file_is_a_4xx_and_the_server_lives() {
    let app = spawn_app().await;
    let token = app.editor().await;
    // 100 KB: 50,000 nested sequences (a stack overflow in a recursive parser).
    let deep = format!("{}x\n", "- ".repeat(50_000));
    let (status, body, took) = import(&app, &token, "application/yaml", deep.clone()).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("nested more than"), "{body}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // The same as a front matter, as flow collections, and as TOML.
    let front = format!(
        "---\na: {}{}\n---\n## Q?\n\nA.\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let (status, body, _) = import(&app, &token, "text/markdown", front).await;
    assert_eq!(status, 422, "{body}");
    let toml = format!(
        "+++\na = {}1{}\n+++\n## Q?\n\nA.\n",
        "[".repeat(50_000),
        "]".repeat(50_000)
    );
    let (status, body, _) = import(&app, &token, "text/markdown", toml).await;
    assert_eq!(status, 422, "{body}");
    let toml_data = format!("a = {}1{}\n", "{ b = ".repeat(20_000), " }".repeat(20_000));
    let (status, body, _) = import(&app, &token, "application/toml", toml_data).await;
    assert_eq!(status, 422, "{body}");
    let json = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let (status, body, _) = import(&app, &token, "application/json", json).await;
    assert!(status == 422 || status == 400, "{status} {body}");
    still_serving(&app).await;
}

/// A `faqd serve` of its own on `app`'s database (so that its memory is its own): its base URL
/// and the child.
async fn serve_alone(app: &TestApp) -> (String, std::process::Child) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_faqd"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", app.database_url())
        .env("FAQD_EMBEDDINGS", "off")
        .env("FAQD_SEED_DIR", "/nonexistent")
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start faqd serve");
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(res) = app.client.get(format!("{base}/healthz")).send().await
            && res.status() == 200
        {
            return (base, child);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    panic!("faqd serve did not answer within a minute");
}

fn rss_of(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

#[tokio::test]
async fn an_alias_bomb_is_a_4xx_without_the_memory_it_asks_for() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let (base, mut child) = serve_alone(&app).await;
    let before = rss_of(child.id());
    for (n, media) in [
        (3_000, "text/markdown"),
        (20_000, "text/markdown"),
        (20_000, "application/yaml"),
    ] {
        let items = vec!["x"; n].join(", ");
        let refs = vec!["*a"; n].join(", ");
        let yaml = format!("a: &a [{items}]\nb: [{refs}]\n");
        let body = if media == "text/markdown" {
            format!("---\n{yaml}---\n## Q?\n\nA.\n")
        } else {
            yaml
        };
        let started = Instant::now();
        let res = app
            .client
            .post(format!("{base}/api/v1/pages/import?slug=bomb&dry_run=true"))
            .bearer_auth(&token)
            .header("Content-Type", media)
            .body(body)
            .send()
            .await
            .expect("the server answers");
        let took = started.elapsed();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(status, 422, "{text}");
        assert!(text.contains("expands to more than"), "{text}");
        assert!(took < Duration::from_secs(5), "{took:?}");
    }
    let grew = rss_of(child.id()).saturating_sub(before);
    let alive = app
        .client
        .get(format!("{base}/healthz"))
        .send()
        .await
        .map(|r| r.status().as_u16());
    child.kill().ok();
    child.wait().ok();
    assert!(grew < 64 << 20, "RSS grew by {} MB", grew >> 20);
    assert_eq!(alive.ok(), Some(200), "the server is alive");
}

#[tokio::test]
async fn a_mebibyte_of_unclosed_shortcodes_is_answered_in_bounded_time() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let mut body = String::from("## Is this a question?\n\nYes.\n\n");
    while body.len() < (1 << 20) - 16 {
        body.push_str("{{< a >}}");
    }
    let (status, text, took) = import(&app, &token, "text/markdown", body).await;
    assert!(status == 200 || status == 422, "{status} {text}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    // Unclosed FAQ shortcodes and unterminated arguments are linear too.
    for unit in ["{{< faq >}}", "{{< faq \"Q?", "{{< a {{< a "] {
        let mut body = String::from("## Is this a question?\n\nYes.\n\n");
        while body.len() < (1 << 20) - 16 {
            body.push_str(unit);
        }
        let (status, text, took) = import(&app, &token, "text/markdown", body).await;
        assert!(status == 200 || status == 422, "{unit}: {status} {text}");
        assert!(took < Duration::from_secs(5), "{unit}: {took:?}");
    }
    still_serving(&app).await;
}

#[tokio::test]
async fn every_spelling_of_one_token_shares_one_budget() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.rate_limit_writes = 10;
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    let spellings = [
        format!("Bearer {token}"),
        format!("bearer {token}"),
        format!("Bearer  {token}"),
        format!("BEARER {token}"),
    ];
    let mut statuses = Vec::new();
    for i in 0..16 {
        let res = app
            .client
            .post(app.url(paths::FAQS))
            .header("Authorization", &spellings[i % spellings.len()])
            .header("Content-Type", "application/json")
            .body(r#"{"page": "nowhere", "question": "Q?", "answer": "A."}"#)
            .send()
            .await
            .unwrap();
        statuses.push(res.status().as_u16());
    }
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        statuses.iter().filter(|s| **s != 429).count(),
        10,
        "one budget of 10 for all spellings: {statuses:?}"
    );
    assert_eq!(refused, 6, "{statuses:?}");
}

#[tokio::test]
async fn a_retry_after_a_reply_lost_past_commit_creates_nothing_twice() {
    let app = spawn_app().await;
    let token = app.editor().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    // Arrange: reading the entry back after COMMIT fails for this question (a 5xx after the
    // write committed, as a lost connection or a failed read-back gives).
    sqlx::query(
        "CREATE FUNCTION faqd_test_boom(q text) RETURNS boolean LANGUAGE plpgsql AS $$
         BEGIN
             IF q = 'Was the reply lost?' THEN RAISE EXCEPTION 'injected failure'; END IF;
             RETURN true;
         END $$",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    let view: String = sqlx::query_scalar("SELECT pg_get_viewdef('current_entries'::regclass)")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    sqlx::query(&format!(
        "CREATE OR REPLACE VIEW current_entries AS SELECT * FROM ({}) v WHERE faqd_test_boom(v.question)",
        view.trim().trim_end_matches(';')
    ))
    .execute(&app.pool)
    .await
    .unwrap();
    let create = || {
        app.with_token(Method::POST, paths::FAQS, &token)
            .header("Idempotency-Key", "lost-reply-1")
            .header("Content-Type", "application/json")
            .body(r#"{"page": "help", "question": "Was the reply lost?", "answer": "Yes."}"#)
            .send()
    };
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM entries WHERE question = 'Was the reply lost?'",
        )
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };

    // Act: the first request commits, then fails; the client retries with its key.
    let first = create().await.unwrap();
    assert!(first.status().is_server_error(), "{}", first.status());
    assert_eq!(count().await, 1, "the write committed");
    let retry = create().await.unwrap();

    // Assert: the retry does not write again, and says why.
    assert_eq!(retry.status(), 409);
    let problem: serde_json::Value = retry.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("was carried out"),
        "{problem}"
    );
    assert_eq!(count().await, 1, "nothing is created twice");
    still_serving(&app).await;
}

#[tokio::test]
async fn the_etag_an_editor_reads_is_accepted_by_the_pages_writes() {
    let app = spawn_app().await;
    let token = app.editor().await;
    app.import_markdown("## One?\n\nA.\n\n## Two?\n\nB.\n", "help", "en", None)
        .await;
    let read = |accept_gzip: bool| {
        let mut req = app.with_token(Method::GET, &paths::page("help"), &token);
        if accept_gzip {
            req = req.header("Accept-Encoding", "gzip");
        }
        req.send()
    };
    // Reorder with the ETag of an editor's read (compressed, as browsers ask for it).
    let res = read(true).await.unwrap();
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let page: serde_json::Value = read(false).await.unwrap().json().await.unwrap();
    let mut ids: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect();
    ids.reverse();
    let res = app
        .with_token(Method::POST, &paths::page("help/order"), &token)
        .header("If-Match", &etag)
        .json(&serde_json::json!({ "ids": ids }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "{etag}: {}",
        res.text().await.unwrap_or_default()
    );
    // The same ETag is stale now.
    let res = app
        .with_token(Method::DELETE, &paths::page("help"), &token)
        .header("If-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 412);
    // A fresh editor's read deletes the page.
    let fresh = read(false).await.unwrap().headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let res = app
        .with_token(Method::DELETE, &paths::page("help"), &token)
        .header("If-Match", &fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204, "{fresh}");
}

#[tokio::test]
async fn a_nul_character_is_a_422_naming_the_field_after_if_match() {
    let app = spawn_app().await;
    let token = app.editor().await;
    app.import_markdown("## One?\n\nA.\n", "help", "en", None)
        .await;
    let send = |method: Method, path: &str, if_match: Option<&str>, body: &str| {
        let mut req = app
            .with_token(method, path, &token)
            .header("Content-Type", "application/json")
            .body(body.to_owned());
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send()
    };
    let res = send(
        Method::POST,
        paths::FAQS,
        None,
        r#"{"page": "help", "question": "Q\u0000?", "answer": "A.", "tags": ["ok", "b\u0000d"]}"#,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    let fields = problem_fields(&problem);
    assert_eq!(fields, ["question", "tags[1]"], "{problem}");
    // Without If-Match the 428 wins; with it, the 422 names the field.
    let res = send(
        Method::PATCH,
        &paths::faq("one"),
        None,
        r#"{"answer": "x\u0000"}"#,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 428);
    let res = send(
        Method::PATCH,
        &paths::faq("one"),
        Some("*"),
        r#"{"answer": "x\u0000"}"#,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "answer", "{problem}");
    let res = send(
        Method::PATCH,
        &paths::page("help"),
        Some("*"),
        r#"{"front_matter": {"title": "a\u0000"}}"#,
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(
        problem["errors"][0]["field"], "front_matter.title",
        "{problem}"
    );
}
