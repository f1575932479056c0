//! The in-memory full-text index (`faqd::search::lexical`): it counts every match, follows every
//! change committed by any instance before it answers, and never holds a draft, a staged text
//! or a hidden page; with it off, search runs in PostgreSQL and bounds its ranking.

use faqd::config::ServeSettings;
use reqwest::Method;
use serde_json::{Value, json};

use std::time::Duration;

use crate::helpers::{
    TestApp, hit_questions, paths, second_instance, send_json, spawn_app, spawn_app_with, wait_for,
};

/// 2,100 entries about widgets and one about a gizmo.
fn widgets() -> String {
    let mut md = String::new();
    for i in 0..2100 {
        md.push_str(&format!(
            "## How does widget {i} work?\n\nThe widget number {i} spins.\n\n"
        ));
    }
    md.push_str("## What is a gizmo?\n\nA gizmo is not a widget.\n");
    md
}

#[tokio::test]
async fn in_memory_every_match_is_counted() {
    let app = spawn_app().await;
    app.import_markdown(&widgets(), "widgets", "en", None).await;
    let broad = app.get_json(&paths::search("q=widget&limit=5")).await;
    assert_eq!(broad["total_is_estimate"], false);
    assert_eq!(broad["total"], 2101);
    assert_eq!(broad["hits"].as_array().unwrap().len(), 5);
    let narrow = app.get_json(&paths::search("q=gizmo")).await;
    assert_eq!(narrow["total"], 1);
    assert_eq!(narrow["hits"][0]["question"], "What is a gizmo?");
    // The search made the index catch up with the import: /readyz says so.
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["search_index"]["ready"], true, "{ready}");
    assert_eq!(ready["search_index"]["entries"], 2101, "{ready}");
    assert!(
        ready["search_index"]["change"].as_i64().unwrap() > 0,
        "{ready}"
    );
}

/// An instance that starts on a corpus larger than one read of the build (1,000 rows) builds
/// its index from every row, once each.
#[tokio::test]
async fn an_instance_started_on_a_large_corpus_indexes_all_of_it() {
    let app = spawn_app().await;
    app.import_markdown(&widgets(), "widgets", "en", None).await;
    let other = second_instance(&app);
    let ready = wait_for(
        "the second instance's index",
        Duration::from_secs(30),
        || async {
            let ready = json_at(&app, &other, "/readyz").await;
            if ready["search_index"]["ready"] == true {
                Ok(ready)
            } else {
                Err(ready.to_string())
            }
        },
    )
    .await;
    assert_eq!(ready["search_index"]["entries"], 2101, "{ready}");
    let broad = json_at(&app, &other, "/api/v1/search?q=widget&limit=5").await;
    assert_eq!(broad["total_is_estimate"], false);
    assert_eq!(broad["total"], 2101);
    assert_eq!(found(&app, &other, "gizmo").await, ["What is a gizmo?"]);
}

#[tokio::test]
async fn in_postgres_a_query_matching_more_than_the_rank_cap_says_its_total_is_an_estimate() {
    let mut settings = ServeSettings::for_tests();
    settings.search_index = false;
    let app = spawn_app_with(settings).await;
    app.import_markdown(&widgets(), "widgets", "en", None).await;
    let broad = app.get_json(&paths::search("q=widget&limit=5")).await;
    assert_eq!(broad["total_is_estimate"], true);
    assert_eq!(broad["total"], 2000);
    assert_eq!(broad["hits"].as_array().unwrap().len(), 5);
    let narrow = app.get_json(&paths::search("q=gizmo")).await;
    assert_eq!(narrow["total_is_estimate"], false);
    assert_eq!(narrow["total"], 1);
    assert_eq!(narrow["hits"][0]["question"], "What is a gizmo?");
}

/// `GET path` on the instance at `base`: asserts 200, the JSON body.
async fn json_at(app: &TestApp, base: &str, path: &str) -> Value {
    let res = app
        .client
        .get(format!("{base}{path}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "GET {base}{path}");
    res.json().await.unwrap()
}

/// The questions a search on `base` finds for `q`.
async fn found(app: &TestApp, base: &str, q: &str) -> Vec<String> {
    hit_questions(&json_at(app, base, &format!("/api/v1/search?q={q}")).await)
}

#[tokio::test]
async fn every_instance_finds_what_was_just_committed_and_never_what_readers_cannot_see() {
    let app = spawn_app().await;
    let other = second_instance(&app);
    let here = app.address.clone();
    app.import_markdown(
        "## How do refunds work?\n\nWrite to billing.\n\n## Where is the office?\n\nIn Lyon.\n",
        "help",
        "en",
        None,
    )
    .await;
    let editor = app.editor().await;
    // Each check runs right after the write's answer, on both instances, with no waiting:
    // a search first makes sure its index holds every change committed before it.
    for base in [&here, &other] {
        assert_eq!(found(&app, base, "refunds").await, ["How do refunds work?"]);
    }

    let res = send_json(
        &app,
        Method::PATCH,
        &paths::faq("how-do-refunds-work"),
        &editor,
        Some("*"),
        Some(json!({"answer": "Write to the cashier."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    for base in [&here, &other] {
        assert_eq!(found(&app, base, "cashier").await, ["How do refunds work?"]);
        assert!(found(&app, base, "billing").await.is_empty());
    }

    // A staged change is not searchable until it is published.
    let res = send_json(
        &app,
        Method::PATCH,
        &paths::faq("how-do-refunds-work?stage=true"),
        &editor,
        Some("*"),
        Some(json!({"answer": "Ask the treasurer."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    for base in [&here, &other] {
        assert!(found(&app, base, "treasurer").await.is_empty());
    }
    let res = send_json(
        &app,
        Method::POST,
        &paths::faq("how-do-refunds-work/publish"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    for base in [&here, &other] {
        assert_eq!(
            found(&app, base, "treasurer").await,
            ["How do refunds work?"]
        );
    }

    // A draft is never found.
    let res = app.create_entry(&editor, json!({"page": "help", "question": "Secret plans?", "answer": "Hidden.", "status": "draft"})).await;
    assert_eq!(res.status(), 201);
    for base in [&here, &other] {
        assert!(found(&app, base, "secret").await.is_empty());
    }

    // A deleted page takes its entries with it; restored, they are back.
    let res = send_json(
        &app,
        Method::DELETE,
        &paths::page("help"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert_eq!(res.status(), 204);
    for base in [&here, &other] {
        assert!(found(&app, base, "office").await.is_empty());
    }
    let res = send_json(
        &app,
        Method::POST,
        &paths::page("help/restore"),
        &editor,
        Some("*"),
        None,
    )
    .await;
    assert!(res.status().is_success(), "{}", res.status());
    for base in [&here, &other] {
        assert_eq!(found(&app, base, "office").await, ["Where is the office?"]);
        assert!(found(&app, base, "secret").await.is_empty());
    }
}
