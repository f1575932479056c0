//! Property tests over generated pages of every form the importer reads: the import finds
//! exactly the generated questions and answers, an unedited export is the file byte for byte,
//! an edited export reads back as the edit, and no input makes either panic.

use std::path::Path;

use faqd::content::export::{EntryText, PageSource, export};
use faqd::content::{ParsedPage, parse_file};
use proptest::prelude::*;

#[derive(Debug, Clone, Copy)]
enum Form {
    H2,
    H3Sections,
    Bold,
    Labelled,
    Quote,
    Definition,
    FaqShortcode,
    DetailsShortcode,
    FrontMatterList,
    YamlData,
    TomlData,
    JsonFrontMatter,
    TomlFrontMatter,
    JsonData,
    DetailsMarkdown,
    DetailsHtml,
    Accordion,
    BoldList,
    QuestionLineList,
    BareList,
    FaqGroupsFrontMatter,
}

const FORMS: [Form; 21] = [
    Form::H2,
    Form::H3Sections,
    Form::Bold,
    Form::Labelled,
    Form::Quote,
    Form::Definition,
    Form::FaqShortcode,
    Form::DetailsShortcode,
    Form::FrontMatterList,
    Form::YamlData,
    Form::TomlData,
    Form::JsonFrontMatter,
    Form::TomlFrontMatter,
    Form::JsonData,
    Form::DetailsMarkdown,
    Form::DetailsHtml,
    Form::Accordion,
    Form::BoldList,
    Form::QuestionLineList,
    Form::BareList,
    Form::FaqGroupsFrontMatter,
];

fn word() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "faqd",
        "coach",
        "équipe",
        "Straße",
        "naïve",
        "café",
        "teams",
        "support",
        "合作",
        "質問",
        "données",
        "прием",
        "free",
        "price",
        "refund",
        "ship",
        "order",
        "login",
        "API",
        "v2",
    ])
    .prop_map(str::to_owned)
}

fn question() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(word(), 1..6),
        prop::sample::select(vec!["?", "？"]),
    )
        .prop_map(|(words, mark)| {
            let mut q = words.join(" ");
            // Sentence case, as a question is written.
            if let Some(first) = q.get(..1) {
                let upper = first.to_uppercase();
                q.replace_range(..1, &upper);
            }
            q.push_str(mark);
            q
        })
}

fn paragraph() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(word(), 1..12),
        prop::sample::select(vec![
            "",
            " It is **bold**.",
            " Run `faqd seed`.",
            " See [the docs](https://example.com).",
        ]),
    )
        .prop_map(|(words, extra)| format!("{}.{extra}", words.join(" ")))
}

fn answer() -> impl Strategy<Value = String> {
    prop::collection::vec(paragraph(), 1..4).prop_map(|ps| ps.join("\n\n"))
}

fn entries() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec((question(), answer()), 1..7).prop_filter("distinct questions", |es| {
        let mut qs: Vec<&String> = es.iter().map(|(q, _)| q).collect();
        qs.sort();
        qs.dedup();
        qs.len() == es.len()
    })
}

fn json(s: &str) -> String {
    serde_json::to_string(s).expect("string")
}

/// A page file of `form` holding `entries`, its file name, and `crlf` line endings.
fn render(form: Form, entries: &[(String, String)], crlf: bool) -> (String, &'static str) {
    let mut out = String::new();
    let name = match form {
        Form::YamlData => "data/faq.yml",
        Form::TomlData => "data/faq.toml",
        Form::JsonData => "data/faq.json",
        _ => "faq.md",
    };
    let indent = |a: &str, pad: &str| {
        a.lines()
            .map(|l| {
                if l.is_empty() {
                    String::new()
                } else {
                    format!("{pad}{l}")
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    match form {
        Form::FrontMatterList => {
            out.push_str("---\ntitle: FAQ\nlayout: faq\nfaq:\n");
            for (q, a) in entries {
                out.push_str(&format!(
                    "  - question: {}\n    answer: |\n{}\n",
                    json(q),
                    indent(a, "      ")
                ));
            }
            out.push_str("---\n");
        }
        Form::FaqGroupsFrontMatter => {
            // `title`/`description` entries in groups below a FAQ key, on an article.
            out.push_str("---\ntitle: News\nfaq:\n  title: About it\n  intro: ''\n  faqgroups:\n    - heading: FAQ\n      faqs:\n");
            for (q, a) in entries {
                out.push_str(&format!(
                    "        - title: {}\n          description: {}\n",
                    json(q),
                    json(a)
                ));
            }
            out.push_str("url: /news\n---\n\nThe article.\n\n**A bold note.**\n");
        }
        Form::YamlData => {
            out.push_str("# FAQ\n- section: General\n  questions:\n");
            for (q, a) in entries {
                out.push_str(&format!(
                    "    - question: {}\n      answer: {}\n",
                    json(q),
                    json(a)
                ));
            }
        }
        Form::TomlData => {
            for (q, a) in entries {
                out.push_str(&format!(
                    "[[faq]]\nquestion = {}\nanswer = {}\n\n",
                    json(q),
                    json(a)
                ));
            }
        }
        Form::JsonFrontMatter => {
            // Short keys, nested in a titled section, in an article (no FAQ layout).
            out.push_str("{\n  \"title\": \"FAQ\",\n  \"faq\": [\n    {\n      \"title\": \"Billing\",\n      \"items\": [\n");
            let items: Vec<String> = entries
                .iter()
                .map(|(q, a)| {
                    format!(
                        "        {{\n          \"q\": {},\n          \"a\": {}\n        }}",
                        json(q),
                        json(a)
                    )
                })
                .collect();
            out.push_str(&items.join(",\n"));
            out.push_str("\n      ]\n    }\n  ]\n}\n\nAn article about billing.\n\n## Why bill?\n\nBecause.\n");
        }
        Form::TomlFrontMatter => {
            out.push_str("+++\ntitle = \"FAQ\"\n");
            for (q, a) in entries {
                out.push_str(&format!(
                    "\n[[faq]]\nname = {}\ntext = {}\n",
                    json(q),
                    json(a)
                ));
            }
            out.push_str("+++\n\nProse.\n");
        }
        Form::JsonData => {
            let items: Vec<String> = entries
                .iter()
                .map(|(q, a)| {
                    format!(
                        "\t{{\n\t\t\"question\": {},\n\t\t\"answer\": {}\n\t}}",
                        json(q),
                        json(a)
                    )
                })
                .collect();
            out.push_str(&format!("[\n{}\n]\n", items.join(",\n")));
        }
        Form::DetailsMarkdown | Form::DetailsHtml | Form::Accordion => {
            out.push_str("---\ntitle: FAQ\n---\n\nSome intro.\n\n");
            for (q, a) in entries {
                let item = match form {
                    Form::DetailsMarkdown => {
                        format!("<details>\n<summary>{q}</summary>\n\n{a}\n\n</details>\n")
                    }
                    Form::DetailsHtml => format!("<details><summary>{q}</summary>{a}</details>\n"),
                    _ => format!(
                        "<div class=\"accordion-item\">\n<h2 class=\"accordion-header\"><button class=\"accordion-button\" type=\"button\">{q}</button></h2>\n<div class=\"accordion-collapse collapse\"><div class=\"accordion-body\">\n\n{a}\n\n</div></div>\n</div>\n"
                    ),
                };
                out.push_str(&item);
                out.push('\n');
            }
        }
        Form::BoldList | Form::QuestionLineList | Form::BareList => {
            out.push_str("---\ntitle: FAQ\n---\n\nSome intro.\n\n");
            for (i, (q, a)) in entries.iter().enumerate() {
                let item = match form {
                    Form::BoldList => format!("{}. **{q}**\n\n{}\n\n", i + 1, indent(a, "   ")),
                    // A one-item list per question, its answer unindented after it.
                    Form::BareList => format!("{}.  **{q}**\n\n{a}\n\n", i + 1),
                    _ => format!("- {q}\n{}\n\n", indent(a, "  ")),
                };
                out.push_str(&item);
            }
        }
        _ => {
            out.push_str("---\ntitle: FAQ\n---\n\nSome intro.\n\n");
            if matches!(form, Form::H3Sections) {
                out.push_str("## General\n\n");
            }
            for (i, (q, a)) in entries.iter().enumerate() {
                let item = match form {
                    Form::H2 => format!("## {q}\n\n{a}\n"),
                    Form::H3Sections => format!("### {q}\n\n{a}\n"),
                    Form::Bold => format!("**{q}**\n\n{a}\n"),
                    Form::Labelled => format!("**Q:** {q}\n\n{a}\n"),
                    Form::Quote => format!("> {q}\n\n{a}\n"),
                    Form::Definition => format!("{q}\n: {}\n", indent(a, "  ").trim_start()),
                    Form::FaqShortcode => {
                        format!("{{{{< faq {} >}}}}\n{a}\n{{{{< /faq >}}}}\n", json(q))
                    }
                    Form::DetailsShortcode => {
                        format!(
                            "{{{{% details title={} closed=\"true\" %}}}}\n{a}\n{{{{% /details %}}}}\n",
                            json(q)
                        )
                    }
                    _ => unreachable!(),
                };
                out.push_str(&item);
                out.push_str(if i % 2 == 0 { "\n" } else { "\n---\n\n" });
            }
        }
    }
    if crlf {
        out = out.replace('\n', "\r\n");
    }
    (out, name)
}

fn parse(text: &str, name: &str) -> ParsedPage {
    match parse_file(Path::new(name), text, None) {
        Ok(page) => page,
        Err(e) => panic!("{e}\n{text}"),
    }
}

fn export_of(
    page: &ParsedPage,
    name: &str,
    texts: &[(String, String)],
    starts: &[Option<usize>],
) -> String {
    let entries: Vec<EntryText<'_>> = texts
        .iter()
        .zip(starts)
        .map(|((q, a), start)| EntryText {
            question: q,
            answer: a,
            section: None,
            question_start: *start,
        })
        .collect();
    export(
        &PageSource {
            source: Some(&page.source),
            path: Some(name),
            style: page.style,
            front_matter_raw: page.front_matter.as_ref().map(|fm| fm.raw.as_str()),
            title: page.title.as_deref().unwrap_or(""),
            intro: &page.intro,
        },
        &entries,
    )
}

/// CRLF in a Markdown answer is kept as written; compare answers by their lines.
fn lines(text: &str) -> String {
    text.replace("\r\n", "\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn import_finds_the_generated_entries_and_export_is_the_identity(
        form in prop::sample::select(FORMS.to_vec()),
        entries in entries(),
        crlf in any::<bool>(),
    ) {
        // One quoted question is a call-out, not a page of them.
        prop_assume!(!matches!(form, Form::Quote | Form::BareList) || entries.len() >= 2);
        let (text, name) = render(form, &entries, crlf);
        let page = parse(&text, name);
        let got: Vec<(String, String)> = page
            .entries
            .iter()
            .map(|e| (e.question.clone(), lines(&e.answer)))
            .collect();
        prop_assert_eq!(&got, &entries, "{:?}\n{}", form, text);

        let texts: Vec<(String, String)> =
            page.entries.iter().map(|e| (e.question.clone(), e.answer.clone())).collect();
        let starts: Vec<Option<usize>> =
            page.entries.iter().map(|e| Some(e.question_span.start)).collect();
        prop_assert_eq!(export_of(&page, name, &texts, &starts), text);
    }

    #[test]
    fn edits_read_back_as_written(
        form in prop::sample::select(FORMS.to_vec()),
        entries in entries(),
        new_answer in answer(),
        new_question in question(),
        crlf in any::<bool>(),
    ) {
        prop_assume!(!matches!(form, Form::Quote | Form::BareList) || entries.len() >= 2);
        let (text, name) = render(form, &entries, crlf);
        let page = parse(&text, name);
        let mut texts: Vec<(String, String)> =
            page.entries.iter().map(|e| (e.question.clone(), e.answer.clone())).collect();
        let mut starts: Vec<Option<usize>> =
            page.entries.iter().map(|e| Some(e.question_span.start)).collect();
        let target = texts.len() / 2;
        texts[target].1 = new_answer.clone();
        if !texts.iter().any(|(q, _)| *q == new_question) {
            texts.push((new_question, "Added.".to_owned()));
            starts.push(None);
        }
        let exported = export_of(&page, name, &texts, &starts);
        let again = parse(&exported, name);
        let got: Vec<(String, String)> = again
            .entries
            .iter()
            .map(|e| (e.question.clone(), lines(&e.answer)))
            .collect();
        let want: Vec<(String, String)> =
            texts.iter().map(|(q, a)| (q.clone(), lines(a))).collect();
        prop_assert_eq!(got, want, "{:?}\n{}", form, exported);
    }

    #[test]
    fn no_markup_soup_makes_the_importer_or_the_exporter_panic(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "**", "## ", "### ", "{{< faq \"", "\" >}}", "{{< /faq >}}", "{{% details title=\"",
            "\" %}}", "{{% /details %}}", "\n", "\r\n", "\n\n", "---\n", "+++\n", "> ", ": ",
            "Q: ", "**Q:** ", "- question: ", "  answer: |\n    ", "[[faq]]\nq = \"", "\"\na = \"",
            "é", "？", "?", "word ", "`", "```\n", "\u{200b}", "\t", "<a name=\"x\"></a>", "[x]({{< ref \"y\" >}})",
            "<details>", "<summary>", "</summary>", "</details>", "<div class=\"accordion-body\">",
            "<button class=\"faq-question\">", "</button>", "</div>", "<div class=\"faq-answer\">",
            "{\"faq\": [{\"q\": \"", "\", \"a\": \"", "\"}]}\n", "1. **", "- ", "   ", "<!--", "-->",
            "&amp;", "<p>", "</p>",
        ]), 0..80),
        forced in 0usize..14,
    ) {
        let text: String = tokens.concat();
        let style = ["bold", "h2", "h3", "quote", "definition", "shortcode", "front-matter", "data", "list", "details"]
            .get(forced)
            .and_then(|s| s.parse().ok());
        for name in ["faq.md", "data/faq.yml", "data/faq.toml", "data/faq.json"] {
            if let Ok(page) = parse_file(Path::new(name), &text, style) {
                let mut texts: Vec<(String, String)> = page
                    .entries
                    .iter()
                    .map(|e| (format!("{} \"edited\" #", e.question), format!("{}\n\n> more `x`", e.answer)))
                    .collect();
                let mut starts: Vec<Option<usize>> =
                    page.entries.iter().map(|e| Some(e.question_span.start)).collect();
                texts.push(("New?".to_owned(), "New.".to_owned()));
                starts.push(None);
                texts.reverse();
                starts.reverse();
                let _ = export_of(&page, name, &texts, &starts);
            }
        }
    }

    #[test]
    fn no_html_or_json_soup_makes_the_new_readers_panic_or_hang(
        tokens in prop::collection::vec(prop::sample::select(vec![
            "<details>", "<details open>", "</details>", "<summary>", "</summary>", "Why?", "Yes.",
            "<div class=\"accordion-item\">", "<div class=\"accordion-body\">", "<div class=\"collapse\">",
            "<div class=\"card-header\">", "<button>", "</button>", "<h3 class=\"faq-question\">", "</h3>",
            "<div class=\"faq-answer\">", "</div>", "<p>", "</p>", "<br>", "<!--", "-->", "<a href=\"",
            "\"", "'", ">", "<", "&amp;", "&#x1F600;", "&#xD800;", "\n", "\n\n", "    ", "```\n", "`",
            "{", "}", "[", "]", "\"q\": ", "\"a\": ", ",", "\\u00e9", "\\ud83d", "1. **", "**", "- ",
        ]), 0..200),
        json_front in any::<bool>(),
    ) {
        let mut text: String = tokens.concat();
        if json_front {
            text.insert_str(0, "{\"faq\": [");
        }
        let started = std::time::Instant::now();
        for style in [None, "details".parse().ok(), "list".parse().ok(), "front-matter".parse().ok()] {
            if let Ok(page) = parse_file(Path::new("faq.md"), &text, style) {
                let texts: Vec<(String, String)> = page
                    .entries
                    .iter()
                    .map(|e| (format!("{} <b>&", e.question), format!("{}\n\n</details> </div>", e.answer)))
                    .collect();
                let starts: Vec<Option<usize>> =
                    page.entries.iter().map(|e| Some(e.question_span.start)).collect();
                let _ = export_of(&page, "faq.md", &texts, &starts);
            }
        }
        let _ = parse_file(Path::new("data/faq.json"), &text, None);
        prop_assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn no_input_makes_the_importer_or_the_exporter_panic(text in ".{0,400}", forced in 0usize..12) {
        let style = ["bold", "h2", "h3", "quote", "definition", "shortcode", "front-matter", "data"]
            .get(forced)
            .and_then(|s| s.parse().ok());
        for name in ["faq.md", "data/faq.yml", "data/faq.toml"] {
            if let Ok(page) = parse_file(Path::new(name), &text, style) {
                let texts: Vec<(String, String)> = page
                    .entries
                    .iter()
                    .map(|e| (format!("{}!", e.question), format!("{}\n\nmore", e.answer)))
                    .collect();
                let starts: Vec<Option<usize>> =
                    page.entries.iter().map(|e| Some(e.question_span.start)).collect();
                let _ = export_of(&page, name, &texts, &starts);
            }
        }
    }
}

/// Hostile inputs for the new readers: each is refused with a clear message, or read, within a
/// second, never a panic.
#[test]
fn hostile_input_is_refused_clearly_in_bounded_time() {
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "deep HTML",
            format!("# FAQ\n\n{}\n", "<div>".repeat(200_000)),
            Some("nested deeper than"),
        ),
        (
            "unclosed details",
            "Intro.\n\n<details>\n<summary>Is it open?</summary>\n\nForever.\n".to_owned(),
            Some("never closed"),
        ),
        (
            "huge attribute",
            format!(
                "<details class=\"{}\"><summary>Q?</summary>A</details>\n",
                "x".repeat(2 << 20)
            ),
            Some("longer than"),
        ),
        (
            "deep JSON front matter",
            format!(
                "{{\"faq\": {}{}}}\n\nBody.\n",
                "[".repeat(200_000),
                "]".repeat(200_000)
            ),
            Some("nested deeper than"),
        ),
        (
            "unclosed JSON front matter",
            format!(
                "{{\"title\": \"x\", \"faq\": [{}\n",
                "{\"q\": \"a\"},".repeat(50_000)
            ),
            Some("invalid JSON"),
        ),
        (
            "deep lists",
            format!(
                "{}\n",
                (0..1_000)
                    .map(|i| format!("{}- Why?\n", "  ".repeat(i)))
                    .collect::<String>()
            ),
            None,
        ),
        (
            "many details",
            "<details><summary>Why?</summary>Because.</details>\n\n".repeat(20_000),
            None,
        ),
    ];
    for (what, text, refusal) in cases {
        let started = std::time::Instant::now();
        let result = parse_file(Path::new("faq.md"), &text, None);
        let elapsed = started.elapsed();
        eprintln!("{what}: {} KiB in {elapsed:?}", text.len() / 1024);
        assert!(
            elapsed < std::time::Duration::from_secs(5),
            "{what}: {elapsed:?}"
        );
        match (result, refusal) {
            (Err(e), Some(message)) => {
                assert!(e.to_string().contains(message), "{what}: {e}")
            }
            (Ok(_), Some(message)) => panic!("{what}: read, expected `{message}`"),
            (_, None) => {}
        }
    }
    // Invalid UTF-8 never reaches the importer: the file readers refuse it by its offset.
    let bytes = b"<details><summary>Q?</summary>\xff\xfe</details>\n".to_vec();
    let err = String::from_utf8(bytes).expect_err("not UTF-8");
    assert_eq!(err.utf8_error().valid_up_to(), 30);
}

/// An answer that came from raw HTML is sanitised like any other: nothing executable survives.
#[test]
fn a_raw_html_answer_is_sanitised_like_any_other() {
    let text = "<details>\n<summary>Is it safe?</summary>\n<p>Yes.</p><script>alert(1)</script><img src=x onerror=\"alert(2)\"><a href=\"javascript:alert(3)\">x</a>\n</details>\n";
    let page = parse(text, "faq.md");
    assert_eq!(page.entries.len(), 1);
    assert!(page.entries[0].answer.contains("<script>"));
    let html = faqd::content::render_answer(&page.entries[0].answer);
    for bad in ["<script", "onerror", "javascript:", "alert(1)"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("<p>Yes.</p>"), "{html}");
}

/// The rule for articles: a front-matter FAQ list is the page's FAQ when the body is an
/// article; a page that says it is a FAQ (`layout`/`type`) reads its body's questions too;
/// `questions=` overrides either way.
#[test]
fn a_front_matter_list_on_an_article_is_the_faq_alone() {
    let article = "---\ntitle: Billing explained\nfaq:\n  - question: Can I pay later?\n    answer: Yes.\n  - question: Refunds?\n    answer: No.\n---\n\nIntro.\n\n## Why do we bill?\n\nProse.\n\n## How it works\n\nMore prose.\n\n## What is next?\n\nThe end.\n";
    let questions = |page: &ParsedPage| -> Vec<String> {
        page.entries.iter().map(|e| e.question.clone()).collect()
    };
    let page = parse(article, "post.md");
    assert_eq!(questions(&page), ["Can I pay later?", "Refunds?"]);
    assert_eq!(page.form, "front-matter");
    let seen: Vec<(&str, usize)> = page
        .forms
        .iter()
        .map(|f| (f.form.as_str(), f.count))
        .collect();
    assert_eq!(seen, [("h2", 2), ("front-matter", 2)]);
    assert_eq!(page.intro.lines().next(), Some("Intro."));

    let faq_page = article.replace("title: Billing explained", "title: FAQ\nlayout: faq");
    let page = parse(&faq_page, "faq.md");
    assert_eq!(
        questions(&page),
        [
            "Can I pay later?",
            "Refunds?",
            "Why do we bill?",
            "How it works",
            "What is next?"
        ]
    );
    assert_eq!(page.form, "h2");

    let forced = parse_file(Path::new("post.md"), article, "h2".parse().ok()).expect("h2");
    assert_eq!(questions(&forced).len(), 5);
}
