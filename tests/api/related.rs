//! Related questions (by words here: the tests run without the embedding model) with editors'
//! pins first, and translations of entries (by position, and by an explicit link); never
//! anything readers cannot see.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::{TestApp, paths, spawn_seeded_app};

const COACH: &str = "what-is-a-technical-coach";

fn slugs(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["slug"].as_str().unwrap().to_owned())
        .collect()
}

async fn related(app: &TestApp, entry: &str) -> Value {
    app.get_json(&paths::faq(format!("{entry}/related"))).await["items"].clone()
}

#[tokio::test]
async fn related_questions_are_published_entries_of_the_same_language_with_pins_first() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    app.import_markdown(
        "**Qu'est-ce qu'un coach technique ?**\n\nUn coach technique est un développeur.\n",
        "faq",
        "fr",
        None,
    )
    .await;
    let res = app.create_entry(&editor, json!({"page": "faq", "lang": "en", "question": "What does a technical coach do all day as a coach?",
                    "answer": "Draft.", "status": "draft"})).await;
    assert_eq!(res.status(), 201);
    let res = send(
        &app,
        Method::PATCH,
        &paths::faq("how-many-teams-can-a-technical-coach-support?stage=true"),
        &editor,
        Some("*"),
        Some(json!({"question": "STAGED technical coach question?"})),
    )
    .await;
    assert_eq!(res.status(), 200);

    let items = related(&app, COACH).await;
    let found = slugs(&items);
    assert!(!found.is_empty() && found.len() <= 5, "{found:?}");
    assert!(!found.contains(&COACH.to_owned()), "not itself");
    assert!(
        found.contains(
            &"what-is-the-difference-between-a-technical-coach-and-an-agile-flow-coach".to_owned()
        ),
        "shares the question's words: {found:?}"
    );
    for item in items.as_array().unwrap() {
        assert_eq!(item["lang"], "en", "same language only: {item}");
        assert_eq!(item["pinned"], false);
        assert!(!item["question"].as_str().unwrap().contains("STAGED"));
        assert!(!item["question"].as_str().unwrap().contains("all day"));
    }
    // Kept: a second read answers the same without searching again.
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM related_entries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 1);
    assert_eq!(related(&app, COACH).await, items);

    // Pins come first, in the editor's order; a pinned draft stays invisible to readers.
    let pins = json!({"pins": [
        "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
        "what-does-a-technical-coach-do-all-day-as-a-coach",
        "what-is-an-efficient-agile-organization"
    ]});
    let path = paths::faq(format!("{COACH}/related"));
    assert_eq!(
        send(&app, Method::PUT, &path, &editor, None, Some(pins.clone()))
            .await
            .status(),
        428
    );
    assert_eq!(
        app.client
            .put(app.url(&path))
            .header(header::CONTENT_TYPE, "application/json")
            .body(pins.to_string())
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let res = send(&app, Method::PUT, &path, &editor, Some("*"), Some(pins)).await;
    assert_eq!(res.status(), 200);
    let written: Value = res.json().await.unwrap();
    assert_eq!(written["version"], 2, "a new version: caches hear of it");
    assert_eq!(
        written["related_pins"],
        json!([
            "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
            "what-does-a-technical-coach-do-all-day-as-a-coach",
            "what-is-an-efficient-agile-organization"
        ])
    );
    let items = related(&app, COACH).await;
    let found = slugs(&items);
    assert_eq!(
        &found[..2],
        [
            "i-am-seeing-a-slowdown-in-the-performance-of-my-teams-is-this-normal",
            "what-is-an-efficient-agile-organization"
        ]
    );
    assert_eq!(items[0]["pinned"], true);
    assert_eq!(items[1]["pinned"], true);
    assert!(
        items.as_array().unwrap()[2..]
            .iter()
            .all(|i| i["pinned"] == false)
    );
    assert!(found.len() <= 5);
    let distinct: std::collections::HashSet<&String> = found.iter().collect();
    assert_eq!(distinct.len(), found.len(), "no entry twice");
    assert!(!found.iter().any(|s| s.contains("all-day")));

    let entry = app
        .get_json(&paths::faq(format!("{COACH}?include=related")))
        .await;
    assert_eq!(entry["related"], items);
    assert!(
        entry.get("related_pins").is_none(),
        "pins are editors' business"
    );
    assert_eq!(
        app.get(&paths::faq(format!("{COACH}?include=everything")))
            .await
            .status(),
        400
    );

    for (body, field) in [
        (json!({"pins": [COACH]}), "pins[0]"),
        (json!({"pins": ["no-such-entry"]}), "pins[0]"),
        (
            json!({"pins": ["what-is-an-efficient-agile-organization", "what-is-an-efficient-agile-organization"]}),
            "pins[1]",
        ),
        (json!({"pins": ["a", "b", "c", "d", "e", "f"]}), "pins"),
    ] {
        let res = send(&app, Method::PUT, &path, &editor, Some("*"), Some(body)).await;
        assert_eq!(res.status(), 422);
        let problem: Value = res.json().await.unwrap();
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{problem}"
        );
    }
    assert_eq!(
        app.get(&paths::faq(
            "what-does-a-technical-coach-do-all-day-as-a-coach/related"
        ))
        .await
        .status(),
        404,
        "a draft has no related list for readers"
    );
}

/// An English and a French page with the same slug, three questions each.
async fn two_languages(app: &TestApp) {
    app.import_markdown(
        "**First question?**\n\nOne.\n\n**Second question?**\n\nTwo.\n\n**Third question?**\n\nThree.\n",
        "guide",
        "en",
        None,
    )
    .await;
    app.import_markdown(
        "**Premiere question ?**\n\nUn.\n\n**Deuxieme question ?**\n\nDeux.\n\n**Troisieme question ?**\n\nTrois.\n",
        "guide",
        "fr",
        None,
    )
    .await;
}

fn translations(entry: &Value) -> Vec<(String, String)> {
    entry["translations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["lang"].as_str().unwrap().to_owned(),
                t["slug"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn pair(lang: &str, slug: &str) -> Vec<(String, String)> {
    vec![(lang.to_owned(), slug.to_owned())]
}

#[tokio::test]
async fn entries_list_their_translations_by_position_and_by_explicit_link() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    two_languages(&app).await;

    let first = app.get_json(&paths::faq("first-question")).await;
    assert_eq!(translations(&first), pair("fr", "premiere-question"));
    let premiere = app.get_json(&paths::faq("premiere-question")).await;
    assert_eq!(translations(&premiere), pair("en", "first-question"));
    let seed = app.get_json(&paths::faq(COACH)).await;
    assert_eq!(seed["translations"], json!([]));
    let page = app.get_json(&paths::page("guide?lang=en")).await;
    assert_eq!(
        translations(&page["entries"][1]),
        pair("fr", "deuxieme-question")
    );

    // An explicit link wins over positions: the third French question translates the second.
    let res = send(
        &app,
        Method::PUT,
        &paths::faq("troisieme-question/translation"),
        &editor,
        Some("*"),
        Some(json!({"translation_of": "second-question"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let written: Value = res.json().await.unwrap();
    assert_eq!(written["translation_of"], "second-question");
    let second = app.get_json(&paths::faq("second-question")).await;
    assert_eq!(translations(&second), pair("fr", "troisieme-question"));
    let third = app.get_json(&paths::faq("third-question")).await;
    assert_eq!(
        third["translations"],
        json!([]),
        "its counterpart by position is linked elsewhere"
    );

    // Readers see published translations only; editors see drafts too.
    let res = send(
        &app,
        Method::PATCH,
        &paths::faq("premiere-question"),
        &editor,
        Some("*"),
        Some(json!({"status": "draft"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = app.get(&paths::faq("first-question")).await;
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    let first: Value = res.json().await.unwrap();
    assert_eq!(first["translations"], json!([]));
    let as_editor = app
        .with_token(Method::GET, &paths::faq("first-question"), &editor)
        .send()
        .await
        .unwrap();
    let etag_with_translations = as_editor.headers()[header::ETAG]
        .to_str()
        .unwrap()
        .to_owned();
    let as_editor: Value = as_editor.json().await.unwrap();
    assert_eq!(translations(&as_editor), pair("fr", "premiere-question"));
    assert_ne!(
        etag, etag_with_translations,
        "the ETag covers the translations"
    );
    assert!(etag_with_translations.contains('~'));
    // That ETag is good for a write: the `~…` part is not the entry's version.
    let res = send(
        &app,
        Method::PATCH,
        &paths::faq("first-question"),
        &editor,
        Some(&etag_with_translations),
        Some(json!({"answer": "One, edited."})),
    )
    .await;
    assert_eq!(res.status(), 200);

    for (target, why) in [
        ("first-question", "same language"),
        (COACH, "another page"),
        ("no-such-entry", "no entry"),
        ("troisieme-question", "itself"),
    ] {
        let res = send(
            &app,
            Method::PUT,
            &paths::faq("troisieme-question/translation"),
            &editor,
            Some("*"),
            Some(json!({"translation_of": if target == "first-question" { "premiere-question" } else { target }})),
        )
        .await;
        assert_eq!(res.status(), 422, "{why}");
    }
    // Removing the link pairs by position again.
    let res = send(
        &app,
        Method::PUT,
        &paths::faq("troisieme-question/translation"),
        &editor,
        Some("*"),
        Some(json!({"translation_of": null})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let third = app.get_json(&paths::faq("third-question")).await;
    assert_eq!(translations(&third), pair("fr", "troisieme-question"));
}
