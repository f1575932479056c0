//! `/metrics` (Prometheus text) and request ids.

use faqd::config::ServeSettings;

use crate::helpers::{paths, spawn_app_with, spawn_seeded_app};

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let app = spawn_seeded_app().await;
    app.get_page("faq").await;
    assert_eq!(app.get(&paths::page("nope")).await.status(), 404);
    let res = app.get("/metrics").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    assert!(
        text.contains(
            r#"faqd_http_requests_total{method="GET",route="/api/v1/pages/{slug}",status="200"}"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"route="/api/v1/pages/{slug}",status="404"}"#));
    assert!(text.contains("faqd_http_request_duration_seconds_bucket{"));
    for gauge in [
        "faqd_db_pool_connections ",
        "faqd_webhook_queue_depth ",
        "faqd_change_log_lag ",
        "faqd_webhook_delivery_failures_total ",
    ] {
        assert!(text.contains(gauge), "{gauge} in {text}");
    }
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let mut settings = ServeSettings::for_tests();
    settings.metrics_token = Some("scrape-me-please".to_owned());
    let app = spawn_app_with(settings).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("scrape-me-please")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let editor = app.editor().await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let admin = app.admin().await;
    let res = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // The metrics token opens nothing else.
    let res = app
        .client
        .get(app.url(paths::FAQS))
        .bearer_auth("scrape-me-please")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

/// The answer to `GET /metrics` with `token` (or none).
async fn metrics_as(app: &crate::helpers::TestApp, token: Option<&str>) -> reqwest::Response {
    let mut req = app.client.get(app.url("/metrics"));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn on_a_public_address_metrics_are_closed_unless_configured() {
    // Listening on every address (not loopback), with neither a metrics token nor
    // FAQD_METRICS_PUBLIC: only admin tokens read the metrics.
    let mut settings = ServeSettings::for_tests();
    settings.bind = "0.0.0.0:0".to_owned();
    let app = spawn_app_with(settings.clone()).await;
    let res = metrics_as(&app, None).await;
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let problem: serde_json::Value = res.json().await.unwrap();
    assert_eq!(problem["status"], 401, "{problem}");
    assert!(
        problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("FAQD_METRICS_TOKEN")),
        "{problem}"
    );
    let editor = app.editor().await;
    assert_eq!(metrics_as(&app, Some(&editor)).await.status(), 401);
    assert_eq!(
        metrics_as(&app, Some("not-a-token")).await.status(),
        401,
        "an unknown token"
    );
    let admin = app.admin().await;
    let res = metrics_as(&app, Some(&admin)).await;
    assert_eq!(res.status(), 200);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("faqd_http_requests_total")
    );

    // With a metrics token: that token opens it, and still an admin's; anonymous is 401.
    let mut with_token = settings.clone();
    with_token.metrics_token = Some("scrape-me-please".to_owned());
    let app = spawn_app_with(with_token).await;
    assert_eq!(metrics_as(&app, None).await.status(), 401);
    assert_eq!(
        metrics_as(&app, Some("scrape-me-please")).await.status(),
        200
    );
    let admin = app.admin().await;
    assert_eq!(metrics_as(&app, Some(&admin)).await.status(), 200);

    // FAQD_METRICS_PUBLIC=true opens it to anyone on any address.
    let mut public = settings;
    public.metrics_public = true;
    let app = spawn_app_with(public).await;
    assert_eq!(metrics_as(&app, None).await.status(), 200);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_seeded_app().await;
    let res = app.get(&paths::page("faq")).await;
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(uuid::Uuid::parse_str(&id).unwrap().get_version_num(), 7);
    let other = app.get("/api/v1/nothing-here").await;
    assert_eq!(other.status(), 404);
    assert_ne!(other.headers()["x-request-id"].to_str().unwrap(), id);
    // A caller's id is kept when it is a sane token, replaced otherwise.
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "edge-4f2a.17")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "edge-4f2a.17");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "a b <script>")
        .send()
        .await
        .unwrap();
    assert_ne!(res.headers()["x-request-id"], "a b <script>");
}
