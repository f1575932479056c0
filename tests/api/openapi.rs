use serde_json::Value;

use crate::helpers::spawn_app;

fn committed() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json");
    std::fs::read_to_string(&path).unwrap_or_default()
}

#[test]
fn the_committed_openapi_document_is_what_the_code_generates() {
    let generated = faqd::app::api_doc_json();
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
        "/api/v1/pages",
        "/api/v1/pages/{slug}",
        "/api/v1/faqs",
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
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    assert_eq!(app.get_json("/healthz").await["status"], "ok");
    assert_eq!(app.get_json("/readyz").await["status"], "ok");
}
