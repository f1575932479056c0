use reqwest::{Method, header};
use serde_json::json;

use crate::helpers::{paths, seed_path, spawn_app};

fn stdout(output: &std::process::Output) -> String {
    assert!(
        output.status.success(),
        "faqd failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn tokens_are_minted_listed_and_revoked_with_the_cli() {
    let app = spawn_app().await;

    let token = stdout(&app.faqd(&[
        "token",
        "create",
        "--name",
        "alice",
        "--role",
        "editor",
        "--expires",
        "90d",
    ]));
    let token = token.trim();
    assert!(token.starts_with("faqd_"), "{token}");
    let res = app
        .with_token(Method::GET, paths::PAGES, token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let duplicate = app.faqd(&["token", "create", "--name", "alice", "--role", "admin"]);
    assert!(!duplicate.status.success(), "a live name is unique");

    let list = stdout(&app.faqd(&["token", "list"]));
    let alice = list
        .lines()
        .find(|l| l.starts_with("alice"))
        .expect("alice is listed");
    assert!(alice.contains("editor"), "{alice}");
    assert!(!list.contains(token), "the secret is never shown again");

    stdout(&app.faqd(&["token", "revoke", "alice"]));
    let res = app
        .with_token(Method::GET, paths::PAGES, token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(!app.faqd(&["token", "revoke", "alice"]).status.success());
    assert!(
        !app.faqd(&["token", "create", "--name", "x", "--role", "root"])
            .status
            .success()
    );
}

#[tokio::test]
async fn the_cli_imports_a_page_and_dry_runs_write_nothing() {
    let app = spawn_app().await;
    let seed = seed_path();
    let seed = seed.to_str().unwrap();

    let dry = stdout(&app.faqd(&["import", seed, "--slug", "help", "--dry-run"]));
    assert!(
        dry.contains("[dry run]") && dry.contains("18 created"),
        "{dry}"
    );
    assert_eq!(app.get(&paths::page("help")).await.status(), 404);

    let out = stdout(&app.faqd(&["import", seed, "--slug", "help", "--lang", "en"]));
    assert!(out.contains("18 created"), "{out}");
    let again = stdout(&app.faqd(&["import", seed, "--slug", "help"]));
    assert!(again.contains("18 unchanged"), "{again}");
    assert_eq!(app.get_page("help").await["entry_count"], 18);

    let refused = app.faqd(&["import", "Cargo.toml"]);
    assert!(!refused.status.success());
}

#[tokio::test]
async fn a_cli_dry_run_prints_the_form_chosen_and_the_forms_seen() {
    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("faqd-cli-forms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("help.md");
    std::fs::write(
        &file,
        "# Help\n\n## Why here?\n\nBecause.\n\n<details><summary>Is it safe?</summary>Yes.</details>\n\n<details><summary>Is it free?</summary>Yes.</details>\n",
    )
    .unwrap();
    let dry = stdout(&app.faqd(&["import", file.to_str().unwrap(), "--dry-run"]));
    assert!(
        dry.contains("questions: details (2), style `details`; also seen: h2 (1)"),
        "{dry}"
    );
    assert_eq!(app.get(&paths::page("help")).await.status(), 404);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_cli_imports_several_files_and_folders_in_one_run_with_a_line_each_and_a_total() {
    let app = spawn_app().await;
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("import-many-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("content/fr")).unwrap();
    let page = |title: &str, q: &str| {
        format!("---\ntitle: {title}\n---\n## {q}?\n\nYes.\n\n## And {q} again?\n\nNo.\n")
    };
    std::fs::write(dir.join("content/billing.md"), page("Billing", "Can I pay")).unwrap();
    std::fs::write(
        dir.join("content/fr/aide.fr.md"),
        page("Aide", "Puis-je payer"),
    )
    .unwrap();
    std::fs::write(dir.join("content/notes.txt"), "not a page").unwrap();
    let single = dir.join("shipping.md");
    std::fs::write(&single, page("Shipping", "Do you ship")).unwrap();
    let (folder, single) = (dir.join("content"), single.to_str().unwrap().to_owned());

    let out = stdout(&app.faqd(&["import", folder.to_str().unwrap(), &single]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "a line per page and a total: {out}");
    assert!(
        lines[0].starts_with("billing (en)") && lines[0].contains("2 created"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("aide (fr)"),
        "the file name gives the language: {out}"
    );
    assert!(lines[2].starts_with("shipping (en)"), "{out}");
    assert!(
        lines[3].contains("total: 3 of 3 files imported: 6 created"),
        "{out}"
    );
    assert_eq!(
        app.get_json(&paths::page("aide?lang=fr")).await["entry_count"],
        2
    );

    // Again: nothing changes; a page that cannot be imported is said and counted, the others go.
    std::fs::write(
        dir.join("content/broken.md"),
        "---\ntitle: x\n---\nno question here\n",
    )
    .unwrap();
    let again = app.faqd(&["import", folder.to_str().unwrap()]);
    assert!(!again.status.success(), "a file was not imported");
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(out.contains("broken.md: not imported"), "{out}");
    assert!(
        out.contains("total: 2 of 3 files imported: 0 created, 0 updated, 0 deleted, 4 unchanged"),
        "{out}"
    );
    assert!(out.contains("1 not imported"), "{out}");

    // One slug for several pages is refused before anything is written.
    let refused = app.faqd(&["import", folder.to_str().unwrap(), "--slug", "x"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--slug names one page"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_editor_writes_through_the_api_with_a_cli_token() {
    let app = spawn_app().await;
    app.import_file(&seed_path(), None, None).await;
    let token = stdout(&app.faqd(&["token", "create", "--name", "bob", "--role", "editor"]));
    let res = app
        .with_token(Method::POST, paths::FAQS, token.trim())
        .json(&json!({"page": "faq", "question": "Who wrote this?", "answer": "Bob."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.headers()[header::ETAG], "\"1.19\"");
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM entry_revisions WHERE kind = 'created'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(actor, "bob", "each revision records the token's name");
}
