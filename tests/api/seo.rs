//! What search engines and AI answer engines read: `answer_text`, links resolved against the
//! public base URL, schema.org FAQPage JSON-LD, `/llms.txt` and `/llms-full.txt`.

use reqwest::{Method, header};
use serde_json::{Value, json};

use crate::helpers::send_json as send;
use crate::helpers::{TestApp, paths, spawn_app_with, spawn_seeded_app};

/// Settings with the public site's base URL.
fn with_base_url(base: &str) -> faqd::config::ServeSettings {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.public_base_url = Some(url::Url::parse(base).unwrap());
    settings
}

/// The names of the HTML tags in `html`.
fn tag_names(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|t| {
            t.trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
        })
        .collect()
}

/// Checks a JSON-LD FAQPage against the schema.org vocabulary: the types, and the properties
/// that FAQ rich results require of each (FAQPage.mainEntity, Question.name and
/// acceptedAnswer, Answer.text), nothing of another type inside.
fn assert_schema_org_faq_page(doc: &Value) {
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "FAQPage");
    assert!(doc["inLanguage"].is_string());
    let questions = doc["mainEntity"].as_array().expect("mainEntity is a list");
    for q in questions {
        assert_eq!(q["@type"], "Question", "{q}");
        assert!(
            q["name"].as_str().is_some_and(|n| !n.trim().is_empty()),
            "{q}"
        );
        let answer = &q["acceptedAnswer"];
        assert_eq!(answer["@type"], "Answer", "{q}");
        let text = answer["text"].as_str().expect("Answer.text");
        for tag in tag_names(text) {
            assert!(
                [
                    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "ol", "ul", "li", "a", "b",
                    "strong", "i", "em", "div"
                ]
                .contains(&tag.as_str()),
                "<{tag}> is not allowed in an Answer's text: {text}"
            );
        }
    }
}

#[tokio::test]
async fn every_entry_offers_its_answer_as_plain_text() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    let created = app.create_entry_ok(&editor,
        json!({
            "page": "faq",
            "question": "Is there plain text?",
            "answer": "A **bold** claim with [a link](https://x.test/) &amp; `a < b`.\n\n- one\n- two\n\n![a picture](p.png)"
        }),
    )
    .await;
    assert_eq!(
        created["answer_text"],
        "A bold claim with a link & a < b.\none\ntwo"
    );

    let read = app.get_json(&paths::faq("is-there-plain-text")).await;
    assert_eq!(read["answer_text"], created["answer_text"]);
    let page = app.get_page("faq").await;
    assert_eq!(
        page["entries"][2]["answer_text"], page["entries"][2]["answer"],
        "a one-paragraph answer of plain words is its own text"
    );
    let list = app.get_json(&paths::faqs("page=faq&limit=1")).await;
    assert_eq!(
        list["items"][0]["answer_text"],
        "An organization capable of producing and delivering quality products without it being an event.\n\
         An organization with a culture of continuous improvement and sharing within teams."
    );
}

#[tokio::test]
async fn relative_links_and_images_resolve_against_the_public_base_url() {
    let app = spawn_app_with(with_base_url("https://example.com/site")).await;
    app.import_markdown(
        "**Where do I write?**\n\nUse [the form](contact/) or [mail](mailto:a@example.com), \
         see [docs](https://docs.example.org/x) and [below](#more).\n\n![Map](/images/map.png)\n",
        "faq",
        "en",
        None,
    )
    .await;

    let entry = app.get_json(&paths::faq("where-do-i-write")).await;
    let html = entry["answer_html"].as_str().unwrap();
    assert!(
        html.contains("href=\"https://example.com/site/contact/\""),
        "{html}"
    );
    assert!(
        html.contains("src=\"https://example.com/images/map.png\""),
        "{html}"
    );
    assert!(html.contains("href=\"mailto:a@example.com\""), "{html}");
    assert!(
        html.contains("href=\"https://docs.example.org/x\""),
        "{html}"
    );
    assert_eq!(
        entry["answer"],
        "Use [the form](contact/) or [mail](mailto:a@example.com), see [docs](https://docs.example.org/x) and [below](#more).\n\n![Map](/images/map.png)",
        "the Markdown source stays as written"
    );

    let doc: Value = app
        .get(&paths::page("faq/jsonld"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(doc["url"], "https://example.com/site/faq/");
    let text = doc["mainEntity"][0]["acceptedAnswer"]["text"]
        .as_str()
        .unwrap();
    assert!(
        text.contains("<a href=\"https://example.com/site/contact/\">the form</a>"),
        "{text}"
    );
    assert!(!text.contains("<img"), "{text}");

    let full = app.get("/llms-full.txt").await.text().await.unwrap();
    assert!(
        full.contains("[the form](https://example.com/site/contact/)"),
        "{full}"
    );
    assert!(
        full.contains("![Map](https://example.com/images/map.png)"),
        "{full}"
    );
    assert!(full.contains("[below](#more)"), "{full}");
    let index = app.get("/llms.txt").await.text().await.unwrap();
    assert!(
        index.contains("(https://example.com/site/faq/)"),
        "the page on the site: {index}"
    );
}

#[tokio::test]
async fn the_seed_page_as_json_ld_is_a_schema_org_faq_page_field_by_field() {
    let app = spawn_seeded_app().await;
    let page = app.get_page("faq").await;

    let res = app.get(&paths::page("faq/jsonld")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()[header::CONTENT_TYPE], "application/ld+json");
    assert_eq!(res.headers()[header::CONTENT_LANGUAGE], "en");
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"ld-en-1\"");
    assert!(
        res.headers()[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("public")
    );
    assert!(
        res.headers()[header::VARY]
            .to_str()
            .unwrap()
            .contains("Accept-Language")
    );
    let doc: Value = res.json().await.unwrap();

    assert_schema_org_faq_page(&doc);
    assert_eq!(doc["name"], "Manufacture | FAQ");
    assert_eq!(doc["description"], page["description"]);
    assert_eq!(doc["inLanguage"], "en");
    assert!(doc.get("url").is_none(), "no base URL, no url");
    let questions = doc["mainEntity"].as_array().unwrap();
    let entries = page["entries"].as_array().unwrap();
    assert_eq!(questions.len(), 18);
    for (q, e) in questions.iter().zip(entries) {
        assert_eq!(q["name"], e["question"], "in page order");
    }
    assert_eq!(
        questions[0]["acceptedAnswer"]["text"],
        "<p>An organization capable of producing and delivering quality products without it being an event.</p>\n\
         <p>An organization with a culture of continuous improvement and sharing within teams.</p>"
    );
    assert_eq!(
        questions[2]["acceptedAnswer"]["text"],
        format!("<p>{}</p>", entries[2]["answer"].as_str().unwrap())
    );

    let again = app
        .client
        .get(app.url(&paths::page("faq/jsonld")))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(
        app.get(&paths::page("faq/jsonld?lang=fr")).await.status(),
        404
    );
    assert_eq!(app.get(&paths::page("nope/jsonld")).await.status(), 404);
    assert_eq!(
        app.get(&paths::page("faq/jsonld?bogus=1")).await.status(),
        400
    );
}

#[tokio::test]
async fn an_answer_holding_a_script_end_tag_cannot_break_out_of_json_ld() {
    let app = spawn_seeded_app().await;
    let editor = app.editor().await;
    app.create_entry_ok(
        &editor,
        json!({
            "page": "faq",
            "question": "Is </script><script>alert(1)</script> safe?",
            "answer": "Text `</script><script>alert(2)</script>` & more <b>bold</b>."
        }),
    )
    .await;

    let body = app
        .get(&paths::page("faq/jsonld"))
        .await
        .text()
        .await
        .unwrap();
    for c in ['<', '>', '&'] {
        assert!(!body.contains(c), "{c} written as such in {body}");
    }
    assert!(
        body.contains("\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"),
        "{body}"
    );
    let doc: Value = serde_json::from_str(&body).unwrap();
    let last = doc["mainEntity"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["name"], "Is </script><script>alert(1)</script> safe?");
    let text = last["acceptedAnswer"]["text"].as_str().unwrap();
    assert_eq!(
        text,
        "<p>Text &lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt; &amp; more <b>bold</b>.</p>"
    );
}

/// A draft entry, a staged change and a draft page, next to the seed page.
async fn with_unpublished_content(app: &TestApp) {
    let editor = app.editor().await;
    app.create_entry_ok(&editor,
        json!({"page": "faq", "question": "Secret draft question?", "answer": "Draft answer.", "status": "draft"}),
    )
    .await;
    let res = send(
        app,
        Method::PATCH,
        &paths::faq("what-is-a-technical-coach?stage=true"),
        &editor,
        Some("*"),
        Some(json!({"question": "STAGED QUESTION?", "answer": "STAGED TEXT"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    app.import_markdown(
        "---\ntitle: Hidden page\ndraft: true\n---\n\n**Hidden question?**\n\nHidden answer.\n",
        "hidden",
        "en",
        None,
    )
    .await;
}

#[tokio::test]
async fn json_ld_shows_nothing_unpublished() {
    let app = spawn_seeded_app().await;
    with_unpublished_content(&app).await;

    let body = app
        .get(&paths::page("faq/jsonld"))
        .await
        .text()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(doc["mainEntity"].as_array().unwrap().len(), 18);
    for secret in ["Secret draft", "Draft answer", "STAGED"] {
        assert!(!body.contains(secret), "{secret} in {body}");
    }
    assert!(body.contains("What is a technical coach?"));
    assert_eq!(app.get(&paths::page("hidden/jsonld")).await.status(), 404);
    // Not even with a token: structured data is what readers see.
    let editor = app.preview().await;
    let res = app
        .with_token(Method::GET, &paths::page("faq/jsonld"), &editor)
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()[header::CACHE_CONTROL], "private, no-store");
    let text = res.text().await.unwrap();
    assert!(!text.contains("STAGED") && !text.contains("Secret draft"));
}

#[tokio::test]
async fn llms_txt_indexes_the_published_pages_with_links_to_their_markdown() {
    let mut settings = faqd::config::ServeSettings::for_tests();
    settings.site_name = "Manufacture".to_owned();
    let app = spawn_app_with(settings).await;
    app.import_file(&crate::helpers::seed_path(), None, None)
        .await;
    with_unpublished_content(&app).await;

    let res = app.get("/llms.txt").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "text/plain; charset=utf-8"
    );
    let etag = res.headers()[header::ETAG].to_str().unwrap().to_owned();
    assert!(res.headers().contains_key(header::LAST_MODIFIED));
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("# Manufacture\n\n> Frequently asked questions and their answers: 18 questions on 1 page, in en."),
        "{text}"
    );
    assert!(
        text.contains(
            "\n## Manufacture | FAQ\n\n- [Manufacture | FAQ](/api/v1/pages/faq/export?lang=en): Because technical coaching"
        ),
        "{text}"
    );
    assert_eq!(text.matches("\n## ").count(), 1, "one H2 per page: {text}");
    assert!(!text.contains("Hidden"), "{text}");

    let again = app
        .client
        .get(app.url("/llms.txt"))
        .header(header::IF_NONE_MATCH, &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // The linked Markdown is the page's export: published text only.
    let export = app
        .get(&paths::page("faq/export?lang=en"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!export.contains("STAGED") && !export.contains("Secret draft"));
    let full = app.get("/llms-full.txt").await;
    assert_eq!(full.status(), 200);
    assert!(full.headers().contains_key(header::ETAG));
    let full = full.text().await.unwrap();
    assert_eq!(full, format!("{}\n", export.trim_end()));
    for secret in ["Hidden", "STAGED", "Secret draft"] {
        assert!(!full.contains(secret), "{secret} in llms-full.txt");
    }
}
