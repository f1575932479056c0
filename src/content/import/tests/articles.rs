//! Articles and tutorials with a FAQ section, landing pages and posts that ask once, question
//! marks of other scripts, and the shortcodes that wrap a whole page.

use super::*;
use crate::content::text::ends_in_question_mark;

#[test]
fn greek_and_japanese_questions_ask() {
    assert!(ends_in_question_mark(
        "Πώς μπορώ να εγκαταστήσω το Aspose.Words για Java;"
    ));
    assert!(ends_in_question_mark("Τι είναι η “convert EPUB to GIF”;"));
    assert!(ends_in_question_mark("Is it free\u{37e}"));
    assert!(ends_in_question_mark("参加するにはどうすれば良いですか。"));
    assert!(ends_in_question_mark(
        "プレゼンは翻訳しなければいけないんですか"
    ));
    // A semicolon outside Greek text, a lone Greek letter in a formula, a Japanese statement.
    assert!(!ends_in_question_mark("for (i = 0; i < n; i++);"));
    assert!(!ends_in_question_mark("x = 2π;"));
    assert!(!ends_in_question_mark("会場について。"));
    assert!(!ends_in_question_mark("か"));

    let page = parse("## Τι είναι;\n\nΈνα εργαλείο.\n\n## Κοστίζει;\n\nΌχι.\n");
    assert_eq!(page.style, QuestionStyle::Heading(2));
    assert_eq!(questions(&page), ["Τι είναι;", "Κοστίζει;"]);
}

const TUTORIAL: &str = "---\ntitle: Convert EPUB\n---\n\n{{< wrap >}}\n\n# Convert EPUB\n\n## What is EPUB?\n\nA format.\n\n## Prerequisites\n\nJava.\n\n## Step-by-step guide\n\n### Step 1: Open the file\n\nOpen it.\n\n### Step 2: Save\n\nSave it.\n\n## Why convert?\n\nTo share.\n\n## Conclusion\n\nDone.\n\n## FAQ\n\n### Is it free?\n\nNo.\n\n### Does it keep CSS?\n\nYes.\n\n### Output formats\n\nGIF and PNG.\n\n{{< /wrap >}}\n\n{{< backtop >}}\n";

#[test]
fn an_article_with_a_faq_section_gives_the_section_s_questions_only() {
    let page = parse(TUTORIAL);
    assert_eq!(page.style, QuestionStyle::Heading(3));
    assert_eq!(
        questions(&page),
        ["Is it free?", "Does it keep CSS?", "Output formats"]
    );
    assert!(
        page.entries
            .iter()
            .all(|e| e.section.as_deref() == Some("FAQ"))
    );
    // The steps stay in their sections' text; the asking h2s head sections.
    let sections: Vec<&str> = page.sections.iter().map(|s| s.title.as_str()).collect();
    assert!(sections.contains(&"What is EPUB?") && sections.contains(&"Why convert?"));
    assert!(
        page.sections
            .iter()
            .any(|s| s.intro.contains("### Step 1: Open the file"))
    );
    // The wrapper's closing tag and what follows it are the page's, not the last answer's.
    assert_eq!(page.entries[2].answer, "GIF and PNG.");
    assert_spans_rebuild_source(&page);
    // Forced, the headings of the level are read as before.
    let forced = parse_page(TUTORIAL, Some(QuestionStyle::Heading(3))).map(|p| p.entries.len());
    assert_eq!(forced.ok(), Some(5));
}

#[test]
fn a_faq_page_keeps_its_questions_without_question_marks_and_its_h2_question() {
    // Several parts ask: a FAQ page, whose shallower question stays a question.
    let page = parse(
        "## Is it free?\n\nYes.\n\n## Billing\n\n### Can I pay later?\n\nYes.\n\n### Invoices\n\nMonthly.\n\n## Accounts\n\n### How do I log in?\n\nWith a key.\n",
    );
    assert_eq!(
        questions(&page),
        [
            "Is it free?",
            "Can I pay later?",
            "Invoices",
            "How do I log in?"
        ]
    );
}

#[test]
fn a_post_that_asks_once_and_a_landing_page_are_no_faq() {
    let post = "# A post\n\n## Setup\n\nText.\n\n## Why does it matter?\n\nText.\n\n## Conclusion\n\nText.\n";
    assert!(matches!(
        parse_page(post, None),
        Err(ImportError::NoQuestions)
    ));
    let landing = "# Printing\n\n## Why us?\n\nText.\n\n## Getting started\n\nText.\n\n## Where to begin?\n\nText.\n\n## Conclusion\n\nText.\n\n## Tutorials\n\n### [Printing](./printing/)\n";
    assert!(matches!(
        parse_page(landing, None),
        Err(ImportError::NoQuestions)
    ));
    // A one-question FAQ page (nothing else at its level) is read.
    let page = parse("---\ntitle: FAQ\n---\n\n## Is Lithuanian older than Sanskrit?\n\nNo.\n");
    assert_eq!(questions(&page), ["Is Lithuanian older than Sanskrit?"]);
}

#[test]
fn a_faq_page_whose_body_repeats_its_front_matter_list_reads_the_list_once() {
    let source = "---\nlayout: faq\nfaq:\n  - q: \"Is it free?\"\n    a: Yes.\n  - q: Can I host it?\n    a: With docker.\n---\n\n## Basics\n\n<details>\n<summary>\"Is it free?\"</summary>\n\nYes, for ever.\n\n</details>\n\n<details>\n<summary>Can I *host* it?</summary>\n\nWith docker, see the guide.\n\n</details>\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::FrontMatter);
    assert_eq!(questions(&page), ["Is it free?", "Can I host it?"]);
    assert_eq!(page.entries[1].answer, "With docker.");
    // A body that asks something else is read after the list, as on any FAQ page.
    let more = source.replace("Can I *host* it?", "Where is it?");
    assert_eq!(parse(&more).entries.len(), 4);
}

#[test]
fn a_numbered_list_of_labelled_points_asks_nothing() {
    let points = "## Uses\n\n1. **Validation services:**\n   Check files.\n2. **Content management:**\n   Store files.\n";
    assert!(matches!(
        parse_page(points, None),
        Err(ImportError::NoQuestions)
    ));
    // A bold whole line that states (no colon) is still an entry of a list FAQ.
    let page = parse(
        "1. **But plants feel pain.**\n   They have no nerves.\n2. **Where is the protein?**\n   In beans.\n",
    );
    assert_eq!(page.entries.len(), 2);
}

#[test]
fn one_bold_sentence_that_does_not_ask_is_no_faq() {
    let page = "# Known errors\n\n**Please read this list before you write to us.**\n\n##### The export shows zeros\n\nSet a maximum.\n";
    assert!(matches!(
        parse_page(page, None),
        Err(ImportError::NoQuestions)
    ));
    // Two or more bold lines are a FAQ's questions, asking or not.
    let page = parse("**Pricing**\n\nFree.\n\n**Hosting**\n\nAnywhere.\n");
    assert_eq!(questions(&page), ["Pricing", "Hosting"]);
}
