//! The Markdown block scan: the top-level headings, bold paragraphs, one-line quotes and
//! definition terms of a page body, read from pulldown-cmark's offset iterator with byte spans
//! in the whole source, and the thematic breaks and code blocks around them.
//!
//! Only top-level blocks can be questions or sections (a bold line in a list item or a heading
//! in a block quote is answer text); which of them ask is decided in `forms/markdown.rs`.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};

use crate::content::text::{ends_in_question_mark, markdown_options, trim_end_blank};

/// What a top-level block is to the importer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Heading(u8),
    /// A paragraph whose every visible character is strong text.
    BoldParagraph,
    /// A paragraph that opens with a bold question label (`**Q:** How …?`).
    LabelledParagraph,
    /// A top-level block quote of one single-line paragraph (`> How do I …?`).
    Quote,
    /// The term of a top-level definition list (`How do I …?` then `: answer`).
    Term,
}

/// A top-level block that may be a question or a section heading; other blocks are answer or
/// intro text and need no record, since answers are slices between these.
#[derive(Debug)]
pub(crate) struct Block {
    pub(crate) kind: BlockKind,
    /// The `Q:` label the question was written with, taken off `text`.
    pub(crate) label: Option<String>,
    /// Plain text, inline markup stripped, trimmed.
    pub(crate) text: String,
    /// The block's bytes in the source, without trailing whitespace or line ending.
    pub(crate) span: Range<usize>,
    /// Where the answer starts when it shares the question's paragraph: after the answer's
    /// own bold label on the next line (`**Q:** How …?⏎**A:** Yes.` → `Yes.`).
    pub(crate) answer_from: Option<usize>,
    /// The question and answer labels of a pair whose question label is not a known one
    /// (`**S:** …⏎**C:** …`): such pairs ask only when the file repeats them (see [`scan`]).
    pub(crate) pair: Option<(String, String)>,
    /// A paragraph opening with a plain `Q:` label (no bold): asks only in a file with two or
    /// more of them (see [`scan`]).
    pub(crate) plain: bool,
}

impl Block {
    /// Ends in a question mark, or starts with a `Q:` label (`#### Q: How …`).
    pub(crate) fn asks(&self) -> bool {
        ends_in_question_mark(&self.text) || self.label.is_some()
    }

    /// A heading with text but no letter or digit in it: `## ———————`, `### * * *`, `## 🌸🌸`.
    pub(crate) fn is_rule_heading(&self) -> bool {
        matches!(self.kind, BlockKind::Heading(_))
            && !self.text.is_empty()
            && self.label.is_none()
            && !self.text.chars().any(char::is_alphanumeric)
    }

    /// A bold line that labels what follows (`**For women under 35:**`) rather than asks.
    pub(crate) fn is_label(&self) -> bool {
        self.text.trim_end().ends_with([':', '：']) && self.label.is_none()
    }
}

/// The heading at the start of `source[range]`: its plain text, its block span and its level.
pub(crate) fn heading_at(source: &str, range: Range<usize>) -> Option<(String, Range<usize>, u8)> {
    // A heading is one line, or two with a setext underline, and never 4 KiB long: reading
    // more would make a page of nested pairs quadratic (every pair's content read again).
    let mut cap = range.end.min(range.start + 4096);
    while !source.is_char_boundary(cap) {
        cap -= 1;
    }
    let head = source.get(range.start..cap).unwrap_or_default();
    let lines_end = head
        .match_indices('\n')
        .nth(1)
        .map_or(cap, |(at, _)| range.start + at + 1);
    // Only text that can open a heading is parsed: `#`, or a line over a setext underline.
    let atx = head.trim_start_matches(' ').starts_with('#');
    let setext = head.split('\n').nth(1).is_some_and(|underline| {
        let underline = underline.trim();
        !underline.is_empty()
            && (underline.bytes().all(|b| b == b'=') || underline.bytes().all(|b| b == b'-'))
    });
    if !(atx || setext) {
        return None;
    }
    let range = range.start..lines_end;
    let Scan { blocks, .. } = scan_range(source, range.clone());
    let first = blocks.into_iter().next()?;
    match first.kind {
        BlockKind::Heading(level) if first.span.start == range.start => {
            Some((first.text, first.span, level))
        }
        _ => None,
    }
}

/// Splits a `Q:` label (`Q:`, `Q.`, `Q)`, fullwidth too) off the question text:
/// `Q: How …?` → (`Q:`, `How …?`).
fn split_question_label(text: &str) -> Option<(&str, &str)> {
    let trimmed = text.trim_start();
    let mut chars = trimmed.char_indices();
    let (_, first) = chars.next()?;
    let (at, second) = chars.next()?;
    if matches!(first, 'Q' | 'q' | 'Ｑ') && matches!(second, ':' | '.' | ')' | '：') {
        let end = at + second.len_utf8();
        let rest = trimmed[end..].trim_start();
        (!rest.is_empty()).then_some((&trimmed[..end], rest))
    } else {
        None
    }
}

/// Text that is `**…**` (or `__…__`) but was not read as strong emphasis, because of a
/// zero-width character next to a delimiter.
fn bold_by_hand(text: &str) -> bool {
    let text = text.trim_matches(|c: char| c.is_whitespace() || ZERO_WIDTH.contains(&c));
    ["**", "__"].iter().any(|d| {
        text.len() > 4
            && text.starts_with(d)
            && text.ends_with(d)
            && !text[2..text.len() - 2].contains(d)
    })
}

/// The label of a link that Markdown could not read as one, as Hugo writes them:
/// `[Question?]({{< ref "faq#q" >}})` (the spaces make the destination invalid) reads
/// `Question?`.
fn unlink(text: &str) -> &str {
    if let Some(rest) = text.strip_prefix('[')
        && text.ends_with(')')
        && let Some(close) = rest.rfind("](")
    {
        return &rest[..close];
    }
    text
}

/// A bold label that introduces a question: `Q:`, `Q.`, `Q`, `Question:`, `Frage:`…
fn is_question_label(label: &str) -> bool {
    let label = label
        .trim()
        .trim_end_matches([':', '.', ')', '：'])
        .trim()
        .to_lowercase();
    matches!(
        label.as_str(),
        "q" | "ｑ"
            | "question"
            | "frage"
            | "pregunta"
            | "vraag"
            | "domanda"
            | "pergunta"
            | "вопрос"
            | "問"
            | "问"
    )
}

/// Characters that show nothing: a bold line followed by a zero-width space is still bold.
const ZERO_WIDTH: &[char] = &['\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}'];

/// A top-level heading or paragraph being read from the event stream.
struct Pending {
    kind: PendingKind,
    range: Range<usize>,
    text: String,
    /// Nesting depth of `Strong` tags at the current event.
    strong_depth: usize,
    /// Some visible text sits inside strong emphasis.
    strong_text: bool,
    /// Some visible content sits outside strong emphasis.
    plain_content: bool,
    /// The text of a strong span that opens the paragraph before any plain content (a
    /// `**Q:**` label), once closed.
    leading_strong: Option<String>,
    /// The first strong span has closed: later bold text is not part of a label.
    label_closed: bool,
    /// Blocks opened inside a quote (a question quote holds one paragraph).
    inner_blocks: usize,
    /// A line break of the paragraph itself was the last thing read: its start and the
    /// length of `text` before it.
    after_break: Option<(usize, usize)>,
    /// A bold span opening the paragraph's second line, after a leading label: the answer's
    /// label of a question/answer pair written in one paragraph.
    second: Option<SecondLabel>,
    /// A line break of the paragraph has been read.
    broken: bool,
    /// The paragraph's first line is wholly bold and more lines follow (`**Why?**⏎Because.`).
    bold_line: Option<BoldLine>,
}

/// A wholly bold first line: where it ends, `text`'s length there, and where the next line's
/// content starts.
struct BoldLine {
    line_end: usize,
    text_len: usize,
    next: Option<usize>,
    /// The line ends in a hard break (two spaces or `\`): the answer shows on a line of its
    /// own. A soft break shows as a space (`**Why?** Because.`), which asks nothing.
    hard: bool,
}

/// The bold label that opens a paragraph's second line (`**A:**`).
struct SecondLabel {
    /// Where the first line ends (the line break's start) and `text`'s length there.
    line_end: usize,
    text_len: usize,
    /// The end of the bold span, relative to the scanned range.
    end: usize,
    label: String,
    closed: bool,
}

/// A plain label opening a line: one to three letters, maybe a number, and a colon (`A:`,
/// `R:`, `Đáp:`, `A4:`, `ج٣:`).
fn plain_label(text: &str) -> Option<&str> {
    let colon = text.find([':', '：'])?;
    let word = &text[..colon];
    let letters = word.chars().take_while(|c| c.is_alphabetic()).count();
    let digits = word
        .chars()
        .skip(letters)
        .take_while(|c| c.is_numeric())
        .count();
    let end = colon + text[colon..].chars().next().map_or(1, char::len_utf8);
    ((1..=3).contains(&letters) && digits <= 3 && letters + digits == word.chars().count())
        .then(|| &text[..end])
}

/// A colon right after a bold span (`**A**: …`).
fn colon_after(source: &str, at: usize) -> bool {
    source.get(at..).is_some_and(|rest| rest.starts_with(':'))
}

/// A bold label: short text ending in a colon (`Q:`, `Hỏi:`, `Q :`, `प्र:`).
fn is_label_text(text: &str) -> bool {
    let text = text.trim();
    text.ends_with([':', '：'])
        && text.chars().count() <= 16
        && text.split_whitespace().count() <= 3
}

enum PendingKind {
    Heading(u8),
    Paragraph,
    /// A top-level block quote.
    Quote,
    /// The term of a top-level definition list.
    Term,
}

impl Pending {
    fn new(kind: PendingKind, range: Range<usize>) -> Self {
        Self {
            kind,
            range,
            text: String::new(),
            strong_depth: 0,
            strong_text: false,
            plain_content: false,
            leading_strong: None,
            label_closed: false,
            inner_blocks: 0,
            after_break: None,
            second: None,
            broken: false,
            bold_line: None,
        }
    }

    /// Content of the paragraph starts at `at`: the first after a bold first line is where
    /// its answer starts.
    fn line_content(&mut self, at: usize) {
        if let Some(line) = self.bold_line.as_mut()
            && line.next.is_none()
        {
            line.next = Some(at);
        }
    }

    fn visible(&mut self, content: &str) {
        if content
            .trim_matches(|c: char| c.is_whitespace() || ZERO_WIDTH.contains(&c))
            .is_empty()
        {
            return;
        }
        if self.strong_depth > 0 {
            self.strong_text = true;
        } else {
            self.plain_content = true;
        }
    }

    fn finish(self, source: &str, offset: usize) -> Option<Block> {
        // `Q: How …?` without bold: a plain question label opening the paragraph.
        let plain = match self.kind {
            PendingKind::Paragraph if self.leading_strong.is_none() => {
                split_question_label(&self.text).map(|(label, _)| label)
            }
            _ => None,
        };
        // The answer's label opening the second line (`**A:**`, `**A**:`, `A:`).
        let second_label = self.second.as_ref().filter(|second| {
            second.closed
                && (is_label_text(&second.label)
                    || colon_after(source, offset + second.end)
                        && is_label_text(&format!("{}:", second.label)))
        });
        // `**Why?**␠␠⏎Because.`: a bold first line that asks, ended by a hard break or followed
        // by the answer's label, the answer on the next lines.
        let bold_line = self.bold_line.as_ref().filter(|line| {
            let first = self.text.get(..line.text_len).unwrap_or_default().trim();
            line.next.is_some()
                && self.plain_content
                && (line.hard || second_label.is_some())
                && (ends_in_question_mark(first) || split_question_label(first).is_some())
        });
        // A second line opening with another label: question and answer in one paragraph.
        let pair = second_label.filter(|second| {
            self.leading_strong
                .as_deref()
                .or(plain)
                .is_some_and(|first| first.trim() != second.label.trim())
        });
        let kind = match self.kind {
            PendingKind::Heading(level) => BlockKind::Heading(level),
            PendingKind::Paragraph if self.strong_text && !self.plain_content => {
                BlockKind::BoldParagraph
            }
            PendingKind::Paragraph if bold_line.is_some() => BlockKind::BoldParagraph,
            // `**Q:** How do I …?`: a question behind a bold label; or any label when the
            // next line opens with the answer's (`**S:** …⏎**C:** …`).
            PendingKind::Paragraph
                if self.leading_strong.as_deref().is_some_and(|l| {
                    is_question_label(l) || (pair.is_some() && is_label_text(l))
                }) =>
            {
                BlockKind::LabelledParagraph
            }
            PendingKind::Paragraph if plain.is_some() => BlockKind::LabelledParagraph,
            // `**Why?**` followed by a zero-width space is not strong to CommonMark (the
            // closing `**` is not right-flanking), yet it is a bold question to its author.
            PendingKind::Paragraph if bold_by_hand(&self.text) => BlockKind::BoldParagraph,
            PendingKind::Paragraph => return None,
            PendingKind::Quote if self.inner_blocks == 1 && !self.text.contains('\n') => {
                BlockKind::Quote
            }
            PendingKind::Quote => return None,
            PendingKind::Term => BlockKind::Term,
        };
        let start = offset + self.range.start;
        let pair = pair.filter(|_| kind == BlockKind::LabelledParagraph);
        // A pair's question is its first line; its answer starts after the second label.
        // After the answer's label (`**A**: Yes.`: the colon after the bold span is the label's).
        let after_label = |second: &SecondLabel| {
            let colon = usize::from(colon_after(source, offset + second.end));
            let answer_from = offset + second.end + colon;
            let rest = source.get(answer_from..).unwrap_or_default();
            answer_from + rest.len() - rest.trim_start_matches([' ', '\t']).len()
        };
        let bold_line = bold_line.filter(|_| kind == BlockKind::BoldParagraph);
        let (end, text, answer_from) = match (pair, bold_line) {
            (Some(second), _) => (
                trim_end_blank(source, start..offset + second.line_end),
                self.text.get(..second.text_len).unwrap_or_default(),
                Some(after_label(second)),
            ),
            (None, Some(line)) => (
                trim_end_blank(source, start..offset + line.line_end),
                self.text.get(..line.text_len).unwrap_or_default(),
                second_label
                    .map(after_label)
                    .or(line.next.map(|next| offset + next)),
            ),
            (None, None) => (
                trim_end_blank(source, start..offset + self.range.end),
                self.text.as_str(),
                None,
            ),
        };
        let text = text.trim_matches(|c: char| c.is_whitespace() || ZERO_WIDTH.contains(&c));
        let text = unlink(text).trim();
        let text = match kind {
            BlockKind::BoldParagraph if bold_by_hand(text) => {
                text.trim_matches(|c: char| c == '*' || c == '_' || ZERO_WIDTH.contains(&c))
            }
            _ => text,
        };
        // A quote that does not ask is a question only if it reads like one: it starts with a
        // word, not with `-Dflag=…` or a path.
        if kind == BlockKind::Quote
            && !ends_in_question_mark(text)
            && !text
                .chars()
                .next()
                .is_some_and(|c| c.is_alphanumeric() || "¿¡\"«„“(".contains(c))
        {
            return None;
        }
        // `#### Q: How …?`, `**Q: How …?**` and `**Q:** How …?` ask `How …?`.
        let (label, text) = match (kind, &self.leading_strong) {
            (BlockKind::LabelledParagraph, None) => match split_question_label(text) {
                Some((label, rest)) => (Some(label.to_owned()), rest),
                None => (None, text),
            },
            (BlockKind::LabelledParagraph, Some(label)) => {
                let label = label.trim();
                let rest = text.strip_prefix(label).unwrap_or(text).trim_start();
                // `**Q**: How …?`: the colon after the bold span is the label's.
                let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
                (Some(label.to_owned()), rest)
            }
            (BlockKind::Heading(_) | BlockKind::BoldParagraph, _) => {
                match split_question_label(text) {
                    Some((label, rest)) => (Some(label.to_owned()), rest),
                    // `**س: …؟**⏎**ج:** …`: a bold line behind its own label, answered behind
                    // another.
                    None => match plain_label(text)
                        .filter(|_| bold_line.is_some() && second_label.is_some())
                    {
                        Some(label) => (Some(label.to_owned()), text[label.len()..].trim_start()),
                        None => (None, text),
                    },
                }
            }
            _ => (None, text),
        };
        let pair = match (pair, &label) {
            (Some(second), Some(first)) if !is_question_label(first) => {
                Some((first.clone(), second.label.trim().to_owned()))
            }
            _ => None,
        };
        Some(Block {
            kind,
            label,
            text: text.to_owned(),
            span: start..end,
            answer_from,
            pair,
            plain: plain.is_some() && kind == BlockKind::LabelledParagraph,
        })
    }
}

/// What the importer needs of the body's top-level blocks, with spans in the whole source.
pub(crate) struct Scan {
    /// Headings and wholly-bold paragraphs.
    pub(crate) blocks: Vec<Block>,
    /// Thematic breaks (`---`, `***`, `___`), in source order.
    pub(crate) rules: Vec<Range<usize>>,
    /// Code blocks at any depth: shortcodes inside them are examples, not items.
    pub(crate) code: Vec<Range<usize>>,
}

/// Reads the top-level blocks of the body (`source[body_start..]`).
pub(crate) fn scan(source: &str, body_start: usize) -> Scan {
    scan_range(source, body_start..source.len())
}

/// Reads the top-level blocks of `source[range]`, with spans in the whole source.
pub(crate) fn scan_range(source: &str, range: Range<usize>) -> Scan {
    let body_start = range.start;
    let body = source.get(range).unwrap_or_default();
    let mut blocks = Vec::new();
    let mut rules = Vec::new();
    let mut code = Vec::new();
    let mut in_definition_list = false;
    // Depth of open tags: blocks opened at depth 0 are top-level; list items, block quotes and
    // their contents are deeper and never questions.
    let mut depth = 0usize;
    let mut current: Option<Pending> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if let Tag::CodeBlock(_) = tag {
                    code.push(body_start + range.start..body_start + range.end);
                }
                if depth == 0 {
                    current = match tag {
                        Tag::Heading { level, .. } => Some(Pending::new(
                            PendingKind::Heading(level_number(level)),
                            range,
                        )),
                        Tag::Paragraph => Some(Pending::new(PendingKind::Paragraph, range)),
                        Tag::BlockQuote(_) => Some(Pending::new(PendingKind::Quote, range)),
                        Tag::DefinitionList => {
                            in_definition_list = true;
                            None
                        }
                        _ => None,
                    };
                } else if depth == 1 && in_definition_list {
                    if let Tag::DefinitionListTitle = tag {
                        current = Some(Pending::new(PendingKind::Term, range));
                    }
                } else if let Some(pending) = current.as_mut() {
                    pending.line_content(range.start);
                    let after_break = pending.after_break.take();
                    match tag {
                        Tag::Strong => {
                            if pending.strong_depth == 0
                                && !pending.plain_content
                                && !pending.strong_text
                            {
                                pending.leading_strong = Some(String::new());
                            }
                            // The first bold span of the paragraph's second line.
                            if let Some((line_end, text_len)) = after_break
                                && pending.strong_depth == 0
                                && pending.second.is_none()
                                && pending.leading_strong.is_some()
                            {
                                pending.second = Some(SecondLabel {
                                    line_end,
                                    text_len,
                                    end: range.end,
                                    label: String::new(),
                                    closed: false,
                                });
                            }
                            pending.strong_depth += 1;
                        }
                        _ if depth == 1 && matches!(pending.kind, PendingKind::Quote) => {
                            pending.inner_blocks += 1;
                        }
                        _ => {}
                    }
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                let closes_term = depth == 1 && matches!(tag, TagEnd::DefinitionListTitle);
                if depth == 0 || closes_term {
                    if depth == 0 {
                        in_definition_list = false;
                    }
                    match current.take().and_then(|p| p.finish(source, body_start)) {
                        // A heading without a letter or a digit (`## ———`, `## ⭐⭐⭐`) is
                        // drawn as a rule between entries: never a question nor a section.
                        Some(block) if block.is_rule_heading() => rules.push(block.span),
                        Some(block) => blocks.push(block),
                        None => {}
                    }
                } else if let (Some(pending), TagEnd::Strong) = (current.as_mut(), tag) {
                    pending.strong_depth = pending.strong_depth.saturating_sub(1);
                    if pending.strong_depth == 0 {
                        // The opening strong span, if any, is complete.
                        pending.label_closed = true;
                        if let Some(second) = pending.second.as_mut() {
                            second.closed = true;
                        }
                    }
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(pending) = current.as_mut() {
                    pending.line_content(range.start);
                    // `A: Yes.` opening the second line of a plain `Q:` paragraph.
                    if let Some((line_end, text_len)) = pending.after_break.take()
                        && pending.strong_depth == 0
                        && pending.second.is_none()
                        && (pending.leading_strong.is_none() || pending.bold_line.is_some())
                        && let Some(label) = plain_label(&text)
                    {
                        pending.second = Some(SecondLabel {
                            line_end,
                            text_len,
                            end: range.start + label.len(),
                            label: label.to_owned(),
                            closed: true,
                        });
                    }
                    if pending.strong_depth > 0
                        && let Some(second) = pending.second.as_mut()
                        && !second.closed
                    {
                        second.label.push_str(&text);
                    }
                    if pending.strong_depth > 0
                        && !pending.label_closed
                        && let Some(label) = pending.leading_strong.as_mut()
                    {
                        label.push_str(&text);
                    }
                    pending.visible(&text);
                    pending.text.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(pending) = current.as_mut() {
                    if depth == 1 && pending.strong_depth == 0 {
                        pending.after_break = Some((range.start, pending.text.len()));
                        if !pending.broken
                            && pending.leading_strong.is_some()
                            && pending.strong_text
                            && !pending.plain_content
                        {
                            pending.bold_line = Some(BoldLine {
                                line_end: range.start,
                                text_len: pending.text.len(),
                                next: None,
                                hard: matches!(event, Event::HardBreak),
                            });
                        }
                        pending.broken = true;
                    }
                    // A quote's line breaks are kept to tell one-line quotes apart.
                    pending
                        .text
                        .push(if matches!(pending.kind, PendingKind::Quote) {
                            '\n'
                        } else {
                            ' '
                        });
                }
            }
            // Inline HTML (`<a name="q1"></a>`, `<br>`) shows no text of its own: a bold
            // question with an anchor before it is still wholly bold. A block of HTML is content.
            Event::InlineHtml(_) => {
                if let Some(pending) = current.as_mut() {
                    pending.line_content(range.start);
                    pending.after_break = None;
                }
            }
            Event::Html(html) => {
                if let Some(pending) = current.as_mut() {
                    pending.visible(&html);
                }
            }
            Event::InlineMath(math) | Event::DisplayMath(math) => {
                if let Some(pending) = current.as_mut() {
                    pending.visible(&math);
                    pending.text.push_str(&math);
                }
            }
            Event::FootnoteReference(_) | Event::TaskListMarker(_) => {
                if let Some(pending) = current.as_mut() {
                    pending.visible("x");
                }
            }
            Event::Rule => {
                if depth == 0 {
                    let start = body_start + range.start;
                    rules.push(start..trim_end_blank(source, start..body_start + range.end));
                }
            }
        }
    }
    keep_repeated_pairs(&mut blocks);
    Scan {
        blocks,
        rules,
        code,
    }
}

/// Paragraphs behind a plain `Q:` label ask only in a file with two or more of them.
/// Question/answer pairs behind labels that are not known question labels
/// (`**S:** …?⏎**C:** …`, `**Hỏi:** …?⏎**Đáp:** …`) are a FAQ's only when the file writes two
/// or more with the same labels and at least half of them ask (end in a question mark); a lone
/// `**Input:** …⏎**Output:** …` is answer text.
fn keep_repeated_pairs(blocks: &mut Vec<Block>) {
    let mut tally: std::collections::BTreeMap<&(String, String), (usize, usize)> =
        std::collections::BTreeMap::new();
    for block in blocks.iter() {
        if let Some(pair) = &block.pair {
            let count = tally.entry(pair).or_default();
            count.0 += 1;
            if ends_in_question_mark(&block.text) {
                count.1 += 1;
            }
        }
    }
    let plain = blocks.iter().filter(|block| block.plain).count();
    let keep: Vec<bool> = blocks
        .iter()
        .map(|block| {
            (!block.plain || plain >= 2)
                && block.pair.as_ref().is_none_or(|pair| {
                    tally
                        .get(pair)
                        .is_some_and(|&(n, asking)| n >= 2 && asking >= 2 && asking * 2 >= n)
                })
        })
        .collect();
    let mut keep = keep.into_iter();
    blocks.retain(|_| keep.next().unwrap_or(true));
}

fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}
