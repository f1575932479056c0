use super::*;
use std::ops::Range;

mod articles;
mod groups;
mod labels;

const SEED: &str = include_str!("../../../seed/faq.md");

fn parse(source: &str) -> ParsedPage {
    match parse_page(source, None) {
        Ok(page) => page,
        Err(e) => panic!("unexpected error: {e}"),
    }
}

fn parse_err(source: &str, forced: Option<QuestionStyle>) -> ImportError {
    match parse_page(source, forced) {
        Ok(page) => panic!("expected an error, got {page:#?}"),
        Err(e) => e,
    }
}

fn questions(page: &ParsedPage) -> Vec<&str> {
    page.entries.iter().map(|e| e.question.as_str()).collect()
}

/// Every span holds its text, spans come in order without overlapping, and the file is
/// exactly the spans plus the gaps between them. Returns the gaps.
fn assert_spans_rebuild_source(page: &ParsedPage) -> Vec<String> {
    let source = page.source.as_str();
    let fm_len = page.front_matter.as_ref().map_or(0, |fm| fm.raw.len());
    if let Some(fm) = &page.front_matter {
        assert_eq!(&source[..fm_len], fm.raw);
    }
    assert_eq!(&source[page.intro_span.clone()], page.intro);
    let mut pieces: Vec<Range<usize>> = vec![0..fm_len, page.intro_span.clone()];
    let mut items: Vec<Range<usize>> = Vec::new();
    for section in &page.sections {
        assert_eq!(&source[section.intro_span.clone()], section.intro);
        items.push(section.span.clone());
        items.push(section.intro_span.clone());
    }
    for entry in &page.entries {
        assert_eq!(&source[entry.answer_span.clone()], entry.answer);
        items.push(entry.question_span.clone());
        items.push(entry.answer_span.clone());
    }
    items.sort_by_key(|r| (r.start, r.end));
    pieces.extend(items);

    let mut rebuilt = String::new();
    let mut gaps = Vec::new();
    let mut pos = 0;
    for piece in pieces {
        assert!(piece.start >= pos, "overlapping span {piece:?} at {pos}");
        let gap = &source[pos..piece.start];
        gaps.push(gap.to_owned());
        rebuilt.push_str(gap);
        rebuilt.push_str(&source[piece.clone()]);
        pos = piece.end;
    }
    let tail = &source[pos..];
    gaps.push(tail.to_owned());
    rebuilt.push_str(tail);
    assert_eq!(rebuilt, source);
    gaps
}

#[test]
fn seed_gives_its_18_questions_in_order() {
    let page = parse(SEED);
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(page.entries.len(), 18);
    let questions = questions(&page);
    assert_eq!(questions[0], "What is an efficient agile organization?");
    assert_eq!(questions[2], "What is a technical coach?");
    assert_eq!(
        questions[17],
        "I am seeing a slowdown in the performance of my teams, is this normal?"
    );
    assert!(page.entries.iter().all(|e| e.section.is_none()));
    assert!(page.sections.is_empty());
    assert_eq!(page.intro, "");
    let body_start = page.front_matter.as_ref().map(|fm| fm.raw.len());
    assert_eq!(Some(page.intro_span.start), body_start);
    assert!(page.intro_span.is_empty());
}

#[test]
fn seed_front_matter_fields() {
    let page = parse(SEED);
    assert_eq!(page.title.as_deref(), Some("Manufacture | FAQ"));
    assert!(
        page.description
            .as_deref()
            .is_some_and(|d| d.starts_with("Because technical coaching"))
    );
    assert!(!page.draft);
    assert_eq!(page.lang, None);
    let fm = page.front_matter.as_ref().expect("front matter");
    assert_eq!(fm.format, crate::content::FrontMatterFormat::Yaml);
    assert_eq!(fm.value["button"]["label"], "Let's discuss it");
    assert_eq!(fm.value["image"], "images/faq.png");
    assert!(fm.raw.starts_with("---\ntitle:") && fm.raw.ends_with("\n---\n"));
}

#[test]
fn seed_answers_are_verbatim() {
    let page = parse(SEED);
    let e = &page.entries;
    assert_eq!(
        e[0].answer,
        "An organization capable of producing and delivering quality products without it being an event.\n\nAn organization with a culture of continuous improvement and sharing within teams."
    );
    assert_eq!(
        e[3].answer,
        "Both are involved in teams but the difference can be appreciated in the scope of action.\n\n\
             The agile coach is involved in the organization of the team's work and therefore will work on the team's culture (agile)\n\n\
             The technical coach will act on work practices (code, pipeline) and team culture (craft and devops)\n\n\
             The 2 are complementary, but in general, the technical coach intervenes after the intervention of the agile coach, once it becomes necessary to put the focus back on people and work practices when the work organization is resolved."
    );
    let key = e
        .iter()
        .find(|e| e.question == "What are the key success factors of technical coaching?")
        .expect("key success factors");
    assert_eq!(
        key.answer,
        "1. Relays of trust within the team.\n\n\
             2. Sharing what has been learned to demonstrate the value of new practices.\n\n\
             3. The factual measure:\n\n  \
             - The sustainability of coaching (learning and mastery of practices by teams, autonomy, etc.).\n\n  \
             - Impacts on the team's delivery capacity and on its performance."
    );
    let slowdown = &e[17];
    assert!(slowdown.answer.starts_with(
        "Learning new practices is far from linear.\nThe euphoria of the start can run out of steam"
    ));
    assert!(
        slowdown
            .answer
            .contains("\"learning trough\".\nIt is manifested")
    );
    assert!(
        slowdown
            .answer
            .ends_with("significantly exceed their previous level!")
    );
}

#[test]
fn seed_spans_rebuild_the_file_byte_for_byte() {
    let page = parse(SEED);
    for entry in &page.entries {
        assert_eq!(
            &page.source[entry.question_span.clone()],
            format!("**{}**", entry.question)
        );
    }
    let gaps = assert_spans_rebuild_source(&page);
    // Everything but whitespace belongs to some piece.
    assert!(gaps.iter().all(|g| g.trim().is_empty()), "{gaps:?}");
    assert_eq!(page.source, SEED);
}

#[test]
fn an_edited_answer_changes_only_its_own_bytes() {
    let page = parse(SEED);
    let target = &page.entries[2];
    let mut edited = page.source.clone();
    edited.replace_range(
        target.answer_span.clone(),
        "A new answer.\n\nIn two paragraphs.",
    );
    let again = parse(&edited);
    assert_eq!(again.entries.len(), 18);
    for (i, (a, b)) in page.entries.iter().zip(&again.entries).enumerate() {
        assert_eq!(a.question, b.question);
        if i == 2 {
            assert_eq!(b.answer, "A new answer.\n\nIn two paragraphs.");
        } else {
            assert_eq!(a.answer, b.answer);
        }
    }
}

#[test]
fn crlf_file_gives_the_same_entries_with_crlf_kept() {
    let lf = parse(SEED);
    let crlf_source = SEED.replace('\n', "\r\n");
    let crlf = parse(&crlf_source);
    assert_eq!(crlf.source, crlf_source);
    assert_eq!(crlf.entries.len(), 18);
    assert_eq!(
        crlf.front_matter.as_ref().map(|fm| &fm.value),
        lf.front_matter.as_ref().map(|fm| &fm.value)
    );
    assert!(
        crlf.front_matter
            .as_ref()
            .is_some_and(|fm| fm.raw.ends_with("\r\n---\r\n"))
    );
    for (a, b) in lf.entries.iter().zip(&crlf.entries) {
        assert_eq!(a.question, b.question);
        assert_eq!(a.answer.replace('\n', "\r\n"), b.answer);
        assert!(!b.answer.ends_with(['\r', '\n']));
    }
    assert!(
        crlf.entries[0]
            .answer
            .contains("event.\r\n\r\nAn organization")
    );
    let gaps = assert_spans_rebuild_source(&crlf);
    assert!(gaps.iter().all(|g| g.trim().is_empty()));
}

#[test]
fn byte_order_mark_is_dropped() {
    let page = parse(&format!("\u{feff}{SEED}"));
    assert_eq!(page.source, SEED);
    assert_eq!(page.entries.len(), 18);
    assert!(page.front_matter.is_some());
}

const SHIPPING: &str = "\
---
title: Help
language: fr-CA
draft: true
---
Welcome to our **help** page.

It answers common questions.

# Shipping

## How long does *delivery* take?

Three to five days.

### Details

Express delivery takes one day.

## Returns policy

You can return items within 30 days.

**For women under 35:**

A special offer applies.

- **Is this a question?**

# Payments

## Which cards do you accept?
We accept `Visa` and Mastercard.

> ## Quoted heading?
>
> Still the answer.
";

#[test]
fn heading_style_with_sections_statements_and_subheadings() {
    let page = parse(SHIPPING);
    assert_eq!(page.style, QuestionStyle::Heading(2));
    assert_eq!(
        questions(&page),
        [
            "How long does delivery take?",
            "Returns policy",
            "Which cards do you accept?"
        ]
    );
    let sections: Vec<_> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(
        sections,
        [Some("Shipping"), Some("Shipping"), Some("Payments")]
    );
    assert_eq!(
        page.entries[0].answer,
        "Three to five days.\n\n### Details\n\nExpress delivery takes one day."
    );
    assert_eq!(
        page.entries[1].answer,
        "You can return items within 30 days.\n\n**For women under 35:**\n\nA special offer applies.\n\n- **Is this a question?**"
    );
    assert_eq!(
        page.entries[2].answer,
        "We accept `Visa` and Mastercard.\n\n> ## Quoted heading?\n>\n> Still the answer."
    );
    assert_eq!(
        &page.source[page.entries[0].question_span.clone()],
        "## How long does *delivery* take?"
    );
    assert_eq!(
        page.intro,
        "Welcome to our **help** page.\n\nIt answers common questions."
    );
    assert_eq!(page.sections.len(), 2);
    assert_eq!(page.sections[0].title, "Shipping");
    assert_eq!(page.sections[0].level, 1);
    assert_eq!(&page.source[page.sections[1].span.clone()], "# Payments");
    assert_eq!(page.title.as_deref(), Some("Help"));
    assert_eq!(page.lang.as_deref(), Some("fr-CA"));
    assert!(page.draft);
    let gaps = assert_spans_rebuild_source(&page);
    assert!(gaps.iter().all(|g| g.trim().is_empty()), "{gaps:?}");
}

#[test]
fn heading_style_in_crlf_with_setext_and_closing_hashes() {
    let source = "Intro line\r\n\r\nWhat is A?\r\n==========\r\n\r\nA is a letter.  \r\n\r\n# What is B? ##\r\nB too.\r\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Heading(1));
    assert_eq!(questions(&page), ["What is A?", "What is B?"]);
    assert_eq!(
        &source[page.entries[0].question_span.clone()],
        "What is A?\r\n=========="
    );
    assert_eq!(
        &source[page.entries[1].question_span.clone()],
        "# What is B? ##"
    );
    assert_eq!(page.entries[0].answer, "A is a letter.");
    assert_eq!(page.entries[1].answer, "B too.");
    assert_eq!(page.intro, "Intro line");
    assert_eq!(page.intro_span, 0..10);
    assert_spans_rebuild_source(&page);
}

#[test]
fn bold_style_takes_headings_as_sections_and_any_bold_paragraph() {
    let source = "Intro.\n\n## General\n\n**What is it?**\n\nA thing.\n\n__Pricing__\n\nFree.\n\n## *Other* topics\n\n  **Still here?**\n\n    indented code answer\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(questions(&page), ["What is it?", "Pricing", "Still here?"]);
    let sections: Vec<_> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(
        sections,
        [Some("General"), Some("General"), Some("Other topics")]
    );
    // The first line keeps its indentation.
    assert_eq!(page.entries[2].answer, "    indented code answer");
    assert_eq!(
        &source[page.entries[2].question_span.clone()],
        "**Still here?**"
    );
    assert_eq!(page.intro, "Intro.");
    assert_spans_rebuild_source(&page);
}

#[test]
fn partly_bold_paragraphs_are_not_questions() {
    let source = "**What is it?** A thing.\n\n**Really?**\nYes.\n\nText with **bold?**\n\n**Only one?**\n\nYes.\n";
    let page = parse(source);
    assert_eq!(questions(&page), ["Only one?"]);
    assert_eq!(
        page.intro,
        "**What is it?** A thing.\n\n**Really?**\nYes.\n\nText with **bold?**"
    );
}

#[test]
fn nested_emphasis_multiline_and_code_in_bold_questions() {
    let source = "***Why `x`?***\n\nBecause.\n\n**What about\nline breaks?**\n\nFine.\n\n**[Linked?](https://example.com)**\n\nOk.\n";
    let page = parse(source);
    assert_eq!(
        questions(&page),
        ["Why x?", "What about line breaks?", "Linked?"]
    );
    assert_eq!(page.entries[1].answer, "Fine.");
}

#[test]
fn more_bold_questions_than_question_headings_means_bold() {
    let source = "# Any questions?\n\n**One?**\n\nA.\n\n**Two?**\n\nB.\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(questions(&page), ["One?", "Two?"]);
    assert_eq!(page.entries[0].section.as_deref(), Some("Any questions?"));
}

#[test]
fn question_level_is_the_level_with_most_question_headings() {
    let source = "# FAQ?\n\n## Topic\n\n### One?\n\nA.\n\n### Two?\n\nB.\n\n#### Deeper?\n\nC.\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Heading(3));
    assert_eq!(questions(&page), ["One?", "Two?"]);
    assert_eq!(page.entries[0].section.as_deref(), Some("Topic"));
    assert_eq!(page.entries[1].answer, "B.\n\n#### Deeper?\n\nC.");
    assert_eq!(page.sections.len(), 2);
}

#[test]
fn fullwidth_and_quoted_question_marks_count() {
    let page = parse("## 配送には何日かかりますか？\n\n三日です。\n\n## Is it \"free?\"\n\nYes.\n");
    assert_eq!(page.style, QuestionStyle::Heading(2));
    assert_eq!(page.entries.len(), 2);
    assert_eq!(page.entries[0].answer, "三日です。");
}

#[test]
fn forced_style_overrides_the_choice() {
    let page = match parse_page(SHIPPING, Some(QuestionStyle::Heading(1))) {
        Ok(page) => page,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(page.style, QuestionStyle::Heading(1));
    assert_eq!(questions(&page), ["Shipping", "Payments"]);
    assert!(
        page.entries[0]
            .answer
            .starts_with("## How long does *delivery* take?")
    );

    let page = match parse_page(SHIPPING, Some(QuestionStyle::Bold)) {
        Ok(page) => page,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(questions(&page), ["For women under 35:"]);
    assert_eq!(page.entries[0].section.as_deref(), Some("Returns policy"));

    let err = parse_err(SEED, Some(QuestionStyle::Heading(2)));
    assert!(matches!(
        err,
        ImportError::NoQuestionsInStyle(QuestionStyle::Heading(2))
    ));
    let message = err.to_string();
    assert!(
        message.contains("--questions h2") && message.contains("`## …`"),
        "{message}"
    );
    let err = parse_err(SEED, Some(QuestionStyle::Heading(9)));
    assert!(err.to_string().contains("from 1 to 6"), "{err}");
}

#[test]
fn a_file_without_questions_is_refused() {
    for source in [
        "",
        "\n\n",
        "---\ntitle: x\n---\n",
        "# FAQ\n\nSome text.\n\n## About us\n\nMore text.\n",
        "- **In a list?**\n\n> **In a quote?**\n",
        "Plain *text* only.\n",
        "## \n\nEmpty heading.\n",
    ] {
        let err = parse_err(source, None);
        assert!(
            matches!(err, ImportError::NoQuestions),
            "{source:?}: {err:?}"
        );
    }
    let message = ImportError::NoQuestions.to_string();
    assert!(message.starts_with("no question found"));
    assert!(message.contains("**") && message.contains("## ") && message.contains("--questions"));
    assert!(matches!(
        parse_err("Just text\n", Some(QuestionStyle::Bold)),
        ImportError::NoQuestionsInStyle(QuestionStyle::Bold)
    ));
}

#[test]
fn front_matter_errors_surface() {
    let err = parse_err("---\ntitle: x\n**Q?**\n\nA.\n", None);
    assert!(matches!(err, ImportError::FrontMatter(_)));
    assert!(err.to_string().contains("never closed"));
    let err = parse_err("---\ntitle: [\n---\n**Q?**\n", None);
    assert!(
        err.to_string()
            .starts_with("invalid front matter: YAML syntax error"),
        "{err}"
    );
}

#[test]
fn toml_and_no_front_matter() {
    let page =
        parse("+++\ntitle = \"T\"\nlang = \"de\"\ndraft = true\n+++\n\n**Frage?**\n\nAntwort.");
    assert_eq!(page.title.as_deref(), Some("T"));
    assert_eq!(page.lang.as_deref(), Some("de"));
    assert!(page.draft);
    assert_eq!(page.entries[0].answer, "Antwort.");
    assert_eq!(page.intro_span, 45..45);
    assert_spans_rebuild_source(&page);

    let page = parse("**Q?**\n\nA.\n");
    assert!(page.front_matter.is_none());
    assert_eq!(page.title, None);
    assert_eq!(page.intro_span, 0..0);
    assert_eq!(page.entries[0].question_span, 0..6);
    assert_eq!(page.entries[0].answer_span, 8..10);
}

#[test]
fn thematic_breaks_between_entries_stay_out_of_answers() {
    let source = "Intro.\n\n***\n\n**A?**\n\nOne.\n\n---\n\n**B?**\n\nTwo.\n\n- - -\n\n___\n\n**C?**\n\n---\n\n**D?**\n\nText\n\n---\n\nmore.\n\n* * *\n";
    let page = parse(source);
    assert_eq!(page.intro, "Intro.");
    let answers: Vec<_> = page.entries.iter().map(|e| e.answer.as_str()).collect();
    assert_eq!(answers, ["One.", "Two.", "", "Text\n\n---\n\nmore."]);
    assert_eq!(
        page.entries[2].answer_span,
        page.entries[2].question_span.end..page.entries[2].question_span.end
    );
    let gaps = assert_spans_rebuild_source(&page);
    assert_eq!(
        gaps.iter().filter(|g| g.contains("---")).count(),
        2,
        "{gaps:?}"
    );
    // A setext underline is a heading, not a break: here a section.
    let page = parse("**A?**\n\nOne\n---\n\n**B?**\n\nTwo.\n");
    assert_eq!(page.entries[0].answer, "");
    assert_eq!(page.entries[1].section.as_deref(), Some("One"));
}

#[test]
fn empty_answer_is_an_empty_span_after_the_question() {
    let page = parse("**A?**\n\n**B?**\n\nB.\n");
    assert_eq!(page.entries[0].answer, "");
    assert_eq!(page.entries[0].answer_span, 6..6);
    assert_eq!(page.entries[1].answer, "B.");
    assert_spans_rebuild_source(&page);
}

#[test]
fn non_ascii_text_and_odd_input_never_panic() {
    let inputs = [
        "é**é?**é\n\n**ß?**\n\n—\n",
        "\u{feff}",
        "---",
        "+++\r\n",
        "---\r\n---",
        "**?**",
        "# ?\n## ?\n### ?",
        "\r\n\r\n**Q?**\r\n\r\n  \r\n",
        "<div>\n**Q?**\n</div>\n\n**R?**\n",
        "**Q?**\n\n[ref]: https://example.com\n",
        "| a | b |\n|---|---|\n| **x?** | y |\n\n**Z?**\n",
    ];
    for input in inputs {
        let _ = parse_page(input, None);
        for style in [
            QuestionStyle::Bold,
            QuestionStyle::Heading(0),
            QuestionStyle::Heading(6),
        ] {
            let _ = parse_page(input, Some(style));
        }
    }
    let page = parse("\r\n\r\n**Q?**\r\n\r\n  \r\n");
    assert_eq!(page.entries[0].answer, "");
    assert_spans_rebuild_source(&page);
    let page = parse("<div>\n**Q?**\n</div>\n\n**R?**\n");
    assert_eq!(questions(&page), ["R?"]);
    assert_eq!(page.intro, "<div>\n**Q?**\n</div>");
}

#[test]
fn question_style_text_forms() {
    for (text, style) in [
        ("bold", QuestionStyle::Bold),
        ("h1", QuestionStyle::Heading(1)),
        ("h2", QuestionStyle::Heading(2)),
        ("h6", QuestionStyle::Heading(6)),
    ] {
        assert_eq!(text.parse::<QuestionStyle>(), Ok(style));
        assert_eq!(style.to_string(), text);
        assert_eq!(
            serde_json::to_value(style).ok(),
            Some(serde_json::json!(text))
        );
        let back: Result<QuestionStyle, _> = serde_json::from_value(serde_json::json!(text));
        assert_eq!(back.ok(), Some(style));
    }
    assert_eq!("H3".parse::<QuestionStyle>(), Ok(QuestionStyle::Heading(3)));
    for bad in ["h0", "h7", "heading", "", "italic"] {
        assert!(bad.parse::<QuestionStyle>().is_err(), "{bad}");
    }
    assert!(serde_json::from_value::<QuestionStyle>(serde_json::json!("h9")).is_err());
}

#[test]
fn real_world_forms_the_corpus_lacks() {
    // A shortcode whose question is its first heading, with an odd closing.
    let page = parse(
        "{{< faq >}}\n### Is it free?\n\nYes.\n{{< /faq  >}}\n\n{{< faq >}}\n### And later?\nStill.\n{{</ faq >}}\n",
    );
    assert_eq!(page.style, QuestionStyle::Shortcode);
    assert_eq!(questions(&page), ["Is it free?", "And later?"]);
    assert_eq!(page.entries[1].answer, "Still.");

    // An anchor inside a bold question, a zero-width space after one, and a label.
    let page = parse(
        "**<a name=\"q1\"></a>How do I start?**\n\nRun it.\n\n**Why?**\u{200b}\n\nBecause.\n\n**For women under 35:**\n\nAn offer.\n",
    );
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(questions(&page), ["How do I start?", "Why?"]);
    assert!(page.entries[1].answer.contains("**For women under 35:**"));

    // `#### Q:` headings without a question mark, answered by `**A**:`.
    let page =
        parse("#### Q: Supported boards\n**A**: All of them.\n\n#### Q: Price\n**A**: Free.\n");
    assert_eq!(page.style, QuestionStyle::Heading(4));
    assert_eq!(questions(&page), ["Supported boards", "Price"]);
    assert_eq!(page.entries[0].label.as_deref(), Some("Q:"));
    assert_eq!(page.entries[1].answer, "**A**: Free.");

    // A front matter list with an empty body.
    let page = parse(
        "---\nlayout: faq\nfaq:\n  - question: One?\n    answer: Yes.\n  - question: Two?\n    answer: |\n      No.\n---\n",
    );
    assert_eq!(page.style, QuestionStyle::FrontMatter);
    assert_eq!(questions(&page), ["One?", "Two?"]);
    assert_eq!(page.entries[1].answer, "No.");

    // Definition lists and quoted questions.
    let page = parse("Why?\n: Because.\n\n  More.\n\nHow?\n: Like this.\n");
    assert_eq!(page.style, QuestionStyle::Definition);
    assert_eq!(page.entries[0].answer, "Because.\n\nMore.");
    let page = parse("> Why?\n\nBecause.\n\n> How?\n\nLike this.\n");
    assert_eq!(page.style, QuestionStyle::Quote);
    assert_eq!(questions(&page), ["Why?", "How?"]);
}

#[test]
fn hugo_reads_draft_loosely() {
    for (value, draft) in [
        ("true", true),
        ("\"true\"", true),
        ("1", true),
        ("yes", true),
        ("false", false),
        ("0", false),
        ("\"\"", false),
    ] {
        let page = parse(&format!("---\ndraft: {value}\n---\n**Q?**\n\nA.\n"));
        assert_eq!(page.draft, draft, "draft: {value}");
        let page = parse(&format!("---\nDraft: {value}\n---\n**Q?**\n\nA.\n"));
        assert_eq!(page.draft, draft, "Draft: {value}");
    }
}

#[test]
fn bare_list_questions_take_the_blocks_after_them_as_answers() {
    let source = "Intro.\n\n1.  **Why vegan?**\n\nBecause.\n\nMore.\n\n2.  **But protein.**\n\nBeans.\n\n3.  **Last?**\n";
    let page = parse(source);
    assert_eq!(page.form, "list");
    assert_eq!(questions(&page), ["Why vegan?", "But protein.", "Last?"]);
    let answers: Vec<&str> = page.entries.iter().map(|e| e.answer.as_str()).collect();
    assert_eq!(answers, ["Because.\n\nMore.", "Beans.", ""]);
    assert_eq!(page.intro, "Intro.");
    assert_spans_rebuild_source(&page);
    // One bare question is not a FAQ, nor are questions with nothing after them.
    assert!(parse_page("1. **Why?**\n\nBecause.\n", None).is_err());
    assert!(parse_page("- **Why?**\n\n* **How?**\n", None).is_err());
}

#[test]
fn a_description_answers_only_in_a_list_below_a_faq_key() {
    let source = "---\ntitle: Article\nfeatures:\n  - title: Fast\n    description: Very.\nfaq:\n  title: Endgame\n  intro: ''\n  faqgroups:\n    - heading: FAQ Endgame\n      faqs:\n        - title: Is this scam?\n          description: No.\n        - title: Legal?\n          description: |-\n            Yes.\n---\n\nThe article.\n\n**A bold note.**\n";
    let page = parse(source);
    assert_eq!(page.form, "front-matter");
    assert_eq!(questions(&page), ["Is this scam?", "Legal?"]);
    let sections: Vec<Option<&str>> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(sections, [Some("FAQ Endgame"); 2]);
    // A mapping's own `description` is no answer.
    let page = parse_page(
        "---\nfaq:\n  title: FAQ\n  description: All about it.\n---\n\n## Why?\n\nBecause.\n",
        None,
    );
    assert!(page.is_ok_and(|p| p.form == "h2"));
}

#[test]
fn a_page_title_heading_heads_no_section() {
    // No front matter title: a first heading above every question, alone at its level.
    let page = parse("## Our FAQ\n\n1. **Why?**\n\n   Because.\n\n2. **How?**\n\n   So.\n");
    assert!(page.entries.iter().all(|e| e.section.is_none()));
    // The front matter's title repeated as a heading.
    let page = parse("---\ntitle: FAQ\n---\n\n# FAQ\n\n## Why?\n\nBecause.\n\n## How?\n\nSo.\n");
    assert!(page.entries.iter().all(|e| e.section.is_none()));
    // Another title: a real section.
    let page = parse("---\ntitle: FAQ\n---\n\n## General\n\n### Why?\n\nBecause.\n");
    assert_eq!(page.entries[0].section.as_deref(), Some("General"));
    // A second heading of its level: sections.
    let page = parse("## A\n\n### Why?\n\nBecause.\n\n## B\n\n### How?\n\nSo.\n");
    let sections: Vec<Option<&str>> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(sections, [Some("A"), Some("B")]);
    // A front matter list's items take no section from the page's title.
    let page = parse("---\ntitle: Article\nfaq:\n  - q: Why?\n    a: Because.\n---\n\nProse.\n");
    assert_eq!(page.entries[0].section, None);
}

#[test]
fn raw_html_headings_head_the_sections_of_raw_html_items() {
    let source = "<h2>Billing</h2>\n\n<details><summary>Can I pay later?</summary>Yes.</details>\n\n<h2 class=\"mt\">Shipping</h2>\n\n<details><summary>Where?</summary>Here.</details>\n";
    let page = parse(source);
    assert_eq!(page.form, "details");
    let sections: Vec<Option<&str>> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(sections, [Some("Billing"), Some("Shipping")]);
    assert_spans_rebuild_source(&page);
}
