//! List FAQs, and the HTML ranges of a body, from one pass of pulldown-cmark's offset iterator.
//!
//! A list FAQ is a top-level ordered or unordered list whose items each start with their
//! question, either in bold (`- **How do I …?**`) or as a first line ending in a
//! question mark (`1. How do I …?`), and continues with its answer (on the same line after a
//! bold question, or as the item's next lines and nested paragraphs); at least one item has an
//! answer. The answer's continuation lines lose the item's indentation on import and get it
//! back on export. A list of one item counts when that item has an answer.

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use crate::content::text::ends_in_question_mark;
use crate::content::text::markdown_options;

/// One list item read as a question and its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListItem {
    /// The whole item, marker included, without trailing blank lines.
    pub item_span: Range<usize>,
    /// The bold span (`**…**`) or the first line.
    pub question_span: Range<usize>,
    pub question: String,
    /// From the first character after the question to the end of the item; empty right after
    /// the question when there is no answer.
    pub answer_span: Range<usize>,
    /// The answer without the item's indentation on its continuation lines.
    pub answer: String,
    /// The width of the item's marker and the spaces after it: the indentation of its
    /// continuation lines.
    pub indent: usize,
    /// The question was written in bold.
    pub bold: bool,
}

/// What one pass over a body finds for the other forms.
#[derive(Debug, Default)]
pub struct BodyScan {
    /// Byte ranges of HTML blocks' lines and inline HTML, in order (whole source offsets).
    pub html: Vec<Range<usize>>,
    /// The FAQ lists of the body, each with its items.
    pub lists: Vec<Vec<ListItem>>,
    /// Questions asked by one-item lists with no answer inside the item, whose answer follows
    /// as the blocks after the list (`1.  **Why?**`, a blank line, then unindented
    /// paragraphs): each such item's answer is everything up to the next question. Kept only
    /// when there are two or more and some text follows one of them; their answer spans are
    /// left to the importer, which knows where the next question starts.
    pub bare: Vec<ListItem>,
}

#[derive(Default)]
struct PendingItem {
    range: Range<usize>,
    /// Text of the first line (or of the leading bold span when there is one).
    first_line: String,
    first_line_done: bool,
    /// The first inline content seen, to tell a leading bold span.
    saw_content: bool,
    strong: Option<Range<usize>>,
    strong_text: String,
    strong_depth: usize,
    strong_done: bool,
}

/// One pass over `source[body_start..]`.
pub fn scan(source: &str, body_start: usize) -> BodyScan {
    let body = source.get(body_start..).unwrap_or_default();
    let mut out = BodyScan::default();
    let mut depth = 0usize;
    let mut list: Option<Vec<Option<ListItem>>> = None;
    let mut item: Option<PendingItem> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        let range = body_start + range.start..body_start + range.end;
        match event {
            Event::Start(tag) => {
                match (&tag, depth) {
                    (Tag::List(_), 0) => list = Some(Vec::new()),
                    (Tag::Item, 1) if list.is_some() => {
                        item = Some(PendingItem {
                            range: range.clone(),
                            ..PendingItem::default()
                        });
                    }
                    (Tag::Strong, _) if depth >= 2 => {
                        if let Some(p) = item.as_mut() {
                            if !p.saw_content && p.strong.is_none() {
                                p.strong = Some(range.clone());
                            }
                            if p.strong.is_some() && !p.strong_done {
                                p.strong_depth += 1;
                            }
                            p.saw_content = true;
                        }
                    }
                    (Tag::Paragraph, _) => {}
                    (_, d) if d >= 2 => {
                        // Any other block ends the first line.
                        if let Some(p) = item.as_mut()
                            && p.saw_content
                        {
                            p.first_line_done = true;
                        }
                    }
                    _ => {}
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                match (tag, depth) {
                    (TagEnd::List(_), 0) => {
                        let items = list
                            .take()
                            .and_then(|items| items.into_iter().collect::<Option<Vec<_>>>())
                            .unwrap_or_default();
                        if items.iter().any(|i| !i.answer.is_empty())
                            && (items.len() >= 2 || items.iter().all(|i| !i.answer.is_empty()))
                        {
                            out.lists.push(items);
                        } else if let [item] = items.as_slice() {
                            out.bare.push(item.clone());
                        }
                    }
                    (TagEnd::Item, 1) => {
                        if let (Some(p), Some(items)) = (item.take(), list.as_mut()) {
                            items.push(finish(source, p));
                        }
                    }
                    (TagEnd::Strong, _) => {
                        if let Some(p) = item.as_mut()
                            && p.strong.is_some()
                            && !p.strong_done
                        {
                            p.strong_depth = p.strong_depth.saturating_sub(1);
                            if p.strong_depth == 0 {
                                p.strong_done = true;
                            }
                        }
                    }
                    (TagEnd::Paragraph, _) => {
                        if let Some(p) = item.as_mut()
                            && p.saw_content
                        {
                            p.first_line_done = true;
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(p) = item.as_mut() {
                    p.saw_content = true;
                    if !p.first_line_done {
                        p.first_line.push_str(&text);
                    }
                    if p.strong.is_some() && !p.strong_done {
                        p.strong_text.push_str(&text);
                    }
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(p) = item.as_mut() {
                    p.first_line_done = true;
                    if p.strong.is_some() && !p.strong_done {
                        p.strong_text.push(' ');
                    }
                }
            }
            Event::Html(_) | Event::InlineHtml(_) => {
                out.html.push(range);
            }
            _ => {
                if let Some(p) = item.as_mut() {
                    p.saw_content = true;
                }
            }
        }
    }
    keep_answered_bare(source, &mut out.bare);
    out
}

/// Bare questions count when there are two or more and text follows at least one of them
/// before the next (a list of questions alone is a table of contents, not a FAQ).
fn keep_answered_bare(source: &str, bare: &mut Vec<ListItem>) {
    let answered = bare.iter().enumerate().any(|(i, item)| {
        let next = bare.get(i + 1).map_or(source.len(), |n| n.item_span.start);
        source
            .get(item.item_span.end..next)
            .is_some_and(|text| !text.trim().is_empty())
    });
    if bare.len() < 2 || !answered {
        bare.clear();
    }
}

/// The item as a question and answer, if it starts with a question.
fn finish(source: &str, p: PendingItem) -> Option<ListItem> {
    let end = p.range.start
        + source
            .get(p.range.clone())?
            .trim_end_matches([' ', '\t', '\r', '\n'])
            .len();
    let item_span = p.range.start..end;
    let line_start = source[..p.range.start].rfind('\n').map_or(0, |n| n + 1);
    // The content starts after the marker and its spaces.
    let text = &source[item_span.clone()];
    let marker = text
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '-' | '*' | '+' | '.' | ')')))
        .unwrap_or(text.len());
    let spaces = text[marker..].len() - text[marker..].trim_start_matches([' ', '\t']).len();
    let content_start = item_span.start + marker + spaces;
    let indent = content_start - line_start;
    let (question_span, question, bold) = match p.strong {
        Some(strong) if strong.start == content_start && p.strong_done => {
            let question = p.strong_text.trim().to_owned();
            let line_end = source[strong.end..end]
                .find('\n')
                .map_or(end, |n| strong.end + n);
            let rest_of_line = source[strong.end..line_end].trim();
            // Bold that asks, or bold that is the whole first line, unless it labels what
            // follows (`1. **Content management systems:**`): a list of points, not questions.
            let label = question.ends_with([':', '：']);
            if !(ends_in_question_mark(&question) || (rest_of_line.is_empty() && !label)) {
                return None;
            }
            (strong, question, true)
        }
        _ => {
            let question = p.first_line.trim().to_owned();
            if !ends_in_question_mark(&question) {
                return None;
            }
            let line_end = source[content_start..end]
                .find('\n')
                .map_or(end, |n| content_start + n);
            let line_end = content_start
                + source[content_start..line_end]
                    .trim_end_matches([' ', '\t', '\r'])
                    .len();
            (content_start..line_end, question, false)
        }
    };
    if question.is_empty() {
        return None;
    }
    let after = &source[question_span.end..end];
    let answer_start = question_span.end + (after.len() - after.trim_start().len());
    let answer_span = if answer_start >= end {
        question_span.end..question_span.end
    } else {
        answer_start..end
    };
    let answer = dedent(&source[answer_span.clone()], indent);
    Some(ListItem {
        item_span,
        question_span,
        question,
        answer_span,
        answer,
        indent,
        bold,
    })
}

/// Continuation lines without up to `indent` leading spaces.
fn dedent(text: &str, indent: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split_inclusive('\n').enumerate() {
        if i == 0 {
            out.push_str(line);
            continue;
        }
        let spaces = line.len() - line.trim_start_matches(' ').len();
        out.push_str(&line[spaces.min(indent)..]);
    }
    out
}

/// The inverse of `dedent`: an answer written as an item's continuation lines.
pub fn indent(answer: &str, indent: usize, newline: &str) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(answer.len() + 16);
    for (i, line) in answer.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if i > 0 {
            out.push_str(newline);
            if !line.is_empty() {
                out.push_str(&pad);
            }
        }
        out.push_str(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bold_and_question_line_items_with_nested_answers() {
        let source = "Intro.\n\n1. **How do I start?**\n\n   Run it.\n\n   - a step\n\n2. **Is it free?** Yes, always.\n\n3. Where is it?\n   Here,\n   and there.\n\n- not a question\n- nor this\n";
        let found = scan(source, 0);
        assert_eq!(found.lists.len(), 1);
        let got: Vec<(&str, &str, bool)> = found.lists[0]
            .iter()
            .map(|i| (i.question.as_str(), i.answer.as_str(), i.bold))
            .collect();
        assert_eq!(
            got,
            [
                ("How do I start?", "Run it.\n\n- a step", true),
                ("Is it free?", "Yes, always.", true),
                ("Where is it?", "Here,\nand there.", false),
            ]
        );
        assert_eq!(
            &source[found.lists[0][0].question_span.clone()],
            "**How do I start?**"
        );
        assert_eq!(
            indent("Run it.\n\n- a step", 3, "\n"),
            "Run it.\n\n   - a step"
        );
    }

    #[test]
    fn a_list_needs_questions_in_every_item_and_some_answer() {
        assert!(scan("- Why?\n- How?\n", 0).lists.is_empty());
        assert!(scan("- Why?\n", 0).lists.is_empty());
        assert_eq!(scan("- **Why?** Because.\n", 0).lists.len(), 1);
        assert!(
            scan("- Why?\n  Because.\n- Plain item\n", 0)
                .lists
                .is_empty()
        );
        assert_eq!(scan("* Why?\n  Because.\n* How?\n", 0).lists.len(), 1);
    }

    #[test]
    fn html_ranges_are_collected_outside_code() {
        let source =
            "<details>\n<summary>Q?</summary>\n\nA `<b>` b.\n\n</details>\n\n```\n<div>\n```\n";
        let found = scan(source, 0);
        let html: Vec<&str> = found.html.iter().map(|r| &source[r.clone()]).collect();
        assert_eq!(
            html,
            ["<details>\n", "<summary>Q?</summary>\n", "</details>\n"]
        );
    }
}
