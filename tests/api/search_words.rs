//! The word side of search in memory: unfinished words over the words as written, hyphenated
//! compounds, typos by word length (Meilisearch's rule), real words never corrected, and an
//! exact word above a stem shared with an unrelated one, accents optional.

use std::time::Duration;

use crate::helpers::{TestApp, hit_questions, spawn_app, spawn_seeded_app, wait_until};

/// Waits until the in-memory index is built (searches run in PostgreSQL until then).
pub(crate) async fn index_ready(app: &TestApp) {
    wait_until(
        "the search index built",
        Duration::from_secs(60),
        || async { app.get_json("/readyz").await["search_index"]["ready"] == true },
    )
    .await;
}

#[tokio::test]
async fn an_unfinished_word_longer_than_its_stem_finds_the_words_it_starts() {
    let app = spawn_seeded_app().await;
    index_ready(&app).await;

    let coachin = app.search("coachin").await;
    assert!(coachin["total"].as_i64().unwrap_or(0) > 3, "{coachin}");
    assert!(
        hit_questions(&coachin)
            .iter()
            .any(|q| q.contains("coaching") || q.contains("coach")),
        "{coachin}"
    );
    assert!(coachin.get("corrected").is_none(), "a prefix is no typo");

    let motivat = app.search("motivat").await;
    assert_eq!(
        hit_questions(&motivat).first().map(String::as_str),
        Some("My teams are not motivated, what to do?"),
        "{motivat}"
    );
    // A finished word is not a prefix: "motivat " is a (corrected or missing) word.
    let technical_coachi = app.search("technical coachi").await;
    assert!(
        hit_questions(&technical_coachi)
            .first()
            .is_some_and(|q| q.to_lowercase().contains("coach")),
        "{technical_coachi}"
    );
}

#[tokio::test]
async fn a_hyphenated_word_finds_its_joined_and_its_split_forms() {
    let app = spawn_app().await;
    app.import_markdown(
        "## How do I change my e-mail address?\n\nWrite to support.\n\n\
         ## Can I order a cross-connect?\n\nYes, in the portal.\n\n\
         ## Is there an email newsletter?\n\nMonthly.\n\n\
         ## What is a tunnel?\n\nA way to cross the hill and connect two valleys.\n",
        "hyphens",
        "en",
        None,
    )
    .await;
    index_ready(&app).await;

    let email = hit_questions(&app.search("email").await);
    assert!(
        email.contains(&"How do I change my e-mail address?".to_owned()),
        "{email:?}"
    );
    assert!(
        email.contains(&"Is there an email newsletter?".to_owned()),
        "{email:?}"
    );
    let e_mail = hit_questions(&app.search("e-mail address").await);
    assert_eq!(
        e_mail.first().map(String::as_str),
        Some("How do I change my e-mail address?")
    );
    let e_mail = hit_questions(&app.search("e-mail newsletter").await);
    assert_eq!(
        e_mail.first().map(String::as_str),
        Some("Is there an email newsletter?")
    );
    let cross = hit_questions(&app.search("crossconnect").await);
    assert_eq!(cross, ["Can I order a cross-connect?"]);
    let cross = hit_questions(&app.search("cross-connect ").await);
    assert_eq!(
        cross.first().map(String::as_str),
        Some("Can I order a cross-connect?")
    );
}

#[tokio::test]
async fn typos_are_tolerated_by_word_length_and_an_exact_word_ranks_first() {
    let app = spawn_app().await;
    app.import_markdown(
        "## Do you ship abroad?\n\nShipping takes a week.\n\n\
         ## Can I track my parcel?\n\nEvery parcel has a tracking number.\n\n\
         ## What is the shipment fee?\n\nIt depends on the weight.\n\n\
         ## Where is the documentation?\n\nOn the website.\n\n\
         ## Is the team remote?\n\nYes.\n",
        "shop",
        "en",
        None,
    )
    .await;
    index_ready(&app).await;

    // One typo from five letters.
    let parcel = app.search("parcle tracking ").await;
    assert_eq!(
        hit_questions(&parcel).first().map(String::as_str),
        Some("Can I track my parcel?"),
        "{parcel}"
    );
    assert_eq!(parcel["corrected"], "parcel tracking", "{parcel}");
    // Two typos from nine letters.
    let docs = app.search("documantaton ").await;
    assert_eq!(
        hit_questions(&docs).first().map(String::as_str),
        Some("Where is the documentation?"),
        "{docs}"
    );
    // Four letters: no typo allowed ("taem" is not "team").
    let taem = app.search("taem ").await;
    assert_eq!(taem["total"], 0, "{taem}");
    // A word of the index is never corrected, and matches exactly: "shipment" finds the
    // shipment question first, not only the shipping ones its stem is near.
    let shipment = app.search("shipment ").await;
    assert_eq!(
        hit_questions(&shipment).first().map(String::as_str),
        Some("What is the shipment fee?")
    );
    assert!(shipment.get("corrected").is_none(), "{shipment}");
}

/// Both questions hold the stem `bank` once: the one that holds the word as typed wins.
#[tokio::test]
async fn an_exact_word_outranks_a_stem_shared_with_an_unrelated_word() {
    let app = spawn_app().await;
    app.import_markdown(
        "## Do you offer online banking?\n\nYes, for clubs.\n\n\
         ## Are you open on bank holidays?\n\nNo, the office is closed.\n",
        "bank",
        "en",
        None,
    )
    .await;
    index_ready(&app).await;
    let bank = app.search("bank ").await;
    assert_eq!(
        hit_questions(&bank).first().map(String::as_str),
        Some("Are you open on bank holidays?"),
        "{bank}"
    );
    let banking = app.search("banking ").await;
    assert_eq!(
        hit_questions(&banking).first().map(String::as_str),
        Some("Do you offer online banking?"),
        "{banking}"
    );
}

#[tokio::test]
async fn a_real_word_the_corpus_lacks_is_never_corrected_into_another() {
    let app = spawn_app().await;
    app.import_markdown("## Can I pay online?\n\nYes, by card.\n", "pay", "en", None)
        .await;
    index_ready(&app).await;
    // "onlien" is a typo of "online"; "offline" is a word of English (when the word lists are
    // installed) or two typos from "online" in a word of seven letters (one allowed): never
    // rewritten into it.
    let typo = app.search("onlien ").await;
    assert_eq!(typo["corrected"], "online", "{typo}");
    let offline = app.search("offline ").await;
    assert_eq!(offline["total"], 0, "{offline}");
    assert!(offline.get("corrected").is_none(), "{offline}");
}

#[tokio::test]
async fn a_word_typed_without_its_accents_finds_them_and_a_stop_word_stays_itself() {
    let app = spawn_app().await;
    app.import_markdown(
        "## ¿Cómo funciona la conexión?\n\nCon una antena de malla.\n\n\
         ## ¿Qué es la red?\n\nUna red comunitaria.\n",
        "red",
        "es",
        None,
    )
    .await;
    app.import_markdown(
        "## Xăm hình có đau không?\n\nCó, tùy vị trí.\n\n\
         ## Giá xăm bao nhiêu?\n\nTùy kích thước.\n\n\
         ## Mất bao lâu để lành?\n\nHai tuần.\n",
        "xam",
        "vi",
        None,
    )
    .await;
    index_ready(&app).await;

    let conexion = app.search("conexion").await;
    assert_eq!(
        hit_questions(&conexion).first().map(String::as_str),
        Some("¿Cómo funciona la conexión?"),
        "{conexion}"
    );
    assert!(conexion.get("corrected").is_none(), "no typo: {conexion}");
    // Vietnamese typed without its tones.
    let hurt = hit_questions(&app.search("xam hinh co dau khong").await);
    assert_eq!(
        hurt.first().map(String::as_str),
        Some("Xăm hình có đau không?")
    );
    let price = hit_questions(&app.search("gia xam").await);
    assert_eq!(
        price.first().map(String::as_str),
        Some("Giá xăm bao nhiêu?")
    );
    // A stop word of a language in scope is not the Vietnamese "để".
    let de = hit_questions(&app.search("de").await);
    assert!(!de.contains(&"Mất bao lâu để lành?".to_owned()), "{de:?}");
}
