//! Question and answer behind bold labels in one paragraph (`**Q:** …⏎**A:** …`), in any
//! language's labels.

use super::*;
use crate::content::export::{EntryText, PageSource, export};

/// The file written back with `answer` as entry `at`'s answer, read again.
fn edited_answer(page: &ParsedPage, at: usize, answer: &str) -> ParsedPage {
    let question = page.entries[at].question.clone();
    edited(page, at, &question, answer)
}

/// The file written back with entry `at`'s question and answer replaced, read again.
fn edited(page: &ParsedPage, at: usize, question: &str, answer: &str) -> ParsedPage {
    let entries: Vec<EntryText<'_>> = page
        .entries
        .iter()
        .enumerate()
        .map(|(i, e)| EntryText {
            question: if i == at { question } else { &e.question },
            answer: if i == at { answer } else { &e.answer },
            section: e.section.as_deref(),
            question_start: Some(e.question_span.start),
        })
        .collect();
    let source = PageSource {
        source: Some(&page.source),
        path: Some("faq.md"),
        style: page.style,
        front_matter_raw: page.front_matter.as_ref().map(|fm| fm.raw.as_str()),
        title: page.title.as_deref().unwrap_or(""),
        intro: &page.intro,
    };
    parse(&export(&source, &entries))
}

#[test]
fn a_question_and_its_answer_in_one_paragraph_are_split_at_the_answer_label() {
    let source = "## FAQ\n\n**Q:** *Can I use it commercially?*  \n**A:** Yes, see the [terms](/t).\n\n**Q:** Is there a trial?\n**A**: Yes.\nIt lasts a month.\n\n## Conclusion\n\nBye.\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(
        questions(&page),
        ["Can I use it commercially?", "Is there a trial?"]
    );
    assert_eq!(page.entries[0].label.as_deref(), Some("Q:"));
    assert_eq!(page.entries[0].answer, "Yes, see the [terms](/t).");
    assert_eq!(page.entries[1].answer, "Yes.\nIt lasts a month.");
    assert_eq!(
        &source[page.entries[0].question_span.clone()],
        "**Q:** *Can I use it commercially?*"
    );
    assert_spans_rebuild_source(&page);
    // An edited answer stays behind its label and reads back.
    let again = edited_answer(&page, 0, "No.\n\nNot any more.");
    assert_eq!(questions(&again), questions(&page));
    assert_eq!(again.entries[0].answer, "No.\n\nNot any more.");
    assert!(again.source.contains("**A:** No.\n\nNot any more."));
}

#[test]
fn labels_of_any_language_ask_when_the_file_repeats_them() {
    let source = "Intro.\n\n**S:** *Ücretsiz mi?*  \n**C:** Evet.\n\n**S:** *Lisans gerekli mi?*  \n**C:** Hayır.\n";
    let page = parse(source);
    assert_eq!(questions(&page), ["Ücretsiz mi?", "Lisans gerekli mi?"]);
    assert_eq!(page.entries[0].label.as_deref(), Some("S:"));
    assert_eq!(page.entries[1].answer, "Hayır.");
    assert_eq!(page.intro, "Intro.");
    assert_spans_rebuild_source(&page);
    let again = edited_answer(&page, 1, "Evet, *ticari* kullanım için.");
    assert_eq!(again.entries[1].answer, "Evet, *ticari* kullanım için.");

    // Arabic labels, right to left.
    let page = parse("**س:** هل هو مجاني؟  \n**ج:** نعم.\n\n**س:** هل يعمل؟  \n**ج:** نعم.\n");
    assert_eq!(questions(&page), ["هل هو مجاني؟", "هل يعمل؟"]);
}

#[test]
fn label_pairs_that_do_not_repeat_or_do_not_ask_are_text() {
    // Worked examples of a tutorial: labelled, but no question.
    let examples = "**Input:** nums = [2, 7]  \n**Output:** [0, 1]\n\n**Input:** nums = [3, 3]  \n**Output:** [0, 1]\n";
    assert!(matches!(
        parse_page(examples, None),
        Err(ImportError::NoQuestions)
    ));
    // One unknown pair that asks is a call-out, not a FAQ.
    let once = "## Why?\n\nBecause.\n\n**Tip:** Is it fast?\n**Note:** Yes.\n\n## How?\n\nSo.\n";
    let page = parse(once);
    assert_eq!(questions(&page), ["Why?", "How?"]);
    assert!(page.entries[0].answer.contains("**Tip:** Is it fast?"));
    // A known label whose second line is not a label keeps the paragraph whole.
    let page = parse("**Q:** How?\n**Important** stuff.\n\nText.\n");
    assert_eq!(questions(&page), ["How? Important stuff."]);
}

#[test]
fn plain_q_labels_ask_when_the_file_has_two_or_more() {
    let source =
        "# FAQ\n\nQ: Is it free?\nA: Yes.\n\nQ: Can I host it?\nA: With docker.\n\nMore text.\n";
    let page = parse(source);
    assert_eq!(questions(&page), ["Is it free?", "Can I host it?"]);
    assert_eq!(page.entries[0].label.as_deref(), Some("Q:"));
    assert_eq!(page.entries[1].answer, "With docker.\n\nMore text.");
    assert_spans_rebuild_source(&page);
    // An edited question keeps its plain label; an edited answer stays behind `A:`.
    let again = edited(&page, 0, "Is it *really* free?", "Yes, for ever.");
    assert!(
        again
            .source
            .contains("Q: Is it \\*really\\* free?\nA: Yes, for ever.")
    );
    assert_eq!(questions(&again)[0], "Is it *really* free?");
    assert_eq!(again.entries[0].answer, "Yes, for ever.");

    // Answers in their own paragraphs keep their label as text.
    let page = parse("Q: One?\n\nA: Yes.\n\nQ: Two?\n\nA: No.\n");
    assert_eq!(page.entries[1].answer, "A: No.");

    // One `Q:` paragraph in a post is text.
    assert!(matches!(
        parse_page("# Post\n\nQ: why not?\n\nBecause.\n", None),
        Err(ImportError::NoQuestions)
    ));
}

#[test]
fn a_question_pair_followed_by_an_answer_pair_is_one_entry() {
    let source = "---\ntitle: FAQ\nquestion: \"How do I contribute?\"\n---\n\nBack to the [FAQ](/faq)\n\n{{< question>}}\n# How do I contribute?\nI want to send a patch.\n{{< /question >}}\n\n{{< answer >}}\nOpen a pull request.\n{{< /answer >}}\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Shortcode);
    assert_eq!(questions(&page), ["How do I contribute?"]);
    assert_eq!(page.entries[0].answer, "Open a pull request.");
    assert!(page.entries[0].item_span.end == source.trim_end().len());
    assert_spans_rebuild_source(&page);
    let again = edited_answer(&page, 0, "Send a *patch*.");
    assert_eq!(again.entries[0].answer, "Send a *patch*.");
    assert!(
        again
            .source
            .contains("I want to send a patch.\n{{< /question >}}")
    );
    // An answer pair after text is not this question's.
    let page = parse(
        "{{< faq \"Why?\" >}}\nBecause.\n{{< /faq >}}\n\nText.\n\n{{< answer >}}\nOther.\n{{< /answer >}}\n",
    );
    assert_eq!(page.entries[0].answer, "Because.");
}

#[test]
fn a_bold_question_line_answered_on_the_next_line() {
    // A hard break, or the answer's label, puts the answer on a line of its own.
    let source = "## FAQ\n\n**Is it free?**  \nYes, it is.\n\n**Q: Can I host it?**\\\nWith docker.\n\n**س1: هل يعمل؟**\nج1: نعم.\n";
    let page = parse(source);
    assert_eq!(page.style, QuestionStyle::Bold);
    assert_eq!(
        questions(&page),
        ["Is it free?", "Can I host it?", "هل يعمل؟"]
    );
    assert_eq!(page.entries[0].answer, "Yes, it is.");
    assert_eq!(page.entries[1].label.as_deref(), Some("Q:"));
    assert_eq!(page.entries[1].answer, "With docker.");
    assert_eq!(page.entries[2].label.as_deref(), Some("س1:"));
    assert_eq!(page.entries[2].answer, "نعم.");
    assert_eq!(
        &source[page.entries[0].question_span.clone()],
        "**Is it free?**"
    );
    assert_spans_rebuild_source(&page);
    let again = edited(&page, 0, "Is it *free*?", "Yes.\n\nFor ever.");
    assert_eq!(questions(&again)[0], "Is it *free*?");
    assert_eq!(again.entries[0].answer, "Yes.\n\nFor ever.");

    // A soft break shows as a space: `**Really?** Yes.` on one line asks nothing (see
    // `partly_bold_paragraphs_are_not_questions`), and neither does a bold line that does not
    // ask.
    assert!(matches!(
        parse_page("**Note**  \nRead this first.\n", None),
        Err(ImportError::NoQuestions)
    ));
}
