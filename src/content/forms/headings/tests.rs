//! Each rule of [`regroup`] on made-up pages, with a case where it must not fire.

use super::*;

/// A page's headings as `(level, text, own content)`: the facts [`read`] would give, with the
/// first roles of a page whose questions are at level `q` (shallower: sections, deeper: text).
fn heads(page: &[(u8, &str, &str)], q: u8) -> Vec<Heading> {
    page.iter()
        .map(|&(level, text, own)| Heading {
            level,
            asks: crate::content::text::ends_in_question_mark(text),
            bracketed: bracketed(text),
            bare: own.trim().is_empty(),
            links_only: !own.trim().is_empty() && links_only(own, 0..own.len()),
            kind: match level {
                l if l == q => Kind::Question,
                l if l < q => Kind::Section,
                _ => Kind::Text,
            },
        })
        .collect()
}

fn kinds(page: &[(u8, &str, &str)], q: u8) -> Vec<Kind> {
    let mut heads = heads(page, q);
    regroup(&mut heads, q);
    heads.iter().map(|h| h.kind).collect()
}

use Kind::{Question as Q, Section as S, Text as T};

#[test]
fn a_bracketed_label_heads_a_section_and_its_deeper_question_is_one() {
    let page = [
        (2, "[Getting started]", ""),
        (3, "Which plans are there?", "Two."),
        (2, "Can I pay by card?", "Yes."),
        (2, "[Troubleshooting]", ""),
        (2, "The upload stops at 99%.", "Retry."),
        (2, "Can I get a refund?", "Yes."),
    ];
    assert_eq!(kinds(&page, 2), [S, Q, Q, S, Q, Q]);
}

#[test]
fn brackets_that_do_not_enclose_the_whole_heading_are_no_label() {
    assert!(bracketed("[사용 안내]") && bracketed("【よくある質問】"));
    assert!(!bracketed("[Editor] Why does the preview flicker?"));
    assert!(!bracketed("[A] and [B]"));
    assert!(!bracketed("[ ]"));
    let page = [
        (2, "[Editor] The preview flickers", "Turn off the GPU."),
        (2, "Is it free?", "Yes."),
    ];
    assert_eq!(kinds(&page, 2), [Q, Q]);
}

#[test]
fn a_label_followed_directly_by_deeper_asking_headings_is_a_section() {
    let page = [
        (2, "Is there a trial?", "Yes, 30 days."),
        (2, "Billing", ""),
        (3, "How do I pay?", "By card."),
        (3, "Can I get an invoice?", "Yes."),
        (2, "Where is my data?", "In Europe."),
    ];
    assert_eq!(kinds(&page, 2), [Q, S, Q, Q, Q]);
}

#[test]
fn a_statement_whose_answer_has_deeper_headings_stays_a_question() {
    // No deeper heading asks: `Installation` is a question answered in steps.
    let steps = [
        (2, "Is it free?", "Yes."),
        (2, "Installation", ""),
        (3, "On Linux", "apt install."),
        (3, "On macOS", "brew install."),
        (2, "Does it work offline?", "Yes."),
    ];
    assert_eq!(kinds(&steps, 2), [Q, Q, T, T, Q]);
    // Prose between the heading and the deeper one: an answer with a follow-up question.
    let follow_up = [
        (2, "Is it free?", "Yes."),
        (2, "My upload fails", "Check the size."),
        (3, "What is the limit?", "10 MB."),
        (2, "Does it work offline?", "Yes."),
    ];
    assert_eq!(kinds(&follow_up, 2), [Q, Q, T, Q]);
    // An asking heading with deeper ones is a question whose answer they belong to.
    let asking = [
        (2, "How do I install it?", ""),
        (3, "Why does it need root?", "For the service."),
    ];
    assert_eq!(kinds(&asking, 2), [Q, T]);
}

#[test]
fn the_closing_sections_of_a_faq_page_are_sections() {
    let page = [
        (2, "Does it hurt?", "A little."),
        (2, "How much is it?", "From 50 €."),
        (2, "How long does healing take?", "Two weeks."),
        (2, "Can I swim afterwards?", "Not for two weeks."),
        (2, "Can I bring a friend?", "One."),
        (2, "Do you take cards?", "Yes."),
        (2, "Questions people rarely ask", "Ask about ageing."),
        (
            3,
            "Quick FAQ for beginners",
            "- Small and detailed?\n- Wrist or ankle?",
        ),
        (2, "When should I come in person?", "For large pieces."),
        (
            2,
            "See also",
            "- [Prices](/prices/)\n- [Gallery](/gallery/)",
        ),
        (2, "About this page", "Part of our guide."),
        (3, "Why is this useful?", "- fewer mistakes"),
        (2, "Read next", "- [Contact](/contact/)"),
    ];
    assert_eq!(kinds(&page, 2), [Q, Q, Q, Q, Q, Q, S, T, Q, S, S, Q, S]);
}

#[test]
fn statements_among_asking_questions_stay_questions() {
    // One statement among questions that ask (a heading that is an FAQ's statement).
    let one = [
        (3, "What is the plan?", "A program."),
        (3, "Why pay for it?", "Support."),
        (3, "I am not sure it suits me.", "Ask us."),
        (3, "Is it forever?", "Yes."),
        (3, "In which format?", "PDF."),
    ];
    assert_eq!(kinds(&one, 3), [Q, Q, Q, Q, Q]);
    // Error reports after a few questions: as many as the questions before them.
    let errors = [
        (2, "Which avatars work?", "Humanoid ones."),
        (2, "Can I export to FBX?", "Yes."),
        (2, "Can I export a package?", "Yes."),
        (2, "The outfit swells", "Lower the scale."),
        (2, "The outfit shrinks", "Raise the scale."),
        (2, "Body mesh not found", ""),
        (3, "Cause", "A renamed mesh."),
    ];
    assert_eq!(kinds(&errors, 2), [Q, Q, Q, Q, Q, Q, T]);
    // A last statement with an answer of its own after the questions.
    let last = [
        (3, "What is the minimum kernel?", "4.19."),
        (3, "Which options are needed?", "BTF."),
        (3, "Can I run it on a Mac?", "In a VM."),
        (
            3,
            "Why it fails with \"operation not permitted\"",
            "Lockdown mode.",
        ),
    ];
    assert_eq!(kinds(&last, 3), [Q, Q, Q, Q]);
}

#[test]
fn closing_sections_need_a_faq_that_asked_first() {
    // Two questions, then sections shaped like closing ones: too little FAQ to tell.
    let page = [
        (2, "Is it free?", "Yes."),
        (2, "Is it safe?", "Yes."),
        (2, "See also", "- [Prices](/prices/)"),
        (2, "Read next", "- [Contact](/contact/)"),
    ];
    assert_eq!(kinds(&page, 2), [Q, Q, Q, Q]);
}

#[test]
fn a_deeper_question_under_a_question_stays_in_its_answer() {
    let page = [
        (1, "Help", ""),
        (2, "Does it work offline?", "Partly."),
        (3, "What if the network drops?", "It retries."),
        (2, "Is it free?", "Yes."),
    ];
    assert_eq!(kinds(&page, 2), [S, Q, T, Q]);
    // Under a shallower section (not a label of the question level), too.
    let shallow = [
        (1, "Help", ""),
        (3, "Why?", "Because."),
        (2, "Is it free?", "Yes."),
    ];
    assert_eq!(kinds(&shallow, 2), [S, T, Q]);
}

#[test]
fn only_a_list_of_links_is_links_only() {
    let all = |t: &str| links_only(t, 0..t.len());
    assert!(all("- [Prices](/prices/)\n- [**Gallery**](/gallery/)\n"));
    assert!(all("1. [Contact](/contact/)\n   - [Map](/map/)\n"));
    assert!(!all("- [Prices](/prices/): from 50 €\n"));
    assert!(!all("See [our prices](/prices/).\n"));
    assert!(!all("- Call us\n"));
    assert!(!all(""));
}

#[test]
fn a_bare_label_over_asking_questions_of_its_level_is_a_section() {
    let page = [
        (2, "Billing", ""),
        (2, "How do I pay?", "By card."),
        (2, "Can I get an invoice?", "Yes."),
        (2, "Shipping", ""),
        (2, "When does it ship?", "Today."),
    ];
    assert_eq!(kinds(&page, 2), [S, Q, Q, S, Q]);
    // A bare statement over another statement: an untranslated heading above its translation.
    let twice = [
        (3, "How do I build a portal?", "With calcite."),
        (3, "I joined a server and I float", ""),
        (3, "Dołączyłem do serwera i unoszę się", "Check the mods."),
        (3, "Is it compatible?", "Yes."),
    ];
    assert_eq!(kinds(&twice, 3), [Q, Q, Q, Q]);
}
