//! The Markdown question forms: bold paragraphs (`**How …?**`, `**Q:** How …?`), question
//! headings, one-line quotes and definition terms. Chooses the style of a body from its
//! scanned blocks (the rule documented in `content/import.rs`) and gives each
//! block its role under that style.

use crate::content::forms::blocks::{Block, BlockKind};
use crate::content::forms::{html, list, shortcode};
use crate::content::model::EntrySyntax;
use crate::content::style::QuestionStyle;
use crate::content::text::ends_in_question_mark;

/// Applies the rule of the module documentation; `None` when the body has no question.
pub(crate) fn choose_style(
    blocks: &[Block],
    shortcodes: &[shortcode::Item],
    html_items: &[&html::Item],
    list_items: &[&list::ListItem],
) -> Option<QuestionStyle> {
    let mut question_headings = [0usize; 6];
    let mut bold = 0usize;
    let mut bold_questions = 0usize;
    let mut quotes = 0usize;
    let mut terms = 0usize;
    for block in blocks {
        match block.kind {
            BlockKind::Heading(level) if block.asks() => {
                if let Some(count) = question_headings.get_mut(usize::from(level) - 1) {
                    *count += 1;
                }
            }
            BlockKind::BoldParagraph if !block.is_label() => {
                bold += 1;
                if block.asks() {
                    bold_questions += 1;
                }
            }
            BlockKind::LabelledParagraph => {
                bold += 1;
                bold_questions += 1;
            }
            BlockKind::Quote if block.asks() => quotes += 1,
            BlockKind::Term if block.asks() => terms += 1,
            _ => {}
        }
    }
    // Raw HTML items count with the shortcodes, list items with the definition terms.
    let shortcode_questions = shortcodes
        .iter()
        .map(|item| &item.question)
        .chain(html_items.iter().map(|item| &item.question))
        .filter(|question| ends_in_question_mark(question))
        .count();
    let terms = terms + list_items.len();
    // `max_by_key` keeps the last maximum: scan from the deepest level so that the shallowest
    // level wins a tie.
    let (best_level, best_count) = (1u8..=6)
        .rev()
        .zip(question_headings.iter().rev().copied())
        .max_by_key(|&(_, count)| count)?;
    // The form that asks the most questions; on a tie, the first listed.
    let candidates = [
        (QuestionStyle::Shortcode, shortcode_questions),
        (QuestionStyle::Heading(best_level), best_count),
        (QuestionStyle::Bold, bold_questions),
        (QuestionStyle::Definition, terms),
        // One quoted question is a call-out; a file of them asks in quotes.
        (QuestionStyle::Quote, if quotes >= 2 { quotes } else { 0 }),
    ];
    let most = candidates.iter().map(|(_, n)| *n).max().unwrap_or(0);
    if most > 0 {
        return candidates
            .iter()
            .find(|(_, n)| *n == most)
            .map(|(style, _)| *style);
    }
    if bold > 0 {
        Some(QuestionStyle::Bold)
    } else if !shortcodes.is_empty() || !html_items.is_empty() {
        Some(QuestionStyle::Shortcode)
    } else {
        None
    }
}

/// In a heading-style file, whether every question heading of the question level carries a
/// `Q:` label (and there are at least two): its unlabelled headings are then group titles.
pub(crate) fn labelled_headings(blocks: &[Block], style: QuestionStyle) -> bool {
    let QuestionStyle::Heading(q) = style else {
        return false;
    };
    let asking: Vec<&Block> = blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Heading(q) && b.asks())
        .collect();
    asking.len() >= 2 && asking.iter().all(|b| b.label.is_some())
}

/// A definition as an answer: the `:` marker and the indentation of its continuation lines
/// taken off (`: Yes.\n\n  More.` → `Yes.\n\nMore.`).
pub(crate) fn undefine(text: &str) -> String {
    let Some(rest) = text.strip_prefix(':') else {
        return text.to_owned();
    };
    let first_indent = rest.len() - rest.trim_start_matches([' ', '\t']).len();
    let width = 1 + first_indent;
    let mut out = String::with_capacity(text.len());
    for (i, line) in rest
        .trim_start_matches([' ', '\t'])
        .split_inclusive('\n')
        .enumerate()
    {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&line[spaces.min(width)..]);
    }
    out
}

/// The inverse of [`undefine`]: an answer written as a definition.
pub(crate) fn define(answer: &str, newline: &str) -> String {
    let mut out = String::from(": ");
    for (i, line) in answer.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 {
            out.push_str(newline);
            if !line.is_empty() {
                out.push_str("  ");
            }
        }
        out.push_str(line);
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Question(EntrySyntax),
    Section(u8),
    Content,
}

/// What decides a block's role besides its own kind: the style, whether the questions of the
/// heading level all carry a `Q:` label (then unlabelled headings of that level are sections),
/// and whether the caller forced the style.
#[derive(Clone, Copy)]
pub(crate) struct Context {
    pub(crate) style: QuestionStyle,
    pub(crate) labelled_headings: bool,
    pub(crate) forced: bool,
}

impl Block {
    pub(crate) fn role(&self, cx: Context) -> Role {
        let nonempty = !self.text.is_empty();
        match (cx.style, self.kind) {
            // A label (`**For women under 35:**`) asks nothing, unless the caller said that
            // bold lines are the questions.
            (QuestionStyle::Bold, BlockKind::BoldParagraph) if cx.forced || !self.is_label() => {
                Role::Question(EntrySyntax::Bold)
            }
            (QuestionStyle::Bold, BlockKind::LabelledParagraph) => {
                Role::Question(EntrySyntax::Labelled)
            }
            (QuestionStyle::Quote, BlockKind::Quote) if nonempty => {
                Role::Question(EntrySyntax::Quote)
            }
            (QuestionStyle::Definition, BlockKind::Term) if nonempty => {
                Role::Question(EntrySyntax::Definition)
            }
            (
                QuestionStyle::Bold | QuestionStyle::Quote | QuestionStyle::Definition,
                BlockKind::Heading(level),
            ) if nonempty => Role::Section(level),
            // A question needs words: an empty `##` line stays answer text.
            (QuestionStyle::Heading(q), BlockKind::Heading(level)) if level == q && nonempty => {
                if cx.labelled_headings && self.label.is_none() {
                    Role::Section(level)
                } else {
                    Role::Question(EntrySyntax::Heading(level))
                }
            }
            // A shallower heading that asks is a question among the sections when it has an
            // answer of its own (checked once every marker is known); deeper headings belong
            // to the answer, even when they ask.
            (QuestionStyle::Heading(q), BlockKind::Heading(level))
                if level < q && self.asks() && !cx.forced =>
            {
                Role::Question(EntrySyntax::Heading(level))
            }
            (QuestionStyle::Heading(q), BlockKind::Heading(level)) if level < q => {
                Role::Section(level)
            }
            _ => Role::Content,
        }
    }
}
