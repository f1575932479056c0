use reqwest::header;
use serde_json::Value;

use crate::helpers::{paths, spawn_app, spawn_seeded_app};

#[tokio::test]
async fn an_entry_is_found_by_slug_and_by_id_with_a_strong_etag() {
    let app = spawn_seeded_app().await;

    let res = app.get(&paths::faq("what-is-a-technical-coach")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::ETAG], "\"1.3\"");
    let entry: Value = res.json().await.unwrap();
    assert_eq!(entry["question"], "What is a technical coach?");
    assert_eq!(entry["position"], 3);
    assert_eq!(entry["page"], "faq");
    assert!(
        entry["answer_html"]
            .as_str()
            .unwrap()
            .starts_with("<p>A technical coach is")
    );
    assert!(entry["published_at"].is_string());
    let id = entry["id"].as_str().unwrap();

    let by_id = app.get_json(&paths::faq(id)).await;
    assert_eq!(by_id, entry);

    let res = app
        .client
        .get(app.url(&paths::faq(id)))
        .header(header::IF_NONE_MATCH, "W/\"1.3\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
}

#[tokio::test]
async fn entries_are_listed_in_page_order_across_cursor_pages() {
    let app = spawn_seeded_app().await;
    let page = app.get_page("faq").await;
    let expected: Vec<Value> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].clone())
        .collect();

    let mut seen = Vec::new();
    let mut path = paths::faqs("limit=7");
    loop {
        let list = app.get_json(&path).await;
        assert_eq!(
            list["total"], 18,
            "total counts every match, on every cursor page"
        );
        seen.extend(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["id"].clone()),
        );
        match list["next_cursor"].as_str() {
            Some(cursor) => path = paths::faqs(format!("limit=7&cursor={cursor}")),
            None => break,
        }
    }
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn entries_are_filtered_by_page_lang_tag_and_section() {
    let app = spawn_seeded_app().await;
    let markdown = "# Shipping\n\n## How long does delivery take?\n\nThree days.\n\n# Returns\n\n## Can I return an item?\n\nYes, within 30 days.\n\n## Who pays for returns?\n\nWe do.\n";
    app.import_markdown(markdown, "help", "en", None).await;

    let help = app.get_json(&paths::faqs("page=help")).await;
    assert_eq!(help["total"], 3);
    let returns = app
        .get_json(&paths::faqs("page=help&section=Returns"))
        .await;
    assert_eq!(returns["total"], 2);
    assert_eq!(returns["items"][0]["question"], "Can I return an item?");
    assert_eq!(
        returns["items"][0]["position"], 2,
        "positions stay the page's"
    );
    let no_section = app.get_json(&paths::faqs("section=")).await;
    assert_eq!(no_section["total"], 18);
    let english = app.get_json(&paths::faqs("lang=en&limit=1")).await;
    assert_eq!(english["total"], 21);
    let none = app.get_json(&paths::faqs("lang=fr")).await;
    assert_eq!(none["total"], 0);
    assert_eq!(none["items"], serde_json::json!([]));
    let tagged = app.get_json(&paths::faqs("tag=coaching")).await;
    assert_eq!(tagged["total"], 0);
}

#[tokio::test]
async fn tags_filter_entries_that_carry_them() {
    let app = spawn_seeded_app().await;
    sqlx::query(
        "UPDATE entry_revisions SET tags = '{coaching}' WHERE slug = 'what-is-a-technical-coach'",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    let tagged = app.get_json(&paths::faqs("tag=coaching")).await;
    assert_eq!(tagged["total"], 1);
    assert_eq!(tagged["items"][0]["tags"], serde_json::json!(["coaching"]));
}

#[tokio::test]
async fn bad_list_parameters_are_400_problems() {
    let app = spawn_seeded_app().await;
    for query in [
        "limit=0",
        "limit=101",
        "limit=ten",
        "limit=-1",
        "cursor=not-a-cursor",
        "cursor=eyJ4IjoxfQ",
        "lang=not%20a%20language",
        "colour=blue",
        "status=bogus",
    ] {
        let res = app.get(&paths::faqs(query)).await;
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json",
            "{query}"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["status"], 400);
        assert!(
            problem["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{query}"
        );
    }
    for query in ["limit=0", "cursor=%%%", "lang=1"] {
        let res = app.get(&format!("/api/v1/pages?{query}")).await;
        assert_eq!(res.status(), 400, "pages {query}");
    }
}

#[tokio::test]
async fn an_unknown_entry_is_a_404_problem() {
    let app = spawn_app().await;
    for path in [
        &paths::faq("nope"),
        &paths::faq("8c1d5a0e-3f0b-4a4e-9a55-1f6e2f0c9b11"),
        &paths::faq("%F0%9F%98%80"),
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["title"], "Not Found");
    }
}

#[tokio::test]
async fn tags_are_counted_over_what_readers_see() {
    let app = spawn_seeded_app().await;
    let token = app.editor().await;
    for (slug, tags, stage) in [
        (
            "what-is-a-technical-coach",
            vec!["coaching", "roles"],
            false,
        ),
        ("is-agility-a-prerequisite", vec!["coaching"], false),
        (
            "how-many-teams-can-a-technical-coach-support",
            vec!["staged-only"],
            true,
        ),
    ] {
        let query = if stage { "?stage=true" } else { "" };
        let res = app
            .with_token(
                reqwest::Method::PATCH,
                &paths::faq(format!("{slug}{query}")),
                &token,
            )
            .header(header::IF_MATCH, "*")
            .json(&serde_json::json!({"tags": tags}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    let tags = app.get_json("/api/v1/tags").await;
    assert_eq!(
        tags["items"],
        serde_json::json!([{"tag": "coaching", "count": 2}, {"tag": "roles", "count": 1}])
    );
    assert_eq!(tags["total"], 2);
    assert_eq!(app.get_json("/api/v1/tags?lang=fr").await["total"], 0);
    assert_eq!(app.get("/api/v1/tags?bogus=1").await.status(), 400);
}
