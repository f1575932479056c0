//! Facets and filters on `/search`: counts per page, section, tag and language among every
//! match of the query (in memory and in PostgreSQL), the same filters, cursor paging intact.

use faqd::config::ServeSettings;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, send_json, spawn_app, spawn_app_with};
use crate::search_words::index_ready;

/// 30 entries about delivery on page `shop` (en): 12 tagged billing in section "Billing",
/// 18 tagged shipping in section "Shipping"; one in French on `boutique`; a draft tagged
/// billing that readers never see.
async fn shop(app: &TestApp) {
    let editor = app.editor().await;
    let mut md = String::new();
    for i in 0..30 {
        md.push_str(&format!(
            "## Delivery question {i}?\n\nAbout delivery number {i}.\n\n"
        ));
    }
    app.import_markdown(&md, "shop", "en", None).await;
    app.import_markdown(
        "## Livraison delivery ?\n\nTrois jours.\n",
        "boutique",
        "fr",
        None,
    )
    .await;
    for i in 0..30 {
        let (tag, section) = if i < 12 {
            ("billing", "Billing")
        } else {
            ("shipping", "Shipping")
        };
        let res = send_json(
            app,
            Method::PATCH,
            &paths::faq(format!("delivery-question-{i}")),
            &editor,
            Some("*"),
            Some(json!({"tags": [tag, "all"], "section": section})),
        )
        .await;
        assert_eq!(res.status(), 200, "entry {i}");
    }
    let res = app
        .create_entry(
            &editor,
            json!({"page": "shop", "question": "Secret delivery?", "answer": "Hidden.",
                    "status": "draft", "tags": ["billing"], "section": "Billing"}),
        )
        .await;
    assert_eq!(res.status(), 201);
}

async fn get(app: &TestApp, query: &str) -> Value {
    app.get_json(&paths::search(query)).await
}

async fn facets_are_counted_among_all_matches(app: &TestApp) {
    let all = get(app, "q=delivery&limit=5&facets=tag,section,page,lang").await;
    assert_eq!(all["total"], 31, "{all}");
    assert_eq!(all["hits"].as_array().map(Vec::len), Some(5));
    let facets = &all["facets"];
    assert_eq!(
        facets["tag"],
        json!({"billing": 12, "shipping": 18, "all": 30}),
        "{all}"
    );
    assert_eq!(
        facets["section"],
        json!({"Billing": 12, "Shipping": 18}),
        "{all}"
    );
    assert_eq!(facets["page"], json!({"shop": 30, "boutique": 1}), "{all}");
    assert_eq!(facets["lang"], json!({"en": 30, "fr": 1}), "{all}");
    // Without `facets`, no facets.
    assert!(get(app, "q=delivery").await.get("facets").is_none());

    // Filters, and the facets of the filtered matches.
    let billing = get(app, "q=delivery&tag=billing&limit=5&facets=section").await;
    assert_eq!(billing["total"], 12, "{billing}");
    assert_eq!(billing["facets"], json!({"section": {"Billing": 12}}));
    let shipping = get(app, "q=delivery&section=Shipping&lang=en&limit=100").await;
    assert_eq!(shipping["total"], 18, "{shipping}");
    let no_section = get(app, "q=delivery&section=&facets=page").await;
    assert_eq!(no_section["total"], 1, "{no_section}");
    assert_eq!(no_section["facets"], json!({"page": {"boutique": 1}}));

    // Cursor pages of a filtered search cut one ordering; facets are the same on each.
    let mut seen = Vec::new();
    let mut path = "q=delivery&tag=shipping&limit=7&facets=tag".to_owned();
    loop {
        let page = get(app, &path).await;
        assert_eq!(page["facets"]["tag"]["shipping"], 18, "{page}");
        for hit in page["hits"].as_array().into_iter().flatten() {
            seen.push(hit["slug"].as_str().unwrap_or("").to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("q=delivery&tag=shipping&limit=7&facets=tag&cursor={cursor}")
            }
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (18, 18));
}

#[tokio::test]
async fn in_memory_facets_count_every_match_and_filters_narrow() {
    let app = spawn_app().await;
    shop(&app).await;
    index_ready(&app).await;
    facets_are_counted_among_all_matches(&app).await;
}

#[tokio::test]
async fn in_postgres_facets_count_every_match_and_filters_narrow() {
    let mut settings = ServeSettings::for_tests();
    settings.search_index = false;
    let app = spawn_app_with(settings).await;
    shop(&app).await;
    facets_are_counted_among_all_matches(&app).await;
}

#[tokio::test]
async fn an_unknown_facet_is_400() {
    let app = spawn_app().await;
    for query in [
        "q=a&facets=tags",
        "q=a&facets=",
        "q=a&facets=page,,lang",
        "q=a&facets=status",
    ] {
        let res = app.get(&paths::search(query)).await;
        assert_eq!(res.status(), 400, "{query}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
    }
}
