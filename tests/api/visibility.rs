//! One visibility rule for every channel: what readers may not see (a draft page, a draft
//! entry, a staged change, a deleted entry or page, a front-matter item editors hid) appears in
//! no anonymous response, no feed item and no webhook delivery; leaving readers' view is a
//! tombstone, and events keep the names they had when they happened.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, paths, send_json, spawn_app};

/// Every anonymous channel, as `(what, status, body)`.
async fn anonymous_channels(
    app: &TestApp,
    slugs: &[&str],
    search: &[&str],
) -> Vec<(String, u16, String)> {
    let mut urls: Vec<String> = [
        "/api/v1/pages?limit=100",
        &paths::page("help"),
        &paths::page("help?lang=fr"),
        &paths::page("help/export"),
        &paths::page("secret"),
        &paths::page("secret/export"),
        &paths::page("fm"),
        &paths::page("fm/export"),
        &paths::faqs("limit=100"),
        &paths::faqs("page=secret&limit=100"),
        "/api/v1/tags",
        &paths::changes("limit=100"),
        &paths::page("help/jsonld"),
        &paths::page("fm/jsonld"),
        &paths::page("secret/jsonld"),
        "/llms.txt",
        "/llms-full.txt",
        &paths::faq("is-this-public/related"),
        &paths::faq("is-staging-public"),
        &paths::faq("is-staging-public/related"),
        &paths::faq("is-anything-public?include=related"),
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    for slug in slugs {
        urls.push(paths::faq(slug));
    }
    for q in search {
        urls.push(paths::search(format!("q={q}")));
        urls.push(paths::search(format!("q={q}&facets=page,section,tag,lang")));
        let prefix: String = q.chars().take(6).collect();
        urls.push(format!("/api/v1/search/suggest?q={prefix}"));
        urls.push(format!("/api/v1/search/suggest?q={q}"));
    }
    let mut seen = Vec::new();
    for path in urls {
        let res = app.get(&path).await;
        let status = res.status().as_u16();
        let body = res.text().await.unwrap_or_default();
        seen.push((path, status, body));
    }
    seen
}

async fn write(app: &TestApp, token: &str, method: Method, path: &str, body: Option<Value>) -> u16 {
    send_json(app, method, path, token, Some("*"), body)
        .await
        .status()
        .as_u16()
}

async fn import(app: &TestApp, token: &str, query: &str, md: &str) {
    let res = app
        .with_token(Method::POST, &paths::page(format!("import?{query}")), token)
        .header("Content-Type", "text/markdown")
        .body(md.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, 200, "{}", res.text().await.unwrap_or_default());
}

/// Every change logged, as webhooks receive them (the outbox's rows).
async fn logged(app: &TestApp) -> String {
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT row_to_json(c)::text FROM changes c ORDER BY c.xid, c.id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter()
        .map(|(r,)| r)
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn nothing_readers_may_not_see_reaches_any_channel() {
    let app = spawn_app().await;
    let token = app.editor().await;
    // A webhook for every event: its deliveries are the change log's rows.
    sqlx::query(
        "INSERT INTO webhooks (id, url, events, secret) VALUES
         (gen_random_uuid(), 'http://127.0.0.1:9/hook', '{*}', 'whsec_dGVzdHRlc3R0ZXN0dGVzdA==')",
    )
    .execute(&app.pool)
    .await
    .unwrap();

    // Arrange: a public page, and every hidden state.
    import(&app, &token, "slug=help", "## Is this public?\n\nYes.\n").await;
    // A draft page (and a draft translation of the public one).
    import(
        &app,
        &token,
        "slug=secret",
        "---\ndraft: true\n---\n## Will zsdraftpage be acquired?\n\nzsdraftpageanswer.\n",
    )
    .await;
    import(
        &app,
        &token,
        "slug=help&lang=fr",
        "---\ndraft: \"true\"\n---\n## Est-ce zsdrafttranslation ?\n\nzsdrafttranslationanswer.\n",
    )
    .await;
    // A draft entry on the public page.
    app.create_entry_ok(
        &token,
        json!({"page": "help", "question": "Is zsdraftentry real?", "answer": "zsdraftentryanswer",
               "tags": ["zsdrafttag"], "status": "draft"}),
    )
    .await;
    // A staged change of a public entry.
    app.create_entry_ok(
        &token,
        json!({"page": "help", "question": "Is staging public?", "answer": "The public text."}),
    )
    .await;
    assert_eq!(
        write(&app, &token, Method::PATCH, &paths::faq("is-staging-public?stage=true"),
              Some(json!({"question": "Is zsstagedquestion staged?", "answer": "zsstagedanswer", "tags": ["zsstagedtag"]}))).await,
        200
    );
    // A front-matter list whose items editors then hid: one unpublished, one deleted.
    import(
        &app,
        &token,
        "slug=fm",
        "---\ntitle: Help\nfaq:\n  - question: Is Zeta shipping in May?\n    answer: zsfmdraftanswer\n  - question: Is Omega shipping?\n    answer: zsfmdeletedanswer\n  - question: Is anything public?\n    answer: Yes.\n---\nSome intro.\n",
    )
    .await;
    // Warm the read cache with the page as it was, to show that no cached body outlives a hide.
    let before: Value = app.get_page("fm").await;
    assert!(before.to_string().contains("Is Zeta shipping in May?"));
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("is-zeta-shipping-in-may"),
            Some(json!({"status": "draft"}))
        )
        .await,
        200
    );
    assert_eq!(
        write(
            &app,
            &token,
            Method::DELETE,
            &paths::faq("is-omega-shipping"),
            None
        )
        .await,
        204
    );
    // An unpublished entry renamed: its old events keep the name readers knew.
    app.create_entry_ok(
        &token,
        json!({"page": "help", "question": "Is renaming safe?", "answer": "Yes."}),
    )
    .await;
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("is-renaming-safe"),
            Some(json!({"status": "draft"}))
        )
        .await,
        200
    );
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("is-renaming-safe"),
            Some(json!({"slug": "zsrenamedsecret"}))
        )
        .await,
        200
    );
    // A deleted page.
    import(
        &app,
        &token,
        "slug=gone",
        "## Is zsdeletedpage here?\n\nNo.\n",
    )
    .await;
    assert_eq!(
        write(&app, &token, Method::DELETE, &paths::page("gone"), None).await,
        204
    );

    // Act: read every channel as a reader.
    let hidden_slugs = [
        "will-zsdraftpage-be-acquired",
        "est-ce-zsdrafttranslation",
        "is-zsdraftentry-real",
        "is-zeta-shipping-in-may",
        "is-omega-shipping",
        "zsrenamedsecret",
        "is-zsdeletedpage-here",
    ];
    let channels = anonymous_channels(
        &app,
        &hidden_slugs,
        &[
            "zsdraftpage",
            "zsdraftentry",
            "zsstagedquestion",
            "zsstagedanswer",
            "zsfmdraftanswer",
            "Zeta",
            "zsdrafttranslation",
            "zsdeletedpage",
        ],
    )
    .await;

    // Assert: each hidden state × each channel.
    let never_public = [
        ("draft page", "zsdraftpage"),
        ("draft translation", "zsdrafttranslation"),
        ("draft entry", "zsdraftentry"),
        ("draft entry's tag", "zsdrafttag"),
        ("staged question", "zsstagedquestion"),
        ("staged answer", "zsstagedanswer"),
        ("staged tag", "zsstagedtag"),
        ("renamed unpublished entry", "zsrenamedsecret"),
    ];
    let once_public = [
        ("unpublished front-matter item", "zsfmdraftanswer"),
        ("deleted front-matter item", "zsfmdeletedanswer"),
        ("deleted page", "zsdeletedpage"),
    ];
    for (path, status, body) in &channels {
        // A 404 names what was asked for: only markers the request did not carry count.
        let body = body.to_lowercase();
        let asked = |marker: &str| path.to_lowercase().contains(marker);
        for (state, marker) in never_public.iter().filter(|(_, m)| !asked(m)) {
            assert!(
                !body.contains(marker),
                "{state} leaks through {path} ({status}): {body}"
            );
        }
        // Once-public content may stay in the feed's history (with its tombstone); no other
        // channel shows it any more.
        if !path.starts_with("/api/v1/changes") {
            for (state, marker) in once_public.iter().filter(|(_, m)| !asked(m)) {
                assert!(
                    !body.contains(marker),
                    "{state} leaks through {path} ({status}): {body}"
                );
            }
        }
    }
    for (path, status, _) in &channels {
        if hidden_slugs.iter().any(|s| path.ends_with(s))
            || path.contains("/pages/secret")
            || path.ends_with("help?lang=fr")
        {
            assert_eq!(*status, 404, "{path}");
        }
    }
    let help: Value = app.get_page("help").await;
    assert_eq!(
        help["translations"],
        json!([]),
        "a draft translation is not listed"
    );
    let fm: Value = app.get_page("fm").await;
    assert!(fm["front_matter"].get("faq").is_none(), "{fm}");
    assert_eq!(fm["front_matter"]["title"], "Help");
    assert_eq!(fm["entries"].as_array().unwrap().len(), 1);
    // Editors still see the front matter as it was written.
    let res = app
        .with_token(Method::GET, &paths::page("fm"), &token)
        .send()
        .await
        .unwrap();
    let editor: Value = res.json().await.unwrap();
    assert!(editor["front_matter"]["faq"].is_array());

    // Webhooks get exactly the change log's rows: nothing never public is in them.
    let log = logged(&app).await.to_lowercase();
    for (state, marker) in never_public {
        assert!(!log.contains(marker), "{state} is in the change log: {log}");
    }
    let deliveries: i64 = sqlx::query_scalar("SELECT count(*) FROM webhook_deliveries")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let changes: i64 = sqlx::query_scalar("SELECT count(*) FROM changes")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(deliveries, changes);

    // Tombstones: what left readers' view is announced, on the page readers saw it on.
    let feed: Value = app.get_json(&paths::changes("limit=100")).await;
    let events: Vec<(String, String, String)> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["page"].as_str().unwrap().to_owned(),
                c["entry_slug"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let has = |kind: &str, page: &str, slug: &str| {
        events
            .iter()
            .any(|e| e.0 == kind && e.1 == page && e.2 == slug)
    };
    assert!(
        has("entry.unpublished", "fm", "is-zeta-shipping-in-may"),
        "{events:?}"
    );
    assert!(
        has("entry.deleted", "fm", "is-omega-shipping"),
        "{events:?}"
    );
    assert!(
        has("entry.created", "help", "is-renaming-safe"),
        "{events:?}"
    );
    assert!(
        has("entry.unpublished", "help", "is-renaming-safe"),
        "old events keep the old slug: {events:?}"
    );
    assert!(has("page.deleted", "gone", ""), "{events:?}");
    assert!(
        !events.iter().any(|e| e.1 == "secret"),
        "a draft page is not announced: {events:?}"
    );
}

#[tokio::test]
async fn leaving_and_coming_back_are_events_and_every_visible_change_is_logged() {
    let app = spawn_app().await;
    let token = app.editor().await;
    import(
        &app,
        &token,
        "slug=help",
        "## One?\n\nA.\n\n## Two?\n\nB.\n",
    )
    .await;
    import(&app, &token, "slug=help&lang=fr", "## Un ?\n\nA.\n").await;
    import(&app, &token, "slug=other", "## Three?\n\nC.\n").await;
    let start: Value = app.get_json(&paths::changes("limit=100")).await;
    let cursor = start["next_cursor"].as_str().unwrap().to_owned();
    let fr_tag = app.get(&paths::page("help?lang=fr")).await.headers()["etag"].clone();
    let export = app.get(&paths::page("help/export")).await;
    let export_tag = export.headers()["etag"].clone();

    // A position-only write.
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("two"),
            Some(json!({"position": 1}))
        )
        .await,
        200
    );
    // A move to another page.
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("three"),
            Some(json!({"page": "help"}))
        )
        .await,
        200
    );
    // The page turns draft, then public again.
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::page("help"),
            Some(json!({"draft": true}))
        )
        .await,
        200
    );
    let fr_hidden = app.get(&paths::page("help?lang=fr")).await;
    assert_ne!(
        fr_hidden.headers()["etag"],
        fr_tag,
        "the French page's translations changed"
    );
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::page("help"),
            Some(json!({"draft": false}))
        )
        .await,
        200
    );

    let next: Value = app
        .get_json(&paths::changes(format!("since={cursor}&limit=100")))
        .await;
    let kinds: Vec<(String, String)> = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["lang"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let k = |kind: &str, lang: &str| (kind.to_owned(), lang.to_owned());
    assert_eq!(
        kinds,
        [
            k("page.reordered", "en"),
            k("entry.moved", "en"),
            k("page.unpublished", "en"),
            k("page.updated", "fr"),
            k("page.published", "en"),
            k("page.updated", "fr"),
        ],
        "{next}"
    );
    let moved = &next["items"][1];
    assert_eq!(moved["page"], "help");
    assert_eq!(moved["from_page"], "other");
    assert_eq!(moved["entry_slug"], "three");

    // A re-import that changes only formatting changes the export, so its ETag and the log.
    import(
        &app,
        &token,
        "slug=help",
        "## One?\n\nA.\n\n\n## Two?\n\nB.\n",
    )
    .await;
    let export = app.get(&paths::page("help/export")).await;
    assert_ne!(export.headers()["etag"], export_tag);
    let cursor = next["next_cursor"].as_str().unwrap();
    let last: Value = app
        .get_json(&paths::changes(format!("since={cursor}&limit=100")))
        .await;
    assert!(
        last["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["kind"] == "page.updated" && c["lang"] == "en"),
        "{last}"
    );
}

#[tokio::test]
async fn a_reader_following_the_cursor_never_skips_a_change_that_commits_late() {
    let app = spawn_app().await;
    let token = app.editor().await;
    import(&app, &token, "slug=help", "## One?\n\nA.\n").await;
    let start: Value = app.get_json(&paths::changes("limit=100")).await;
    let cursor = start["next_cursor"].as_str().unwrap().to_owned();
    let page_id: i64 = sqlx::query_scalar("SELECT id FROM pages WHERE slug = 'help'")
        .fetch_one(&app.pool)
        .await
        .unwrap();

    // Writer A logs first (the smaller id) and commits last; writer B, with no lock of faqd's,
    // logs and commits in between.
    let mut a = app.pool.begin().await.unwrap();
    sqlx::query("SELECT faqd_log_change('page.updated', NULL, $1)")
        .bind(page_id)
        .execute(&mut *a)
        .await
        .unwrap();
    let mut b = app.pool.begin().await.unwrap();
    sqlx::query("SELECT faqd_log_change('page.reordered', NULL, $1)")
        .bind(page_id)
        .execute(&mut *b)
        .await
        .unwrap();
    b.commit().await.unwrap();

    // While A runs, B's change is held back (A could still commit before it).
    let during: Value = app
        .get_json(&paths::changes(format!("since={cursor}&limit=100")))
        .await;
    assert!(
        during["items"].as_array().unwrap().is_empty(),
        "a change is served only when nothing can commit before it: {during}"
    );
    let cursor = during["next_cursor"].as_str().unwrap().to_owned();

    a.commit().await.unwrap();
    let after: Value = app
        .get_json(&paths::changes(format!("since={cursor}&limit=100")))
        .await;
    let kinds: Vec<&str> = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["page.updated", "page.reordered"], "{after}");
}

#[tokio::test]
async fn a_long_write_in_another_database_does_not_hold_the_feed_back() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let token = app.editor().await;
    // A writing transaction in another database of the same server, left open.
    let mut long = other.pool.begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *long)
        .await
        .unwrap();

    import(&app, &token, "slug=help", "## One?\n\nA.\n").await;
    let started = std::time::Instant::now();
    let feed: Value = app.get_json(&paths::changes("limit=100")).await;
    let took = started.elapsed();

    assert_eq!(feed["items"].as_array().unwrap().len(), 2, "{feed}");
    assert!(took < std::time::Duration::from_secs(2), "{took:?}");
    long.rollback().await.unwrap();
}

/// Hugo reads front matter keys whatever their case (`Draft: true` is a draft to Hugo), so a
/// page whose front matter says `Draft` or `DRAFT` is a draft here too: not public, not
/// searched, not in the feed.
#[tokio::test]
async fn a_draft_key_in_any_case_keeps_the_page_a_draft() {
    let app = spawn_app().await;
    let token = app.editor().await;
    for (slug, front_matter) in [
        ("capital", "---\nDraft: true\n---\n"),
        ("upper", "---\nDRAFT: yes\n---\n"),
        ("toml", "+++\nDraft = true\n+++\n"),
        ("json", "{\n\"Draft\": \"1\"\n}\n"),
    ] {
        import(
            &app,
            &token,
            &format!("slug={slug}"),
            &format!("{front_matter}\n**Is the okapimarker {slug} public?**\n\nNo.\n"),
        )
        .await;
        assert_eq!(app.get(&paths::page(slug)).await.status(), 404, "{slug}");
    }
    let found = app.search("okapimarker").await;
    assert_eq!(found["total"], 0, "{found}");
    let feed = app.get_json(&paths::changes("limit=100")).await;
    assert!(!feed.to_string().contains("okapimarker"), "{feed}");
    // Editors see the pages, as drafts.
    let page = app.get_json_as(&token, &paths::page("capital")).await;
    assert_eq!(page["draft"], true, "{page}");
}

/// A front-matter FAQ list whose items readers no longer see in any slot (one drafted, one
/// deleted, a new entry added by the API) is exported as what readers see, never as the file
/// wrote it: not in the export, nor in llms-full.txt (MCP's page resources are the export too).
#[tokio::test]
async fn an_export_never_shows_a_front_matter_list_whose_items_are_hidden() {
    let app = spawn_app().await;
    let token = app.editor().await;
    import(
        &app,
        &token,
        "slug=fm2",
        "---\ntitle: FM two\nfaq:\n  - question: Is the visible one public?\n    answer: Yes.\n  - question: Is the hidden one private?\n    answer: A wombatsecret answer.\n---\n\nSome prose.\n",
    )
    .await;
    let hide = json!({"status": "draft"});
    assert_eq!(
        write(
            &app,
            &token,
            Method::PATCH,
            &paths::faq("is-the-hidden-one-private"),
            Some(hide)
        )
        .await,
        200
    );
    assert_eq!(
        write(
            &app,
            &token,
            Method::DELETE,
            &paths::faq("is-the-visible-one-public"),
            None
        )
        .await,
        204
    );
    for path in [paths::page("fm2/export"), "/llms-full.txt".to_owned()] {
        let body = app.get(&path).await.text().await.unwrap_or_default();
        assert!(!body.contains("wombatsecret"), "{path}: {body}");
        assert!(
            !body.contains("Is the visible one public?"),
            "{path}: {body}"
        );
    }
    let added = json!({"page": "fm2", "question": "Is the new one public?", "answer": "Yes, new."});
    app.create_entry_ok(&token, added).await;
    let body = app.export(&paths::page("fm2/export")).await;
    assert!(!body.contains("wombatsecret"), "{body}");
    assert!(!body.contains("Is the visible one public?"), "{body}");
    assert!(body.contains("Is the new one public?"), "{body}");
}

/// Hugo leaves out a page whose publication date is to come or whose expiry date has passed
/// (`publishDate`, else `date`; `expiryDate`; any case): so does faqd. A page published later
/// is a draft scheduled to go public then; a past date changes nothing.
#[tokio::test]
async fn hugo_publication_and_expiry_dates_keep_a_page_from_readers() {
    let app = spawn_app().await;
    let token = app.editor().await;
    let later = "---\ntitle: Later\npublishDate: 2999-01-01T00:00:00Z\nexpiryDate: 3000-01-01\n---\n## Is it out yet?\n\nNot yet, zebra.\n";
    let dated = "---\ntitle: Dated\ndate: 2999-06-01\n---\n## Is it dated?\n\nYes, ibex.\n";
    let gone = "---\ntitle: Gone\nExpiryDate: 2001-01-01\n---\n## Is it still on?\n\nNo, walrus.\n";
    let old = "---\ntitle: Old\ndate: 2001-01-01\nexpiryDate: 2999-01-01\n---\n## Is it old?\n\nYes, heron.\n";
    for (slug, md) in [
        ("later", later),
        ("dated", dated),
        ("gone", gone),
        ("old", old),
    ] {
        import(&app, &token, &format!("slug={slug}"), md).await;
    }
    for slug in ["later", "dated", "gone"] {
        assert_eq!(app.get(&paths::page(slug)).await.status(), 404, "{slug}");
    }
    assert_eq!(app.get(&paths::page("old")).await.status(), 200);
    for word in ["zebra", "ibex", "walrus"] {
        let hits = app.get_json(&paths::search(format!("q={word}"))).await;
        assert_eq!(
            hits["hits"].as_array().map(Vec::len),
            Some(0),
            "{word}: {hits}"
        );
    }
    assert_eq!(
        app.get_json(&paths::search("q=heron")).await["hits"][0]["question"],
        "Is it old?"
    );

    let page = app.get_json_as(&token, &paths::page("later")).await;
    assert_eq!(page["draft"], true, "{page}");
    assert_eq!(page["publish_at"], "2999-01-01T00:00:00Z", "{page}");
    assert_eq!(page["unpublish_at"], "3000-01-01T00:00:00Z", "{page}");
    let page = app.get_json_as(&token, &paths::page("dated")).await;
    assert_eq!(page["publish_at"], "2999-06-01T00:00:00Z", "{page}");
    let page = app.get_json_as(&token, &paths::page("gone")).await;
    assert_eq!(page["draft"], true, "{page}");
    assert!(
        page["publish_at"].is_null(),
        "an expired page is not published again: {page}"
    );
    let page = app.get_json_as(&token, &paths::page("old")).await;
    assert_eq!(page["draft"], false, "{page}");
    assert_eq!(page["unpublish_at"], "2999-01-01T00:00:00Z", "{page}");
    // The file is the page's source still: exported as it came.
    let res = app
        .with_token(Method::GET, &paths::page("later/export"), &token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), later);
}
