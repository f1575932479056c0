//! A heading-style page seen whole: the headings of the question level that are not questions
//! (group labels, a FAQ's closing sections) and the deeper headings that are.
//!
//! [`regroup`] runs once the question level `q` is chosen and every heading has its first role
//! (question, section, or text of an answer). It changes three things, in this order:
//!
//! 1. **Group labels.** A heading of the question level that does not ask is a section, not a
//!    question, when its text is wholly in brackets (`## [Usage]`, `## 【Errors】`), or when a
//!    deeper heading follows it directly, with nothing of its own between, and some deeper
//!    heading under it asks (`## Billing` then `### How do I pay?`), or when it has nothing of
//!    its own and the next heading is an asking question of its level (`## Billing` then
//!    `## How do I pay?`; a bare statement followed by another statement stays a question).
//! 2. **Closing sections.** Many FAQ pages end with their site's own sections (`## See also`,
//!    `## About this page`, `## Read next`). In a part of the page (between section headings of
//!    the question level or shallower) whose first three or more questions ask, when the
//!    questions from the first one that does not ask to the end of the part ask less often than
//!    not, and are fewer than the asking ones before them, each of those that does not ask is a
//!    section if it is shaped like one: nothing of its own before the next heading, a deeper
//!    heading right below it, or nothing but a list of links. A heading that does not ask among
//!    questions that do (`### I am not sure this plan suits me.` between asking ones) and one
//!    with an answer of its own stay questions.
//! 3. **Questions under a label.** A deeper heading that asks, right under a section heading of
//!    the question level (a label or a closing section of steps 1 and 2), is a question: it
//!    took the place the label's own questions have (`## [Usage]` then `### Which avatars?`).
//!    Under a question, a deeper heading stays part of its answer.
//!
//! Headings without a letter or a digit (`## ———`, `## ⭐⭐⭐`) never get here: the block scan
//! reads them as thematic breaks (`forms::blocks`).

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag};

use crate::content::forms::blocks::{Block, BlockKind};
use crate::content::text::{markdown_options, trim_surroundings};

/// A heading's role on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Question,
    Section,
    /// Text of an answer, a section's intro or the page's intro.
    Text,
}

/// A top-level heading of a heading-style page, as [`regroup`] sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Heading {
    pub(crate) level: u8,
    /// Ends in a question mark or carries a `Q:` label.
    pub(crate) asks: bool,
    /// Its text is wholly in brackets (see [`bracketed`]).
    pub(crate) bracketed: bool,
    /// Nothing but blank lines and thematic breaks between it and the next heading (or the end).
    pub(crate) bare: bool,
    /// What lies between it and the next heading is a list of links and nothing else.
    pub(crate) links_only: bool,
    pub(crate) kind: Kind,
}

/// Applies the three rules of the [module documentation](self) to `heads` (every top-level
/// heading in page order) for the question level `q`.
pub(crate) fn regroup(heads: &mut [Heading], q: u8) {
    // 1. Group labels.
    for i in 0..heads.len() {
        let head = heads[i];
        if head.level != q || head.kind != Kind::Question || head.asks {
            continue;
        }
        let below = heads[i + 1..].iter().take_while(|h| h.level > q);
        let next = heads.get(i + 1);
        let deeper_first = head.bare && next.is_some_and(|next| next.level > q);
        // `## Billing` then `## How do I pay?`: a label over questions of its own level.
        let over_question = head.bare
            && next.is_some_and(|next| next.level == q && next.asks && next.kind == Kind::Question);
        if head.bracketed || over_question || (deeper_first && below.clone().any(|h| h.asks)) {
            heads[i].kind = Kind::Section;
        }
    }
    // 2. Closing sections, part by part.
    let mut start = 0;
    while start < heads.len() {
        let end = heads[start + 1..]
            .iter()
            .position(|h| h.level <= q && h.kind == Kind::Section)
            .map_or(heads.len(), |at| start + 1 + at);
        close_part(heads, start..end, q);
        start = end;
    }
    // 3. Questions under a label: the nearest shallower heading is a section of level `q`.
    let mut open: Vec<usize> = Vec::new();
    for i in 0..heads.len() {
        let level = heads[i].level;
        while open.last().is_some_and(|&top| heads[top].level >= level) {
            open.pop();
        }
        let parent = open.last().map(|&top| heads[top]);
        if level > q
            && heads[i].asks
            && heads[i].kind == Kind::Text
            && parent.is_some_and(|p| p.level == q && p.kind == Kind::Section)
        {
            heads[i].kind = Kind::Question;
        }
        open.push(i);
    }
}

/// Rule 2 on the headings `part` of `heads`.
fn close_part(heads: &mut [Heading], part: Range<usize>, q: u8) {
    let questions: Vec<usize> = part
        .clone()
        .filter(|&i| heads[i].level == q && heads[i].kind == Kind::Question)
        .collect();
    let asking_first = questions.iter().take_while(|&&i| heads[i].asks).count();
    let tail = &questions[asking_first..];
    let statements = tail.iter().filter(|&&i| !heads[i].asks).count();
    let asking = tail.len() - statements;
    if asking_first < 3 || statements == 0 || statements <= asking || asking_first <= tail.len() {
        return;
    }
    for &i in tail {
        let deeper_below = heads.get(i + 1).is_some_and(|next| next.level > q);
        let head = heads[i];
        if !head.asks && (head.bare || head.links_only || deeper_below) {
            heads[i].kind = Kind::Section;
        }
    }
}

/// The headings among `blocks` (in page order), each with its facts; `kind` gives its first
/// role.
pub(crate) fn read<'a>(
    source: &str,
    blocks: &'a [Block],
    rules: &[Range<usize>],
    kind: impl Fn(&Block) -> Kind,
) -> Vec<(&'a Block, Heading)> {
    let found: Vec<(&Block, u8)> = blocks
        .iter()
        .filter_map(|block| match block.kind {
            BlockKind::Heading(level) => Some((block, level)),
            _ => None,
        })
        .collect();
    let ends = found
        .iter()
        .skip(1)
        .map(|(next, _)| next.span.start)
        .chain([source.len()]);
    found
        .iter()
        .zip(ends)
        .map(|(&(block, level), end)| {
            let own = trim_surroundings(source, block.span.end..end.max(block.span.end), rules);
            let head = Heading {
                level,
                asks: block.asks(),
                bracketed: bracketed(&block.text),
                bare: own.is_empty(),
                links_only: !own.is_empty() && links_only(source, own),
                kind: kind(block),
            };
            (block, head)
        })
        .collect()
}

/// A heading's text wholly in one pair of brackets: `[사용 안내]`, `【よくある質問】`, not
/// `[BlendShape Generator] Which shapes?` nor `[A] and [B]`.
pub(crate) fn bracketed(text: &str) -> bool {
    [('[', ']'), ('【', '】'), ('［', '］'), ('〔', '〕')]
        .iter()
        .any(|&(open, close)| {
            text.strip_prefix(open)
                .and_then(|rest| rest.strip_suffix(close))
                .is_some_and(|inner| !inner.trim().is_empty() && !inner.contains([open, close]))
        })
}

/// `source[range]` is one or more lists whose every item is a link and nothing else (a site's
/// `- [Pricing](/pricing/)` "see also" list), at least one link in all.
pub(crate) fn links_only(source: &str, range: Range<usize>) -> bool {
    let Some(text) = source.get(range) else {
        return false;
    };
    let mut depth = 0usize;
    let mut in_link = 0usize;
    let mut links = 0usize;
    for event in Parser::new_ext(text, markdown_options()) {
        match event {
            Event::Start(tag) => {
                let allowed = match tag {
                    Tag::List(_) => true,
                    Tag::Item | Tag::Paragraph => depth > 0,
                    Tag::Link { .. } if depth > 0 => {
                        in_link += 1;
                        links += 1;
                        true
                    }
                    Tag::Emphasis | Tag::Strong | Tag::Strikethrough => in_link > 0,
                    _ => false,
                };
                if !allowed {
                    return false;
                }
                depth += 1;
            }
            Event::End(tag) => {
                if matches!(tag, pulldown_cmark::TagEnd::Link) {
                    in_link = in_link.saturating_sub(1);
                }
                depth = depth.saturating_sub(1);
            }
            Event::Text(t) | Event::Code(t) => {
                if in_link == 0 && !t.trim().is_empty() {
                    return false;
                }
            }
            Event::SoftBreak | Event::HardBreak => {}
            _ => return false,
        }
    }
    links > 0
}

#[cfg(test)]
mod tests;
