//! The change feed: every change readers can see, oldest first, resumable, with tombstones.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, spawn_app};

async fn feed(app: &TestApp, since: Option<&str>) -> Value {
    let path = match since {
        Some(c) => paths::changes(format!("since={c}&limit=100")),
        None => "/api/v1/changes?limit=100".to_owned(),
    };
    app.get_json(&path).await
}

fn kinds(feed: &Value) -> Vec<String> {
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) {
    let res = app
        .with_token(Method::PATCH, path, token)
        .header("If-Match", "*")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{path}");
}

#[tokio::test]
async fn the_feed_lists_what_readers_see_change_oldest_first_with_tombstones() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let md = "## One?\n\nA.\n\n## Two?\n\nB.\n";
    app.import_ok(&token, "slug=help", "text/markdown", md)
        .await;
    let first = feed(&app, None).await;
    assert_eq!(
        kinds(&first),
        ["page.imported", "entry.created", "entry.created"]
    );
    assert_eq!(first["items"][1]["page"], "help");
    assert_eq!(first["items"][1]["entry_slug"], "one");
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();

    // Nothing new: the same cursor, and a 304 for the same ETag.
    let res = app
        .get(&paths::changes(format!("since={cursor}&limit=100")))
        .await;
    let tag = res.headers()["etag"].to_str().unwrap().to_owned();
    let empty: Value = res.json().await.unwrap();
    assert!(empty["items"].as_array().unwrap().is_empty());
    assert_eq!(empty["next_cursor"], cursor.as_str());
    let res = app
        .client
        .get(app.url(&paths::changes(format!("since={cursor}&limit=100"))))
        .header("If-None-Match", &tag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 304);

    patch(
        &app,
        &token,
        &paths::faq("one"),
        json!({"answer": "A, edited."}),
    )
    .await;
    patch(
        &app,
        &token,
        &paths::faq("one?stage=true"),
        json!({"answer": "Staged."}),
    )
    .await;
    let res = app
        .with_token(Method::POST, &paths::faq("one/publish"), &token)
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    patch(&app, &token, &paths::faq("two"), json!({"status": "draft"})).await;
    patch(
        &app,
        &token,
        &paths::faq("two"),
        json!({"answer": "Draft edit."}),
    )
    .await;
    let res = app
        .with_token(Method::DELETE, &paths::faq("one"), &token)
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = app
        .with_token(Method::POST, &paths::faq("one/restore"), &token)
        .header("If-Match", "*")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let next = feed(&app, Some(&cursor)).await;
    let entry_kinds: Vec<String> = kinds(&next)
        .into_iter()
        .filter(|k| k.starts_with("entry."))
        .collect();
    assert_eq!(
        entry_kinds,
        [
            "entry.updated",
            "entry.published",
            "entry.unpublished",
            "entry.deleted",
            "entry.restored"
        ],
        "a staged change and a draft's edit are not changes readers see"
    );
    assert!(
        !kinds(&next).iter().any(|k| k == "page.updated"),
        "an entry's change is its own event, not also the page's"
    );
    let ids: Vec<i64> = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "oldest first");
    assert_eq!(
        app.get(&paths::changes("since=garbage")).await.status(),
        400
    );
}
