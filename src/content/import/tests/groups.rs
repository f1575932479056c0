//! Heading-style pages with group labels, rule headings and closing sections
//! (`forms::headings`), and the export of such pages after a reorder.

use super::*;
use crate::content::export::{EntryText, PageSource, export};

/// A tool's help page: emoji-led `##` questions and error reports, bracketed group labels at
/// the same level, rule-only headings between the groups, the first question an `###`.
const TOOL: &str = "---\ntitle: Help\n---\n\n## [Getting started]\n\n### 🧩 Which models can I use?\n\nHumanoid ones.\n\n---\n\n## 📦 Can I export a package?\n\nYes.\n\n## ❗ Where do I report a bug?\n\nOn the forum.\n\n## ———————\n\n## [Errors]\n\n## 👕 The outfit swells.\n\nLower the scale.\n\n## 🦴 Armature error\n\nRename the bones.\n\n## ⭐⭐⭐\n\n## [Other]\n\n## ❓ What is special about it?\n\nIt is automatic.\n";

#[test]
fn group_labels_and_rule_headings_are_no_questions() {
    let page = parse(TOOL);
    assert_eq!(page.style, QuestionStyle::Heading(2));
    assert_eq!(
        questions(&page),
        [
            "🧩 Which models can I use?",
            "📦 Can I export a package?",
            "❗ Where do I report a bug?",
            "👕 The outfit swells.",
            "🦴 Armature error",
            "❓ What is special about it?",
        ]
    );
    let sections: Vec<Option<&str>> = page.entries.iter().map(|e| e.section.as_deref()).collect();
    assert_eq!(
        sections,
        [
            Some("[Getting started]"),
            Some("[Getting started]"),
            Some("[Getting started]"),
            Some("[Errors]"),
            Some("[Errors]"),
            Some("[Other]"),
        ]
    );
    // A rule heading ends the answer above it, as a `---` does.
    assert_eq!(page.entries[2].answer, "On the forum.");
    assert_eq!(page.entries[4].answer, "Rename the bones.");
    assert_spans_rebuild_source(&page);
    // Forced, every `##` with a letter is read, the rule headings still are not.
    let forced = parse_page(TOOL, Some(QuestionStyle::Heading(2))).map(|p| p.entries.len());
    assert_eq!(forced.ok(), Some(8));
}

#[test]
fn a_heading_without_letters_never_asks_or_heads_a_section() {
    let page = parse("# * * *\n\n**Is it free?**\n\nYes.\n\n**Is it safe?**\n\nYes.\n");
    assert_eq!(page.style, QuestionStyle::Bold);
    assert!(page.sections.is_empty());
    assert!(page.entries.iter().all(|e| e.section.is_none()));
    // A number is a word: `## 2024` heads a section.
    let page = parse("**Is it free?**\n\nYes.\n\n## 2024\n\n**Is it safe?**\n\nYes.\n");
    assert_eq!(page.entries[1].section.as_deref(), Some("2024"));
}

/// A studio's FAQ: `##` questions, then the site's closing sections, one of them with an
/// asking `###`.
const STUDIO: &str = "Questions we hear every week.\n\n## Does it hurt?\n\nA little.\n\n---\n\n## How much is it?\n\nFrom 50 €.\n\n---\n\n## How long does healing take?\n\nTwo weeks.\n\n## Can I swim afterwards?\n\nNot for two weeks.\n\n## Can I bring a friend?\n\nOne.\n\n## Do you take cards?\n\nYes.\n\n## Rarely asked, but important\n\nAsk how it ages.\n\n### Quick list for beginners\n\n- Small and detailed?\n- Wrist or ankle?\n\n## When should I come in person?\n\nFor large pieces.\n\n## See also\n\n- [Prices](/prices/)\n- [Gallery](/gallery/)\n\n## About this page\n\nPart of our guide.\n\n### Why is this useful?\n\n- fewer mistakes\n\n## Read next\n\n- [Contact](/contact/)\n";

#[test]
fn the_closing_sections_of_a_faq_page_are_not_questions() {
    let page = parse(STUDIO);
    assert_eq!(
        questions(&page),
        [
            "Does it hurt?",
            "How much is it?",
            "How long does healing take?",
            "Can I swim afterwards?",
            "Can I bring a friend?",
            "Do you take cards?",
            "When should I come in person?",
            "Why is this useful?",
        ]
    );
    assert_eq!(page.entries[5].answer, "Yes.");
    assert_eq!(page.entries[6].answer, "For large pieces.");
    assert_eq!(
        page.entries[6].section.as_deref(),
        Some("Rarely asked, but important")
    );
    assert_eq!(page.entries[7].section.as_deref(), Some("About this page"));
    assert_spans_rebuild_source(&page);
}

#[test]
fn one_statement_among_asking_headings_stays_a_question() {
    let page = parse(
        "### What is the plan?\n\nA program.\n\n### Why pay for it?\n\nSupport.\n\n### I am not sure it suits me.\n\nAsk us.\n\n### Is it forever?\n\nYes.\n\n### See also\n\n- [Plans](/plans/)\n",
    );
    // `See also` is the only heading after the statement that does not ask, but the
    // statement came before it: the page's questions do not all ask first.
    assert_eq!(page.entries.len(), 5);
}

/// Reorders a page's entries (last first) and adds one after the first; returns the export.
fn moved(source: &str) -> String {
    let page = parse(source);
    let mut entries: Vec<EntryText<'_>> = page
        .entries
        .iter()
        .map(|e| EntryText {
            question: &e.question,
            answer: &e.answer,
            section: e.section.as_deref(),
            question_start: Some(e.question_span.start),
        })
        .collect();
    let last = entries.len() - 1;
    entries.swap(0, last);
    entries.insert(
        1,
        EntryText {
            question: "Is it new?",
            answer: "Yes.",
            section: None,
            question_start: None,
        },
    );
    export(
        &PageSource {
            source: Some(&page.source),
            path: None,
            style: page.style,
            front_matter_raw: page.front_matter.as_ref().map(|fm| fm.raw.as_str()),
            title: "",
            intro: &page.intro,
        },
        &entries,
    )
}

#[test]
fn a_moved_heading_question_takes_the_level_of_its_new_place() {
    let text = moved(TOOL);
    assert!(
        text.contains("## [Getting started]\n\n### ❓ What is special about it?"),
        "{text}"
    );
    assert!(text.contains("### Is it new?"), "{text}");
    assert!(
        text.contains("## [Other]\n\n## 🧩 Which models can I use?"),
        "{text}"
    );
    let again = parse(&text);
    assert_eq!(
        questions(&again),
        [
            "❓ What is special about it?",
            "Is it new?",
            "📦 Can I export a package?",
            "❗ Where do I report a bug?",
            "👕 The outfit swells.",
            "🦴 Armature error",
            "🧩 Which models can I use?",
        ]
    );
    // On a page of one level, a moved question keeps its bytes.
    let flat = moved("## Is it free?\n\nYes.\n\n## Is it safe?\n\nYes.\n");
    assert_eq!(
        flat,
        "## Is it safe?\n\nYes.\n\n## Is it new?\n\nYes.\n\n## Is it free?\n\nYes.\n"
    );
}

#[test]
fn numbered_and_anchored_headings_read_with_the_same_rules() {
    let page = parse(
        "## 1. Is it free? {#free}\n\nYes.\n\n## 2. Is it safe? {#safe}\n\nYes.\n\n## 3. Can I pay later? {#later}\n\nYes.\n\n## 4. Where is my data? {#data}\n\nIn Europe.\n\n## Related links {#related}\n\n- [Pricing](/pricing/)\n- [Status](/status/)\n\n## ——— {#rule}\n\n## [Errors] {#errors}\n\n## 5. The upload stops at 99% {#upload}\n\nRetry.\n",
    );
    assert_eq!(
        questions(&page),
        [
            "1. Is it free?",
            "2. Is it safe?",
            "3. Can I pay later?",
            "4. Where is my data?",
            "5. The upload stops at 99%",
        ]
    );
    assert_eq!(page.entries[3].answer, "In Europe.");
    assert_eq!(page.entries[4].section.as_deref(), Some("[Errors]"));
    assert_eq!(page.entries[4].answer, "Retry.");
    assert_spans_rebuild_source(&page);
}

#[test]
fn an_opening_heading_over_the_questions() {
    // Bare, over asking questions of its level: a label, not a question without an answer.
    let bare = parse(
        "## Frequently asked questions\n\n## Is it free?\n\nYes.\n\n## Is it safe?\n\nYes.\n\n## Can I pay later?\n\nYes.\n",
    );
    assert_eq!(
        questions(&bare),
        ["Is it free?", "Is it safe?", "Can I pay later?"]
    );
    assert_eq!(
        bare.entries[0].section.as_deref(),
        Some("Frequently asked questions")
    );
    // With prose of its own it reads as a statement with its answer (`## I forgot my
    // password` then how to reset it looks the same): it stays a question.
    let prose = parse(
        "## About this page\n\nWe answer what we hear most.\n\n## Is it free?\n\nYes.\n\n## Is it safe?\n\nYes.\n\n## Can I pay later?\n\nYes.\n",
    );
    assert_eq!(prose.entries.len(), 4);
}

#[test]
fn thai_and_chinese_ask_with_a_final_particle() {
    use crate::content::text::ends_in_question_mark;
    assert!(ends_in_question_mark("สมัครสมาชิกอย่างไร"));
    assert!(ends_in_question_mark("ใช้ฟรีไหม"));
    assert!(ends_in_question_mark("ยกเลิกได้หรือไม่"));
    assert!(ends_in_question_mark("可以转载文章吗"));
    assert!(ends_in_question_mark("可以轉載文章嗎。"));
    // Statements, and a lone particle.
    assert!(!ends_in_question_mark("วิธีสมัครสมาชิก"));
    assert!(!ends_in_question_mark("转载须知"));
    assert!(!ends_in_question_mark("吗"));
    let page = parse(
        "## ใช้ฟรีไหม\n\nใช่\n\n## สมัครสมาชิกอย่างไร\n\nกดปุ่มสมัคร\n\n## ติดต่อเรา\n\n- [อีเมล](/contact/)\n",
    );
    assert_eq!(page.style, QuestionStyle::Heading(2));
    assert_eq!(questions(&page), ["ใช้ฟรีไหม", "สมัครสมาชิกอย่างไร", "ติดต่อเรา"]);
}
