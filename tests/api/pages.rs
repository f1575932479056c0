use reqwest::header;
use serde_json::Value;

use crate::helpers::{paths, spawn_app, spawn_seeded_app};

#[tokio::test]
async fn the_seeded_faq_page_has_its_18_questions_in_source_order() {
    let app = spawn_seeded_app().await;

    let page = app.get_page("faq").await;

    assert_eq!(page["slug"], "faq");
    assert_eq!(page["lang"], "en");
    assert_eq!(page["title"], "Manufacture | FAQ");
    assert!(
        page["description"]
            .as_str()
            .unwrap()
            .starts_with("Because technical coaching")
    );
    assert_eq!(page["draft"], false);
    assert_eq!(page["intro"], "");
    assert_eq!(page["entry_count"], 18);
    assert_eq!(page["translations"], serde_json::json!([]));
    assert_eq!(page["version"], 1);
    assert_eq!(page["front_matter"]["image"], "images/faq.png");
    assert_eq!(page["front_matter"]["button"]["label"], "Let's discuss it");
    assert_eq!(page["front_matter"]["button"]["enable"], true);
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 18);
    let positions: Vec<i64> = entries
        .iter()
        .map(|e| e["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=18).collect::<Vec<_>>());
    assert_eq!(
        entries[0]["question"],
        "What is an efficient agile organization?"
    );
    assert_eq!(entries[2]["question"], "What is a technical coach?");
    assert_eq!(entries[2]["slug"], "what-is-a-technical-coach");
    assert_eq!(
        entries[17]["question"],
        "I am seeing a slowdown in the performance of my teams, is this normal?"
    );
    for entry in entries {
        assert_eq!(entry["page"], "faq");
        assert_eq!(entry["lang"], "en");
        assert_eq!(entry["status"], "published");
        assert_eq!(entry["version"], 1);
        assert_eq!(entry["section"], Value::Null);
    }
}

#[tokio::test]
async fn a_page_answers_with_etag_cache_headers_and_304_on_match() {
    let app = spawn_seeded_app().await;

    let res = app.get(&paths::page("faq")).await;
    assert_eq!(res.status(), 200);
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(
        etag, "\"en-1\"",
        "per language: the French page never shares it"
    );
    assert!(
        res.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    assert!(res.headers().contains_key(header::LAST_MODIFIED));
    assert_eq!(res.headers()[header::CONTENT_LANGUAGE], "en");
    assert!(
        res.headers()[header::VARY]
            .to_str()
            .unwrap()
            .contains("Accept-Language")
    );

    let res = app
        .client
        .get(app.url(&paths::page("faq")))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);
    assert_eq!(res.headers()[header::ETAG].to_str().unwrap(), etag);
    assert!(res.bytes().await.unwrap().is_empty());

    let res = app
        .client
        .get(app.url(&paths::page("faq")))
        .header(header::IF_NONE_MATCH, "\"999\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_seeded_app().await;

    for path in [
        &paths::page("faq"),
        paths::PAGES,
        paths::FAQS,
        &paths::faq("what-is-a-technical-coach"),
        "/healthz",
        "/openapi.json",
    ] {
        let get = app.get(path).await;
        let res = app.client.head(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "HEAD {path}");
        assert_eq!(
            res.headers().get(header::ETAG),
            get.headers().get(header::ETAG),
            "HEAD {path}"
        );
        assert!(
            res.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no body"
        );
    }
}

#[tokio::test]
async fn the_language_is_negotiated_among_the_pages_languages() {
    let app = spawn_seeded_app().await;
    let french = "---\ntitle: FAQ\nlang: fr\n---\n\n**Qu'est-ce qu'un coach technique ?**\n\nUn développeur formateur.\n";
    app.import_markdown(french, "faq", "fr", None).await;

    let res = app
        .client
        .get(app.url(&paths::page("faq")))
        .header(header::ACCEPT_LANGUAGE, "fr-CA, fr;q=0.9, en;q=0.5")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CONTENT_LANGUAGE], "fr");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["lang"], "fr");
    assert_eq!(page["translations"], serde_json::json!(["en"]));
    assert_eq!(
        page["entries"][0]["slug"],
        "qu-est-ce-qu-un-coach-technique"
    );

    let res = app
        .client
        .get(app.url(&paths::page("faq")))
        .header(header::ACCEPT_LANGUAGE, "de")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()[header::CONTENT_LANGUAGE],
        "en",
        "falls back to the default language"
    );

    let page = app.get_json(&paths::page("faq?lang=fr")).await;
    assert_eq!(page["lang"], "fr");
    let page = app.get_page("faq").await;
    assert_eq!(
        page["lang"], "en",
        "no Accept-Language: the default language"
    );
    assert_eq!(page["translations"], serde_json::json!(["fr"]));
    assert_eq!(
        page["version"], 2,
        "a new translation is a change readers see"
    );

    let res = app.get(&paths::page("faq?lang=de")).await;
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn pages_are_listed_with_cursor_pagination_and_total() {
    let app = spawn_app().await;
    for slug in ["alpha", "beta", "gamma"] {
        app.import_markdown("**Why?**\n\nBecause.\n", slug, "en", None)
            .await;
    }
    app.import_markdown("**Pourquoi ?**\n\nParce que.\n", "beta", "fr", None)
        .await;

    let first = app.get_json("/api/v1/pages?limit=3").await;
    assert_eq!(first["total"], 4);
    let keys: Vec<String> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["slug"].as_str().unwrap(),
                p["lang"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(keys, ["alpha/en", "beta/en", "beta/fr"]);
    let cursor = first["next_cursor"].as_str().expect("a next cursor");

    let second = app
        .get_json(&format!("/api/v1/pages?limit=3&cursor={cursor}"))
        .await;
    assert_eq!(second["total"], 4);
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(second["items"][0]["slug"], "gamma");
    assert_eq!(second["next_cursor"], Value::Null);

    let french = app.get_json("/api/v1/pages?lang=fr").await;
    assert_eq!(french["total"], 1);
    assert_eq!(french["items"][0]["entry_count"], 1);
}

#[tokio::test]
async fn a_draft_page_and_its_entries_are_hidden_from_readers() {
    let app = spawn_app().await;
    let report = app
        .import_markdown(
            "---\ntitle: Secret\ndraft: true\n---\n**Is it out?**\n\nNot yet.\n",
            "secret",
            "en",
            None,
        )
        .await;
    let slug = &report.created[0];

    assert_eq!(app.get(&paths::page("secret")).await.status(), 404);
    assert_eq!(app.get(&paths::faq(slug)).await.status(), 404);
    let list = app.get_json(paths::FAQS).await;
    assert_eq!(list["total"], 0);
    let pages = app.get_json(paths::PAGES).await;
    assert_eq!(pages["total"], 0);
}

#[tokio::test]
async fn lists_carry_a_weak_etag_that_answers_304() {
    let app = spawn_seeded_app().await;
    let res = app.get(&paths::faqs("limit=5")).await;
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(etag.starts_with("W/\""), "{etag}");

    let res = app
        .client
        .get(app.url(&paths::faqs("limit=5")))
        .header(header::IF_NONE_MATCH, etag.trim_start_matches("W/"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        304,
        "weak comparison also matches the strong form"
    );
}
