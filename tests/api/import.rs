use serde_json::Value;

use crate::helpers::{paths, seed_path, spawn_app, spawn_seeded_app};

fn entry<'a>(page: &'a Value, question_prefix: &str) -> &'a Value {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["question"].as_str().unwrap().starts_with(question_prefix))
        .unwrap_or_else(|| panic!("no entry {question_prefix:?}"))
}

#[tokio::test]
async fn seed_answers_are_kept_verbatim_and_rendered() {
    let app = spawn_seeded_app().await;
    let page = app.get_page("faq").await;

    let difference = entry(
        &page,
        "What is the difference between a technical coach and an agile",
    );
    assert_eq!(
        difference["answer"],
        "Both are involved in teams but the difference can be appreciated in the scope of action.\n\n\
         The agile coach is involved in the organization of the team's work and therefore will work on the team's culture (agile)\n\n\
         The technical coach will act on work practices (code, pipeline) and team culture (craft and devops)\n\n\
         The 2 are complementary, but in general, the technical coach intervenes after the intervention of the agile coach, once it becomes necessary to put the focus back on people and work practices when the work organization is resolved."
    );

    let factors = entry(&page, "What are the key success factors");
    let answer = factors["answer"].as_str().unwrap();
    assert!(answer.starts_with("1. Relays of trust within the team.\n\n2. Sharing"));
    assert!(answer.contains("3. The factual measure:\n\n  - The sustainability of coaching"));
    assert!(
        answer.ends_with("  - Impacts on the team's delivery capacity and on its performance.")
    );
    let html = factors["answer_html"].as_str().unwrap();
    assert!(html.contains("<ol>") && html.contains("<ul>"), "{html}");

    let role = entry(&page, "What is the role of the technical coach?");
    assert!(role["answer_html"].as_str().unwrap().contains("<li>"));

    let slowdown = entry(&page, "I am seeing a slowdown");
    assert!(
        slowdown["answer"]
            .as_str()
            .unwrap()
            .starts_with("Learning new practices is far from linear.\nThe euphoria of the start"),
        "soft line breaks are kept"
    );
    assert!(
        slowdown["answer"]
            .as_str()
            .unwrap()
            .ends_with("exceed their previous level!")
    );
}

#[tokio::test]
async fn importing_the_same_file_twice_changes_nothing() {
    let app = spawn_seeded_app().await;
    let before = app.get_page("faq").await;

    let report = app.import_file(&seed_path(), None, None).await;

    assert!(!report.page_created);
    assert_eq!(report.unchanged.len(), 18);
    assert!(report.created.is_empty() && report.updated.is_empty() && report.deleted.is_empty());
    assert_eq!(report.version, 1);
    let after = app.get_page("faq").await;
    assert_eq!(before, after);
    let revisions: i64 = sqlx::query_scalar("SELECT count(*) FROM entry_revisions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(revisions, 18, "no new versions");
}

#[tokio::test]
async fn reimporting_an_edited_file_updates_creates_and_deletes_what_changed() {
    let app = spawn_app().await;
    let v1 = "**One?**\n\nFirst.\n\n**Two?**\n\nSecond.\n\n**Three?**\n\nThird.\n";
    app.import_markdown(v1, "page", "en", None).await;
    let two_before = app.get_json(&paths::faq("two")).await;

    let v2 = "**Three?**\n\nThird.\n\n**Two?**\n\nSecond, edited.\n\n**Four?**\n\nFourth.\n";
    let report = app.import_markdown(v2, "page", "en", None).await;

    assert_eq!(report.unchanged, ["three"]);
    assert_eq!(report.updated, ["two"]);
    assert_eq!(report.created, ["four"]);
    assert_eq!(report.deleted, ["one"]);
    assert_eq!(report.version, 2, "one import, one new page version");
    let page = app.get_page("page").await;
    let questions: Vec<&str> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["question"].as_str().unwrap())
        .collect();
    assert_eq!(questions, ["Three?", "Two?", "Four?"]);
    let two = app.get_json(&paths::faq("two")).await;
    assert_eq!(two["id"], two_before["id"], "the same entry, edited");
    assert_eq!(two["version"], 2);
    assert_eq!(two["answer"], "Second, edited.");
    assert_eq!(
        app.get(&paths::faq("one")).await.status(),
        404,
        "deleted entries leave readers"
    );

    // A new entry never takes a deleted entry's slug.
    let report = app
        .import_markdown("**One?**\n\nBack again.\n", "other", "en", None)
        .await;
    assert_eq!(report.created, ["one-2"]);
}

#[tokio::test]
async fn answers_are_sanitised_whatever_the_markdown_holds() {
    let app = spawn_app().await;
    let markdown = "**Is it safe?**\n\n<script>alert(1)</script>\n\n[click](javascript:alert(1)) \
        <img src=x onerror=alert(1)> [data](data:text/html;base64,PHNjcmlwdD4=) <a href=\"#\" onclick=\"x()\">a</a>\n";
    let report = app.import_markdown(markdown, "safe", "en", None).await;

    let entry = app.get_json(&paths::faq(&report.created[0])).await;
    let html = entry["answer_html"].as_str().unwrap().to_lowercase();
    for banned in ["<script", "javascript:", "onerror", "onclick", "data:text"] {
        assert!(!html.contains(banned), "{banned} in {html}");
    }
    assert!(
        entry["answer"].as_str().unwrap().contains("<script>"),
        "the source is kept as written"
    );
}

#[tokio::test]
async fn yaml_toml_and_no_front_matter_all_import() {
    let app = spawn_app().await;
    let yaml = "---\ntitle: YAML page\nparams:\n  nested: [1, 2]\n---\n**Q?**\n\nA.\n";
    let toml =
        "+++\ntitle = \"TOML page\"\ndraft = false\n[params]\nnested = [1, 2]\n+++\n**Q?**\n\nA.\n";
    let none = "Some intro text.\n\n**Q?**\n\nA.\n";
    app.import_markdown(yaml, "yaml", "en", None).await;
    app.import_markdown(toml, "toml", "en", None).await;
    app.import_markdown(none, "none", "en", None).await;

    let yaml = app.get_page("yaml").await;
    assert_eq!(yaml["title"], "YAML page");
    assert_eq!(
        yaml["front_matter"]["params"]["nested"],
        serde_json::json!([1, 2])
    );
    let toml = app.get_page("toml").await;
    assert_eq!(toml["title"], "TOML page");
    assert_eq!(
        toml["front_matter"]["params"]["nested"],
        serde_json::json!([1, 2])
    );
    let none = app.get_page("none").await;
    assert_eq!(none["title"], "");
    assert_eq!(none["front_matter"], serde_json::json!({}));
    assert_eq!(none["intro"], "Some intro text.");
    assert_eq!(none["entry_count"], 1);
}

#[tokio::test]
async fn heading_questions_get_sections_and_keep_deeper_headings_in_answers() {
    let app = spawn_app().await;
    let markdown = "\
# Orders

## How do I order?

Online.

### Details

**For women under 35:** a special offer.

## Delivery times

Three days.

# Payments

## Which cards do you take?

All of them.
";
    app.import_markdown(markdown, "shop", "en", None).await;

    let page = app.get_page("shop").await;
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["question"], "How do I order?");
    assert_eq!(entries[0]["section"], "Orders");
    assert_eq!(
        entries[0]["answer"],
        "Online.\n\n### Details\n\n**For women under 35:** a special offer."
    );
    assert_eq!(
        entries[1]["question"], "Delivery times",
        "a statement at the question level is a question"
    );
    assert_eq!(entries[2]["section"], "Payments");
}

#[tokio::test]
async fn crlf_files_import_like_lf_files() {
    let app = spawn_app().await;
    let lf = std::fs::read_to_string(seed_path()).unwrap();
    let crlf = lf.replace('\n', "\r\n");
    app.import_markdown(&crlf, "crlf", "en", None).await;

    let page = app.get_page("crlf").await;
    assert_eq!(page["entry_count"], 18);
    assert_eq!(page["title"], "Manufacture | FAQ");
    assert_eq!(
        page["entries"][0]["question"],
        "What is an efficient agile organization?"
    );
    assert!(
        page["entries"][0]["answer"]
            .as_str()
            .unwrap()
            .contains("event.\r\n\r\nAn organization")
    );
}

#[tokio::test]
async fn a_file_without_questions_is_refused_and_nothing_is_written() {
    let parsed = faqd::content::parse_page("---\ntitle: Empty\n---\n\nJust some text.\n", None);
    let err = parsed.expect_err("refused");
    assert!(err.to_string().contains("no question"), "{err}");

    let app = spawn_app().await;
    let dir = std::env::temp_dir().join(format!("faqd-empty-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("empty.md");
    std::fs::write(&file, "# Title\n\nNo questions here.\n").unwrap();
    let result = faqd::cli::files::import_file(&app.pool, &file, &Default::default(), "test").await;
    assert!(result.is_err());
    assert_eq!(app.get_json(paths::PAGES).await["total"], 0);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn an_over_long_imported_question_is_refused_by_name() {
    let app = spawn_app().await;
    let markdown = format!("**{}?**\n\nA.\n", "q".repeat(600));
    let parsed = faqd::content::parse_page(&markdown, None).unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    let err = faqd::store::import::import_page(
        &mut conn,
        &parsed,
        "long",
        "en",
        "test",
        &Default::default(),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("over 500 characters"), "{err}");
    let parsed = faqd::content::parse_page("**Q?**\n\nA\0B\n", None).unwrap();
    let err = faqd::store::import::import_page(
        &mut conn,
        &parsed,
        "nul",
        "en",
        "test",
        &Default::default(),
    )
    .await
    .expect_err("refused");
    assert!(err.to_string().contains("NUL"), "{err}");
    assert_eq!(app.get_json(paths::PAGES).await["total"], 0);
}
