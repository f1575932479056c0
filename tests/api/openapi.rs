use serde_json::Value;

use crate::helpers::paths;
use crate::helpers::spawn_app;

fn committed() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    std::fs::read_to_string(&path).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_is_what_the_code_generates() {
    let generated = faqd::api::openapi::api_doc_json();
    if generated != committed() {
        panic!(
            "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi --output openapi/openapi.json`"
        );
    }
}

#[tokio::test]
async fn the_served_document_is_the_committed_one() {
    let app = spawn_app().await;
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status(), 200);
    let served = res.text().await.unwrap();
    assert!(
        served == committed(),
        "/openapi.json differs from openapi/openapi.json"
    );
}

#[test]
fn the_document_is_openapi_3_1_and_declares_every_route_and_error() {
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    for path in [
        paths::PAGES,
        "/api/v1/pages/{slug}",
        paths::FAQS,
        "/api/v1/faqs/{ref}",
        "/healthz",
        "/readyz",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} is documented"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    let get_faq = &doc["paths"]["/api/v1/faqs/{ref}"]["get"];
    assert!(get_faq["responses"]["404"].is_object());
    assert!(get_faq["responses"]["200"]["headers"]["ETag"].is_object());
}

#[tokio::test]
async fn interactive_docs_are_served_without_internet() {
    let app = spawn_app().await;
    let res = app.get("/docs").await;
    assert_eq!(res.status(), 308);
    assert_eq!(res.headers()["location"], "/docs/");
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui"), "the page is Swagger UI");
    assert!(!html.contains("https://"), "no script from a CDN");
    let res = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(res.status(), 200);
    for path in [
        "/docs",
        "/docs/",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let res = app.get(path).await;
        assert_eq!(
            res.headers()["content-security-policy"],
            faqd::server::docs::DOCS_CSP,
            "{path}"
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
    let init = app
        .get("/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/openapi.json") && !init.contains("validator.swagger.io"));
    // The API itself carries no such policy (it serves no page).
    let res = app.get(paths::PAGES).await;
    assert!(res.headers().get("content-security-policy").is_none());
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    assert_eq!(app.get_json("/readyz").await["status"], "ok");
}

#[test]
fn every_operation_declares_405_and_the_rate_limited_ones_429() {
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    let mut limited = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            assert_eq!(
                responses["405"]["$ref"], "#/components/responses/MethodNotAllowed",
                "{method} {path} declares 405"
            );
            let rate_limited = (path.starts_with("/api/v1/")
                && (method != "get" || path == paths::SEARCH))
                || (path == "/mcp" && method == "post");
            assert_eq!(
                responses["429"].is_object(),
                rate_limited,
                "{method} {path}: 429 declared exactly where the rate limiter answers"
            );
            limited += usize::from(rate_limited);
        }
    }
    assert!(limited > 10);
    let responses = &doc["components"]["responses"];
    assert!(responses["MethodNotAllowed"]["headers"]["Allow"].is_object());
    for header in [
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    ] {
        assert!(responses["TooManyRequests"]["headers"][header].is_object());
    }
}

#[test]
fn entry_writes_document_their_own_required_fields() {
    let doc: Value = serde_json::from_str(&committed()).unwrap();
    let schema_of = |path: &str, method: &str, media: &str| {
        let reference =
            doc["paths"][path][method]["requestBody"]["content"][media]["schema"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned();
        doc["components"]["schemas"][reference].clone()
    };
    let required = |schema: &Value| {
        let mut names: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
            .unwrap_or_default();
        names.sort();
        names.join(",")
    };
    let create = schema_of(paths::FAQS, "post", "application/json");
    assert_eq!(required(&create), "answer,page,question");
    let replace = schema_of("/api/v1/faqs/{ref}", "put", "application/json");
    assert_eq!(required(&replace), "answer,question");
    let patch = schema_of(
        "/api/v1/faqs/{ref}",
        "patch",
        "application/merge-patch+json",
    );
    assert_eq!(required(&patch), "");
    assert_eq!(
        patch,
        schema_of("/api/v1/faqs/{ref}", "patch", "application/json")
    );
    // Null removes the section and the tags; it is no question or answer.
    let types = |field: &str| patch["properties"][field]["type"].to_string();
    assert!(types("section").contains("null") && types("tags").contains("null"));
    assert!(!types("question").contains("null") && !types("answer").contains("null"));
}
