//! The MCP server at `/mcp` (streamable HTTP, JSON answers): the handshake, the tools anyone
//! sees and those an editor's token adds, each tool called, resources, nothing unpublished in
//! any anonymous answer, `draft_answer` never publishing, JSON-RPC errors for bad input
//! (never a 500), the Origin check and the search rate limit.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::{TestApp, paths, spawn_app_with, spawn_seeded_app};

const COACH: &str = "what-is-a-technical-coach";
const VERSION: &str = "2025-11-25";

/// Posts one JSON-RPC message (a request with id 1 unless the body says otherwise) and
/// gives the status and the body (JSON, or null when there is none).
async fn post(app: &TestApp, token: Option<&str>, body: &str) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url("/mcp"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("MCP-Protocol-Version", VERSION)
        .body(body.to_owned());
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    assert_ne!(status, 500);
    let text = res.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    (status, value)
}

async fn rpc(app: &TestApp, token: Option<&str>, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let (status, value) = post(app, token, &body.to_string()).await;
    assert_eq!(status, 200, "{method}: {value}");
    assert_eq!(value["id"], 1);
    value
}

/// A tool's result (`isError` false), its structured content.
async fn call(app: &TestApp, token: Option<&str>, tool: &str, arguments: Value) -> Value {
    let value = rpc(
        app,
        token,
        "tools/call",
        json!({"name": tool, "arguments": arguments}),
    )
    .await;
    let result = &value["result"];
    assert_ne!(result["isError"], true, "{tool}: {value}");
    assert!(result["content"][0]["text"].is_string(), "{tool}: {value}");
    result["structuredContent"].clone()
}

async fn tool_names(app: &TestApp, token: Option<&str>) -> Vec<String> {
    let value = rpc(app, token, "tools/list", json!({})).await;
    value["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect()
}

/// A seeded app with things readers must not see: a draft entry, a staged change of the
/// coach entry, a draft page.
async fn app_with_unpublished() -> (TestApp, String) {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = app
        .create_entry(
            &editor,
            json!({"page": "faq", "question": "Is the zorblax technical coach a secret?",
                    "answer": "Zorblax draft answer.", "status": "draft"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let res = send(
        &app,
        Method::PATCH,
        &paths::faq(format!("{COACH}?stage=true")),
        &editor,
        Some("*"),
        Some(json!({"answer": "STAGED quuxly answer about the technical coach."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    app.import_markdown(
        "---\ntitle: Hidden\ndraft: true\n---\n\n**What is the hidden zorblax page?**\n\nHidden.\n",
        "hidden",
        "en",
        None,
    )
    .await;
    (app, editor)
}

fn assert_nothing_unpublished(what: &str, value: &Value) {
    let text = value.to_string().to_lowercase();
    for secret in ["zorblax", "quuxly", "hidden"] {
        assert!(!text.contains(secret), "{what} shows '{secret}': {text}");
    }
}

#[tokio::test]
async fn mcp_initialize_negotiates_the_protocol_and_names_the_server() {
    let app = spawn_seeded_app().await;
    let init = rpc(
        &app,
        None,
        "initialize",
        json!({"protocolVersion": VERSION, "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}}),
    )
    .await;
    let result = &init["result"];
    assert_eq!(result["protocolVersion"], VERSION);
    assert_eq!(result["serverInfo"]["name"], "faqd");
    assert!(result["capabilities"]["tools"].is_object(), "{init}");
    assert!(result["capabilities"]["resources"].is_object(), "{init}");
    assert!(
        result["instructions"]
            .as_str()
            .unwrap()
            .contains("search_faq")
    );

    let (status, body) = post(
        &app,
        None,
        &json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(body, Value::Null);
}

#[tokio::test]
async fn mcp_lists_the_editor_tools_only_to_editor_tokens() {
    let app = spawn_seeded_app().await;
    let readers = [
        "search_faq",
        "get_page",
        "get_entry",
        "list_pages",
        "related_questions",
    ];
    let editors = ["draft_answer", "unanswered_questions", "feedback_summary"];
    assert_eq!(tool_names(&app, None).await, readers);
    let preview = app.preview().await;
    assert_eq!(tool_names(&app, Some(&preview)).await, readers);
    let editor = app.editor().await;
    let all: Vec<&str> = readers.iter().chain(&editors).copied().collect();
    assert_eq!(tool_names(&app, Some(&editor)).await, all);

    // A bad token is refused before MCP, as everywhere.
    let (status, _) = post(
        &app,
        Some("faqd_not-a-token"),
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
    )
    .await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn mcp_reader_tools_answer_with_published_content_only() {
    let (app, _editor) = app_with_unpublished().await;

    let found = call(
        &app,
        None,
        "search_faq",
        json!({"query": "technical coach"}),
    )
    .await;
    let hits = found["hits"].as_array().unwrap();
    assert!(!hits.is_empty(), "{found}");
    for hit in hits {
        for field in ["question", "slug", "page", "lang", "snippet", "url"] {
            assert!(hit[field].is_string(), "{field} in {hit}");
        }
        assert!(!hit["snippet"].as_str().unwrap().contains("<mark>"));
    }
    assert_nothing_unpublished("search_faq", &found);
    let none = call(&app, None, "search_faq", json!({"query": "zorblax"})).await;
    assert_eq!(none["total"], 0, "{none}");
    let limited = call(
        &app,
        None,
        "search_faq",
        json!({"query": "coach", "page": "faq", "lang": "en", "limit": 1}),
    )
    .await;
    assert_eq!(limited["hits"].as_array().unwrap().len(), 1);

    let entry = call(&app, None, "get_entry", json!({"ref": COACH})).await;
    assert_eq!(entry["question"], "What is a technical coach?");
    assert!(
        entry["answer"]
            .as_str()
            .unwrap()
            .starts_with("A technical coach is a training developer")
    );
    assert!(
        entry["answer_text"]
            .as_str()
            .unwrap()
            .contains("training developer")
    );
    assert_eq!(entry["url"], paths::faq(COACH));
    assert_nothing_unpublished("get_entry", &entry);

    let page = rpc(
        &app,
        None,
        "tools/call",
        json!({"name": "get_page", "arguments": {"slug": "faq"}}),
    )
    .await;
    let markdown = page["result"]["content"][0]["text"].as_str().unwrap();
    assert!(
        markdown.contains("**What is a technical coach?**"),
        "{markdown}"
    );
    let structured = &page["result"]["structuredContent"];
    assert_eq!(structured["lang"], "en");
    assert!(
        structured["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["slug"] == COACH)
    );
    assert_nothing_unpublished("get_page", &page);

    let pages = call(&app, None, "list_pages", json!({})).await;
    let listed: Vec<&str> = pages["pages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["slug"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["faq"]);
    assert_eq!(pages["pages"][0]["resource"], "faqd://pages/en/faq");

    let related = call(&app, None, "related_questions", json!({"ref": COACH})).await;
    assert!(
        !related["related"].as_array().unwrap().is_empty(),
        "{related}"
    );
    assert_nothing_unpublished("related_questions", &related);

    // What readers cannot see is not found, as a tool error the model can read.
    for (tool, args) in [
        (
            "get_entry",
            json!({"ref": "is-the-zorblax-technical-coach-a-secret"}),
        ),
        ("get_page", json!({"slug": "hidden"})),
        (
            "related_questions",
            json!({"ref": "is-the-zorblax-technical-coach-a-secret"}),
        ),
    ] {
        let value = rpc(
            &app,
            None,
            "tools/call",
            json!({"name": tool, "arguments": args}),
        )
        .await;
        assert_eq!(value["result"]["isError"], true, "{tool}: {value}");
        assert_nothing_unpublished(tool, &value["result"]["structuredContent"]);
    }
}

#[tokio::test]
async fn mcp_resources_are_the_published_pages_as_markdown() {
    let (app, editor) = app_with_unpublished().await;
    for token in [None, Some(editor.as_str())] {
        let listed = rpc(&app, token, "resources/list", json!({})).await;
        let resources = listed["result"]["resources"].as_array().unwrap();
        assert_eq!(resources.len(), 1, "{listed}");
        assert_eq!(resources[0]["uri"], "faqd://pages/en/faq");
        assert_eq!(resources[0]["mimeType"], "text/markdown");
        assert_eq!(resources[0]["title"], "Manufacture | FAQ");

        let read = rpc(
            &app,
            token,
            "resources/read",
            json!({"uri": "faqd://pages/en/faq"}),
        )
        .await;
        let contents = &read["result"]["contents"][0];
        assert_eq!(contents["mimeType"], "text/markdown");
        assert!(
            contents["text"]
                .as_str()
                .unwrap()
                .contains("**What is a technical coach?**")
        );
        assert_nothing_unpublished("resources/read", &read);

        let hidden = rpc(
            &app,
            token,
            "resources/read",
            json!({"uri": "faqd://pages/en/hidden"}),
        )
        .await;
        assert_eq!(hidden["error"]["code"], -32002, "{hidden}");
    }
}

#[tokio::test]
async fn mcp_draft_answer_creates_a_draft_or_stages_a_change_and_never_publishes() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let draft = call(
        &app,
        Some(&editor),
        "draft_answer",
        json!({"page": "faq", "question": "Can a technical coach work remotely?",
               "answer": "Yes, with pairing tools."}),
    )
    .await;
    assert_eq!(draft["status"], "draft", "{draft}");
    let slug = draft["slug"].as_str().unwrap().to_owned();
    let res = app.get(&paths::faq(&slug)).await;
    assert_eq!(res.status(), 404, "readers do not see the draft");
    let res = app
        .with_token(Method::GET, &paths::faq(&slug), &editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let seen: Value = res.json().await.unwrap();
    assert_eq!(seen["status"], "draft");
    assert_eq!(seen["answer"], "Yes, with pairing tools.");
    let found = call(&app, None, "search_faq", json!({"query": "remotely"})).await;
    assert_eq!(found["total"], 0, "{found}");

    let staged = call(
        &app,
        Some(&editor),
        "draft_answer",
        json!({"ref": COACH, "question": "What is a technical coach?",
               "answer": "A proposed better answer."}),
    )
    .await;
    assert_eq!(staged["status"], "changed", "{staged}");
    let public = app.get_json(&paths::faq(COACH)).await;
    assert!(
        public["answer"]
            .as_str()
            .unwrap()
            .starts_with("A technical coach is a training developer"),
        "readers keep the published answer"
    );
    let entry = call(&app, None, "get_entry", json!({"ref": COACH})).await;
    assert!(!entry["answer"].as_str().unwrap().contains("proposed"));

    // Rules are the REST API's: a tool error the model can read, nothing written.
    let before = app.snapshot().await;
    let value = rpc(
        &app,
        Some(&editor),
        "tools/call",
        json!({"name": "draft_answer", "arguments": {"page": "no-such-page",
               "question": "Q?", "answer": "A."}}),
    )
    .await;
    assert_eq!(value["result"]["isError"], true, "{value}");
    let value = rpc(
        &app,
        Some(&editor),
        "tools/call",
        json!({"name": "draft_answer", "arguments": {"question": "Q?", "answer": "A."}}),
    )
    .await;
    assert_eq!(value["result"]["isError"], true, "{value}");
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn mcp_editor_tools_without_an_editor_token_are_errors_that_change_nothing() {
    let app = spawn_seeded_app().await;
    let preview = app.preview().await;
    let before = app.snapshot().await;
    for token in [None, Some(preview.as_str())] {
        for tool in ["draft_answer", "unanswered_questions", "feedback_summary"] {
            let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                              "params": {"name": tool, "arguments": {"page": "faq",
                              "question": "Sneaky?", "answer": "Yes."}}});
            let (status, value) = post(&app, token, &body.to_string()).await;
            assert_eq!(status, 200);
            assert_eq!(value["id"], 7);
            assert_eq!(value["error"]["code"], -32602, "{tool}: {value}");
            assert!(value["result"].is_null());
        }
    }
    assert_eq!(app.snapshot().await, before);
}

#[tokio::test]
async fn mcp_unanswered_questions_and_feedback_summary_report_to_editors() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let res = app.get(&paths::search("q=zorblaxian+flurbing")).await;
    assert_eq!(res.status(), 200);
    let found: Value = res.json().await.unwrap();
    assert_eq!(found["total"], 0);
    let res = app
        .client
        .post(app.url(&paths::faq(format!("{COACH}/feedback"))))
        .header(header::CONTENT_TYPE, "application/json")
        .body(json!({"helpful": false, "reason": "inaccurate"}).to_string())
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());

    let unanswered = call(&app, Some(&editor), "unanswered_questions", json!({})).await;
    let queries: Vec<&str> = unanswered["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["query"].as_str().unwrap())
        .collect();
    assert!(
        queries.iter().any(|q| q.contains("zorblaxian")),
        "{unanswered}"
    );

    let summary = call(&app, Some(&editor), "feedback_summary", json!({"days": 7})).await;
    assert_eq!(summary["not_helpful"], 1, "{summary}");
    assert_eq!(summary["helpful"], 0);
    assert_eq!(summary["by_reason"]["inaccurate"], 1);
    assert_eq!(summary["worst_rated"][0]["slug"], COACH);
    assert_eq!(summary["worst_rated"][0]["not_helpful"], 1);

    let value = rpc(
        &app,
        Some(&editor),
        "tools/call",
        json!({"name": "feedback_summary", "arguments": {"days": 0}}),
    )
    .await;
    assert_eq!(value["result"]["isError"], true, "{value}");
}

#[tokio::test]
async fn mcp_unknown_tools_methods_and_arguments_are_jsonrpc_errors() {
    let app = spawn_seeded_app().await;
    let value = rpc(
        &app,
        None,
        "tools/call",
        json!({"name": "drop_database", "arguments": {}}),
    )
    .await;
    assert_eq!(value["error"]["code"], -32602, "{value}");
    let value = rpc(
        &app,
        None,
        "tools/call",
        json!({"name": "get_entry", "arguments": {"slug": COACH}}),
    )
    .await;
    assert_eq!(value["error"]["code"], -32602, "{value}");
    let value = rpc(&app, None, "no/such/method", json!({})).await;
    assert_eq!(value["error"]["code"], -32601, "{value}");
}

#[tokio::test]
async fn mcp_bad_bodies_are_jsonrpc_errors_or_problems_never_500() {
    let app = spawn_seeded_app().await;
    let (status, value) = post(&app, None, "{\"jsonrpc\": \"2.0\", \"id\": 1, ").await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32700, "{value}");
    assert_eq!(value["id"], Value::Null);
    let (status, value) = post(&app, None, r#"{"id": 3, "hello": "world"}"#).await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32600, "{value}");
    assert_eq!(value["id"], 3);
    let (status, value) = post(&app, None, "[]").await;
    assert_eq!(status, 400);
    assert_eq!(value["error"]["code"], -32600, "{value}");

    let res = app
        .client
        .post(app.url("/mcp"))
        .header(header::CONTENT_TYPE, "text/plain")
        .header(header::ACCEPT, "application/json, text/event-stream")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let res = app
        .client
        .post(app.url("/mcp"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "text/html")
        .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 406);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );

    // A client that accepts JSON gets JSON, whether or not it names the event stream.
    for accept in [Some("application/json"), Some("*/*"), None] {
        let mut req = app
            .client
            .post(app.url("/mcp"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string());
        if let Some(accept) = accept {
            req = req.header(header::ACCEPT, accept);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "Accept: {accept:?}");
        assert_eq!(res.headers()[header::CONTENT_TYPE], "application/json");
    }

    // No server-initiated stream: GET is 405, as the transport specifies.
    let res = app.get("/mcp").await;
    assert_eq!(res.status(), 405);
    assert_eq!(res.headers()[header::ALLOW], "POST");
}

#[tokio::test]
async fn mcp_refuses_browser_origins_outside_the_cors_origins() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.cors_origins = vec!["https://faq.example".to_owned()];
    let app = spawn_app_with(settings).await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let send_from = |origin: Option<&'static str>| {
        let mut req = app
            .client
            .post(app.url("/mcp"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json, text/event-stream")
            .body(list.clone());
        if let Some(origin) = origin {
            req = req.header(header::ORIGIN, origin);
        }
        req.send()
    };
    let res = send_from(Some("https://evil.example")).await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    assert_eq!(
        send_from(Some("https://faq.example"))
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(send_from(None).await.unwrap().status(), 200);
}

#[tokio::test]
async fn mcp_counts_against_the_search_rate_limit() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.rate_limit_search = 10;
    let app = spawn_app_with(settings).await;
    let list = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(post(&app, None, &list).await.0);
    }
    assert_eq!(&statuses[..10], [200; 10]);
    assert_eq!(statuses[11], 429);
    let res = app.get(&paths::search("q=coach")).await;
    assert_eq!(res.status(), 429, "one budget for search and MCP");
}
