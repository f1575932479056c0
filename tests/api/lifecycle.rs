//! An entry's lifecycle: publish a staged change, history with diffs, restore an old version,
//! bring a deleted entry back.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::{TestApp, paths, spawn_seeded_app};

const ENTRY: &str = "/api/v1/faqs/what-is-a-technical-coach";

fn etag(res: &reqwest::Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_staged_change_goes_live_on_publish_only() {
    let app = spawn_seeded_app().await;
    let alice = app.mint("alice", faqd::auth::Role::Editor).await;
    let before = app.get_json(ENTRY).await["answer"].clone();
    let res = send(
        &app,
        Method::PATCH,
        &format!("{ENTRY}?stage=true"),
        &alice,
        Some("*"),
        Some(json!({"answer": "Staged text."})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let tag = etag(&res);
    assert_eq!(app.get_json(ENTRY).await["answer"], before);

    let publish = format!("{ENTRY}/publish");
    assert_eq!(
        send(&app, Method::POST, &publish, &alice, None, None)
            .await
            .status(),
        428
    );
    assert_eq!(
        send(&app, Method::POST, &publish, &alice, Some("\"1\""), None)
            .await
            .status(),
        412
    );
    let res = send(&app, Method::POST, &publish, &alice, Some(&tag), None).await;
    assert_eq!(res.status(), 200);
    let published: Value = res.json().await.unwrap();
    assert_eq!(published["status"], "published");
    assert_eq!(app.get_json(ENTRY).await["answer"], "Staged text.");

    // Publishing what is live changes nothing.
    let res = send(&app, Method::POST, &publish, &alice, Some("*"), None).await;
    assert_eq!(res.status(), 200);
    let again: Value = res.json().await.unwrap();
    assert_eq!(again["version"], published["version"]);
    assert_eq!(
        send(
            &app,
            Method::POST,
            &paths::faq("nope/publish"),
            &alice,
            Some("*"),
            None
        )
        .await
        .status(),
        404
    );
}

#[tokio::test]
async fn history_records_every_change_with_its_author_and_diff_and_restores_old_versions() {
    let app = spawn_seeded_app().await;
    let alice = app.mint("alice", faqd::auth::Role::Editor).await;
    let preview = app.mint("viewer", faqd::auth::Role::Preview).await;
    let original = app.get_json(ENTRY).await["answer"]
        .as_str()
        .unwrap()
        .to_owned();
    send(
        &app,
        Method::PATCH,
        ENTRY,
        &alice,
        Some("*"),
        Some(json!({"answer": "First line.\nSecond line."})),
    )
    .await;
    send(
        &app,
        Method::PATCH,
        &format!("{ENTRY}?stage=true"),
        &alice,
        Some("*"),
        Some(json!({"answer": "First line.\nChanged line."})),
    )
    .await;
    send(
        &app,
        Method::POST,
        &format!("{ENTRY}/publish"),
        &alice,
        Some("*"),
        None,
    )
    .await;

    let history = format!("{ENTRY}/revisions");
    assert_eq!(app.get(&history).await.status(), 401);
    let list = app.get_json_as(&preview, &history).await;
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["published", "updated", "updated", "imported"]);
    assert_eq!(list["items"][0]["actor"], "alice");
    assert_eq!(list["items"][3]["actor"], "test");
    assert_eq!(list["total"], 4);
    let page = app
        .get_json_as(&preview, &format!("{history}?limit=2"))
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let next = page["next_cursor"].as_str().unwrap();
    let rest = app
        .get_json_as(&preview, &format!("{history}?limit=2&cursor={next}"))
        .await;
    assert_eq!(rest["items"][0]["version"], 2);

    let v3 = app.get_json_as(&preview, &format!("{history}/3")).await;
    assert_eq!(v3["answer"], "First line.\nChanged line.");
    let diff = v3["answer_diff"].as_str().unwrap();
    assert!(
        diff.contains("-Second line.") && diff.contains("+Changed line."),
        "{diff}"
    );
    assert_eq!(
        app.get_json_as(&preview, &format!("{history}/1")).await["answer_diff"],
        ""
    );
    let res = app
        .with_token(Method::GET, &format!("{history}/99"), &preview)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Restore version 1: a new version, live at once (the entry is published).
    let restore = format!("{history}/1/restore");
    assert_eq!(
        send(&app, Method::POST, &restore, &preview, Some("*"), None)
            .await
            .status(),
        403
    );
    let res = send(&app, Method::POST, &restore, &alice, Some("*"), None).await;
    assert_eq!(res.status(), 200);
    let restored: Value = res.json().await.unwrap();
    assert_eq!(restored["version"], 5);
    assert_eq!(app.get_json(ENTRY).await["answer"], original);
    let list = app.get_json_as(&preview, &history).await;
    assert_eq!(list["items"][0]["kind"], "restored");
    assert_eq!(list["total"], 5);
}

#[tokio::test]
async fn a_deleted_entry_comes_back_under_its_id_slug_and_place() {
    let app = spawn_seeded_app().await;
    let alice = app.mint("alice", faqd::auth::Role::Editor).await;
    let entry = app.get_json(ENTRY).await;
    let found = |app: &TestApp| {
        let url = app.url(&paths::search("q=what+is+a+technical+coach&limit=100"));
        let client = app.client.clone();
        async move {
            let body: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            body["hits"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["slug"] == "what-is-a-technical-coach")
        }
    };
    assert!(found(&app).await);
    let res = send(&app, Method::DELETE, ENTRY, &alice, Some("*"), None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(app.get(ENTRY).await.status(), 404);
    assert!(!found(&app).await, "a deleted entry is not found");

    let restore = format!("{ENTRY}/restore");
    assert_eq!(
        send(&app, Method::POST, &restore, &alice, None, None)
            .await
            .status(),
        428
    );
    assert_eq!(
        send(&app, Method::POST, &restore, &alice, Some("\"1\""), None)
            .await
            .status(),
        412
    );
    let res = send(&app, Method::POST, &restore, &alice, Some("\"2\""), None).await;
    assert_eq!(res.status(), 200);
    let back = app.get_json(ENTRY).await;
    assert_eq!(back["id"], entry["id"]);
    assert_eq!(back["position"], entry["position"]);
    assert_eq!(back["answer"], entry["answer"]);
    assert!(found(&app).await, "a restored entry is found again");
    let list = app.get_json_as(&alice, &format!("{ENTRY}/revisions")).await;
    assert_eq!(list["items"][0]["kind"], "restored");
    assert_eq!(list["items"][1]["kind"], "deleted");
}

#[tokio::test]
async fn eight_editors_read_modify_write_the_same_entry_and_no_write_is_lost() {
    let app = std::sync::Arc::new(spawn_seeded_app().await);
    let mut tasks = Vec::new();
    for editor in 0..8 {
        let token = app
            .mint(&format!("editor-{editor}"), faqd::auth::Role::Editor)
            .await;
        let app = app.clone();
        tasks.push(tokio::spawn(async move {
            let mut retries = 0;
            for cycle in 0..10 {
                loop {
                    let res = app
                        .with_token(Method::GET, ENTRY, &token)
                        .send()
                        .await
                        .unwrap();
                    let tag = etag(&res);
                    let entry: Value = res.json().await.unwrap();
                    let answer = format!("{} e{editor}c{cycle}", entry["answer"].as_str().unwrap());
                    let res = send(
                        &app,
                        Method::PATCH,
                        ENTRY,
                        &token,
                        Some(&tag),
                        Some(json!({"answer": answer})),
                    )
                    .await;
                    match res.status().as_u16() {
                        200 => break,
                        412 | 503 => retries += 1,
                        other => panic!("unexpected {other}"),
                    }
                }
            }
            retries
        }));
    }
    let mut retries = 0;
    for task in tasks {
        retries += task.await.unwrap();
    }
    let token = app.mint("reader", faqd::auth::Role::Preview).await;
    let entry = app.get_json_as(&token, ENTRY).await;
    let answer = entry["answer"].as_str().unwrap();
    for editor in 0..8 {
        for cycle in 0..10 {
            assert!(
                answer.contains(&format!(" e{editor}c{cycle}")),
                "lost e{editor}c{cycle}"
            );
        }
    }
    assert_eq!(
        entry["version"], 81,
        "one version per successful write ({retries} retries on 412)"
    );
}
