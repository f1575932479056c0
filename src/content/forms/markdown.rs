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
    let mut bold = 0usize;
    let mut bold_questions = 0usize;
    let mut quotes = 0usize;
    let mut terms = 0usize;
    for block in blocks {
        match block.kind {
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
    // Per level, the headings that ask and stay questions once the page is seen whole (see
    // [`fates`]): not an article's or a landing page's.
    let mut question_headings = [0usize; 6];
    for (q, count) in (1u8..=6).zip(question_headings.iter_mut()) {
        let heads: Vec<Head> = blocks
            .iter()
            .filter_map(|block| match block.kind {
                BlockKind::Heading(level) if level <= q => Some(Head {
                    level,
                    asks: block.asks(),
                    question: level == q || block.asks(),
                }),
                _ => None,
            })
            .collect();
        if !heads.iter().any(|h| h.level == q && h.asks) {
            continue;
        }
        *count = heads
            .iter()
            .zip(fates(&heads, q))
            .filter(|(h, fate)| h.level == q && h.asks && *fate == Fate::Keep)
            .count();
    }
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
    // Bold lines that do not ask are a FAQ's questions only when there are several: one is
    // an emphasised sentence (`**Read this list before you write to us.**`).
    if bold > 1 {
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

/// What a heading of a heading-style page turns out to be once the whole page is seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fate {
    /// As its own role said.
    Keep,
    /// Answer or intro text: a question-level heading in a part of the page that asks nothing.
    Text,
    /// A section heading: a shallower heading that asks, in an article with a FAQ section.
    Section,
}

/// A heading of a heading-style page, as [`fates`] sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Head {
    pub(crate) level: u8,
    /// Ends in a question mark or carries a `Q:` label.
    pub(crate) asks: bool,
    /// Its role is a question (else a section heading).
    pub(crate) question: bool,
}

/// Articles with a FAQ section. The headings shallower than the question level `q` cut the page
/// into parts. In a part where no question-level heading asks (or only one or two among more
/// that do not), those headings are the article's (`### Step 1: Open the file`), not
/// questions: they stay answer or intro text. And
/// when exactly one part asks (the FAQ section) while two or more other parts at its heading's
/// level ask nothing (`## Prerequisites`, `## Conclusion`), the page is an article with a FAQ
/// section: a shallower heading that asks outside that part (`## What is EPUB?` above a
/// paragraph) heads a section of the article rather than a question.
pub(crate) fn fates(heads: &[Head], q: u8) -> Vec<Fate> {
    let mut part = Vec::with_capacity(heads.len());
    let mut parts = 0usize;
    for head in heads {
        if head.level < q {
            parts += 1;
        }
        part.push(parts);
    }
    // Per part: question-level headings that ask, and all of them.
    let mut counts = vec![(0usize, 0usize); parts + 1];
    for (head, &p) in heads.iter().zip(&part) {
        if head.level == q && head.question {
            counts[p].1 += 1;
            if head.asks {
                counts[p].0 += 1;
            }
        }
    }
    // A part asks when its headings are questions: one or two asking headings among more that
    // do not (`## Where to begin?` among `## Getting started`, `## Tutorials`) are a landing
    // page's or an article's.
    let asking: Vec<bool> = counts
        .iter()
        .map(|&(asks, all)| asks > 0 && !(asks <= 2 && asks * 2 < all))
        .collect();
    let mut asking_parts = (0..=parts).filter(|&p| asking[p]);
    let faq_level = match (asking_parts.next(), asking_parts.next()) {
        // The one asking part, headed by a shallower heading.
        (Some(p), None) if p > 0 => heads
            .iter()
            .zip(&part)
            .find(|(head, at)| **at == p && head.level < q)
            .map(|(head, _)| head.level),
        _ => None,
    };
    let article = faq_level.is_some_and(|level| {
        heads
            .iter()
            .zip(&part)
            .filter(|(head, at)| head.level == level && !head.asks && !asking[**at])
            .count()
            >= 2
    });
    heads
        .iter()
        .zip(&part)
        .map(|(head, &p)| {
            if head.level == q && head.question && !asking[p] {
                Fate::Text
            } else if head.level < q && head.question && head.asks && article && !asking[p] {
                Fate::Section
            } else {
                Fate::Keep
            }
        })
        .collect()
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
