//! Import: splits a page file into front matter, intro, sections and question/answer entries,
//! keeping every piece as an exact byte span of the source so that an unedited page can be
//! written back byte for byte.
//!
//! Blocks are found with pulldown-cmark's offset iterator, never with regular expressions over
//! Markdown; only top-level blocks can be questions or sections (a bold line in a list item or a
//! heading in a block quote is answer text).
//!
//! # Choosing the question style
//!
//! Unless the caller forces a style, [`parse_page`] picks one per file:
//!
//! 1. For each heading level, count the top-level headings whose text ends in a question mark
//!    (`?`, fullwidth `？` or Arabic `؟`, closing quotes and brackets ignored). The level with the
//!    most such headings is the candidate (the shallower one on a tie).
//! 2. Count the top-level paragraphs wholly in bold (`**…**` or `__…__`) that end in a question
//!    mark.
//! 3. If the candidate level has at least one question heading and at least as many as there are
//!    bold questions, the file asks its questions with headings at that level
//!    ([`QuestionStyle::Heading`]); bold lines are then ordinary answer text.
//! 4. Otherwise, if the file has any paragraph wholly in bold, it asks them in bold
//!    ([`QuestionStyle::Bold`]): every such paragraph is a question, whether or not it ends in a
//!    question mark.
//! 5. Otherwise there is no question: [`ImportError::NoQuestions`].
//!
//! # Answers, intro and sections
//!
//! An answer is the source text from its question to the next question or section heading,
//! without the blank lines around it, without trailing whitespace and without thematic breaks
//! (`---`) that end it: those separate entries on many FAQ pages. The intro is the text before
//! the first question or section heading, trimmed the same way. The bytes left out stay between
//! the spans, so the file is always exactly its spans plus the gaps between them.

use std::fmt;
use std::ops::Range;
use std::str::FromStr;

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::front_matter::{self, FrontMatter};
use super::markdown_options;

/// How a file marks its questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionStyle {
    /// A top-level paragraph wholly in bold; any heading above is a section.
    Bold,
    /// A top-level heading of this level (1–6); shallower headings are sections, deeper ones
    /// belong to the answers.
    Heading(u8),
}

impl fmt::Display for QuestionStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bold => f.write_str("bold"),
            Self::Heading(level) => write!(f, "h{level}"),
        }
    }
}

/// The error of [`QuestionStyle::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown question style `{0}`: expected `bold` or a heading level `h1` to `h6`")]
pub struct ParseQuestionStyleError(String);

impl FromStr for QuestionStyle {
    type Err = ParseQuestionStyleError;

    /// `bold`, `h1` … `h6` (ASCII case-insensitive).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "bold" => Ok(Self::Bold),
            "h1" => Ok(Self::Heading(1)),
            "h2" => Ok(Self::Heading(2)),
            "h3" => Ok(Self::Heading(3)),
            "h4" => Ok(Self::Heading(4)),
            "h5" => Ok(Self::Heading(5)),
            "h6" => Ok(Self::Heading(6)),
            _ => Err(ParseQuestionStyleError(s.to_owned())),
        }
    }
}

impl Serialize for QuestionStyle {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for QuestionStyle {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A page file split into its parts. Every `*_span` is a byte range of [`ParsedPage::source`]
/// holding exactly the matching text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedPage {
    /// The file as given, except that a leading byte order mark is dropped.
    pub source: String,
    /// The front matter block, if the file has one; `source` starts with its `raw` text.
    pub front_matter: Option<FrontMatter>,
    /// Front matter `title`, when it is a string.
    pub title: Option<String>,
    /// Front matter `description`, when it is a string.
    pub description: Option<String>,
    /// Front matter `draft: true`.
    pub draft: bool,
    /// Front matter `language`, else `lang`, when a string, as written.
    pub lang: Option<String>,
    /// The Markdown between the front matter and the first question or section heading,
    /// verbatim, without surrounding blank lines (`""` if none).
    pub intro: String,
    /// The span of `intro`; an empty range at the start of the body when there is none.
    pub intro_span: Range<usize>,
    /// The question style used: the one chosen, or the one forced.
    pub style: QuestionStyle,
    /// The section headings, in source order (none in most files).
    pub sections: Vec<ParsedSection>,
    /// The questions and answers in source order; never empty.
    pub entries: Vec<ParsedEntry>,
}

/// A section heading: a heading above questions (any heading in a bold-style file, a shallower
/// heading than the questions in a heading-style one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedSection {
    /// Plain text of the heading, inline markup stripped.
    pub title: String,
    /// Heading level, 1–6.
    pub level: u8,
    /// The heading's block, without its trailing line ending.
    pub span: Range<usize>,
    /// Markdown between the heading and the next question or section heading, without
    /// surrounding blank lines; it belongs to no entry (usually `""`).
    pub intro: String,
    /// The span of `intro`; an empty range right after the heading when there is none.
    pub intro_span: Range<usize>,
}

/// One question and its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedEntry {
    /// Plain text of the nearest section heading above the question; `None` before any (or
    /// under a section heading with no text).
    pub section: Option<String>,
    /// Plain text of the question, inline markup stripped.
    pub question: String,
    /// The answer's Markdown exactly as written: the text between the question and the next
    /// question or section heading, without the blank lines around it, trailing whitespace or
    /// a closing thematic break (`---`); the first line keeps its indentation.
    pub answer: String,
    /// The question's block (the bold paragraph or the heading, setext underline included),
    /// without its trailing line ending and trailing whitespace.
    pub question_span: Range<usize>,
    /// The span of `answer`. For an empty answer, an empty range right after the question.
    pub answer_span: Range<usize>,
}

/// Why a file cannot be imported. The messages are shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The front matter is unterminated, is not valid YAML/TOML, or is not a mapping.
    #[error("invalid front matter: {0}")]
    FrontMatter(String),
    /// The file has neither bold questions nor question headings.
    #[error(
        "no question found: a question is either a paragraph wholly in bold \
         (`**What is a technical coach?**`) or a heading ending in a question mark \
         (`## What is a technical coach?`), outside lists and quotes; this file has neither. \
         If it marks its questions differently, choose the style with \
         `--questions bold|h2|h3|…` (`questions=` on the HTTP import)"
    )]
    NoQuestions,
    /// The style the caller forced finds no question in the file.
    #[error("no question found with `--questions {0}` (`questions={0}`): {reason}", reason = forced_style_reason(*.0))]
    NoQuestionsInStyle(QuestionStyle),
}

fn forced_style_reason(style: QuestionStyle) -> String {
    match style {
        QuestionStyle::Bold => "the file has no paragraph wholly in bold (`**…**`) \
                                outside lists and quotes"
            .to_owned(),
        QuestionStyle::Heading(level @ 1..=6) => format!(
            "the file has no level-{level} heading (`{} …`) with text outside lists and quotes",
            "#".repeat(usize::from(level))
        ),
        QuestionStyle::Heading(level) => {
            format!("there is no heading level {level}: levels go from 1 to 6")
        }
    }
}

/// Splits a page file into front matter, intro, sections and entries.
///
/// `forced` imposes a question style; without it the style is chosen as described in the
/// [module documentation](self). A leading byte order mark is dropped. Never panics.
pub fn parse_page(source: &str, forced: Option<QuestionStyle>) -> Result<ParsedPage, ImportError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (front_matter, body_start) = front_matter::split(source)?;
    let Scan { blocks, rules } = scan(source, body_start);
    let style = match forced {
        Some(style) => style,
        None => choose_style(&blocks).ok_or(ImportError::NoQuestions)?,
    };

    let markers: Vec<(&Block, Role)> = blocks
        .iter()
        .filter_map(|block| match block.role(style) {
            Role::Content => None,
            role => Some((block, role)),
        })
        .collect();

    let end_of_next = |i: usize| {
        markers
            .get(i + 1)
            .map_or(source.len(), |(b, _)| b.span.start)
    };
    let intro_end = markers.first().map_or(source.len(), |(b, _)| b.span.start);
    let intro_span = trim_surroundings(source, body_start..intro_end, &rules);

    let mut sections = Vec::new();
    let mut entries = Vec::new();
    let mut section: Option<String> = None;
    for (i, (block, role)) in markers.iter().enumerate() {
        let after = trim_surroundings(source, block.span.end..end_of_next(i), &rules);
        match role {
            Role::Section(level) => {
                section = Some(block.text.clone()).filter(|text| !text.is_empty());
                sections.push(ParsedSection {
                    title: block.text.clone(),
                    level: *level,
                    span: block.span.clone(),
                    intro: source[after.clone()].to_owned(),
                    intro_span: after,
                });
            }
            Role::Question => entries.push(ParsedEntry {
                section: section.clone(),
                question: block.text.clone(),
                answer: source[after.clone()].to_owned(),
                question_span: block.span.clone(),
                answer_span: after,
            }),
            Role::Content => {}
        }
    }
    if entries.is_empty() {
        return Err(match forced {
            Some(style) => ImportError::NoQuestionsInStyle(style),
            None => ImportError::NoQuestions,
        });
    }

    let string = |key: &str| {
        front_matter
            .as_ref()
            .and_then(|fm| fm.str(key))
            .map(str::to_owned)
    };
    Ok(ParsedPage {
        title: string("title"),
        description: string("description"),
        draft: front_matter
            .as_ref()
            .and_then(|fm| fm.value.get("draft"))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
        lang: string("language").or_else(|| string("lang")),
        intro: source[intro_span.clone()].to_owned(),
        intro_span,
        style,
        sections,
        entries,
        front_matter,
        source: source.to_owned(),
    })
}

/// Applies the rule of the module documentation; `None` when the file has no question.
fn choose_style(blocks: &[Block]) -> Option<QuestionStyle> {
    let mut question_headings = [0usize; 6];
    let mut bold = 0usize;
    let mut bold_questions = 0usize;
    for block in blocks {
        match block.kind {
            BlockKind::Heading(level) if block.ends_in_question_mark() => {
                if let Some(count) = question_headings.get_mut(usize::from(level) - 1) {
                    *count += 1;
                }
            }
            BlockKind::BoldParagraph => {
                bold += 1;
                if block.ends_in_question_mark() {
                    bold_questions += 1;
                }
            }
            _ => {}
        }
    }
    // `max_by_key` keeps the last maximum: scan from the deepest level so that the shallowest
    // level wins a tie.
    let (best_level, best_count) = (1u8..=6)
        .rev()
        .zip(question_headings.iter().rev().copied())
        .max_by_key(|&(_, count)| count)?;
    if best_count > 0 && best_count >= bold_questions {
        Some(QuestionStyle::Heading(best_level))
    } else if bold > 0 {
        Some(QuestionStyle::Bold)
    } else {
        None
    }
}

/// What a top-level block is to the importer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
    Heading(u8),
    /// A paragraph whose every visible character is strong text.
    BoldParagraph,
}

/// A top-level block that may be a question or a section heading; other blocks are answer or
/// intro text and need no record, since answers are slices between these.
#[derive(Debug)]
struct Block {
    kind: BlockKind,
    /// Plain text, inline markup stripped, trimmed.
    text: String,
    /// The block's bytes in the source, without trailing whitespace or line ending.
    span: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Question,
    Section(u8),
    Content,
}

impl Block {
    fn role(&self, style: QuestionStyle) -> Role {
        match (style, self.kind) {
            (QuestionStyle::Bold, BlockKind::BoldParagraph) => Role::Question,
            (QuestionStyle::Bold, BlockKind::Heading(level)) => Role::Section(level),
            // A question needs words: an empty `##` line stays answer text.
            (QuestionStyle::Heading(q), BlockKind::Heading(level))
                if level == q && !self.text.is_empty() =>
            {
                Role::Question
            }
            (QuestionStyle::Heading(q), BlockKind::Heading(level)) if level < q => {
                Role::Section(level)
            }
            _ => Role::Content,
        }
    }

    fn ends_in_question_mark(&self) -> bool {
        // `Is it "free?"` or `(really?)` still asks.
        let text = self
            .text
            .trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', ' ']);
        text.ends_with(['?', '？', '؟'])
    }
}

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
}

enum PendingKind {
    Heading(u8),
    Paragraph,
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
        }
    }

    fn visible(&mut self, content: &str) {
        if content.trim().is_empty() {
            return;
        }
        if self.strong_depth > 0 {
            self.strong_text = true;
        } else {
            self.plain_content = true;
        }
    }

    fn finish(self, source: &str, offset: usize) -> Option<Block> {
        let kind = match self.kind {
            PendingKind::Heading(level) => BlockKind::Heading(level),
            PendingKind::Paragraph if self.strong_text && !self.plain_content => {
                BlockKind::BoldParagraph
            }
            PendingKind::Paragraph => return None,
        };
        let start = offset + self.range.start;
        let end = trim_end_blank(source, start..offset + self.range.end);
        Some(Block {
            kind,
            text: self.text.trim().to_owned(),
            span: start..end,
        })
    }
}

/// What the importer needs of the body's top-level blocks, with spans in the whole source.
struct Scan {
    /// Headings and wholly-bold paragraphs.
    blocks: Vec<Block>,
    /// Thematic breaks (`---`, `***`, `___`), in source order.
    rules: Vec<Range<usize>>,
}

/// Reads the top-level blocks of the body (`source[body_start..]`).
fn scan(source: &str, body_start: usize) -> Scan {
    let body = &source[body_start..];
    let mut blocks = Vec::new();
    let mut rules = Vec::new();
    // Depth of open tags: blocks opened at depth 0 are top-level; list items, block quotes and
    // their contents are deeper and never questions.
    let mut depth = 0usize;
    let mut current: Option<Pending> = None;
    for (event, range) in Parser::new_ext(body, markdown_options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    current = match tag {
                        Tag::Heading { level, .. } => Some(Pending::new(
                            PendingKind::Heading(level_number(level)),
                            range,
                        )),
                        Tag::Paragraph => Some(Pending::new(PendingKind::Paragraph, range)),
                        _ => None,
                    };
                } else if let (Some(pending), Tag::Strong) = (current.as_mut(), tag) {
                    pending.strong_depth += 1;
                }
                depth += 1;
            }
            Event::End(tag) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    if let Some(block) = current.take().and_then(|p| p.finish(source, body_start)) {
                        blocks.push(block);
                    }
                } else if let (Some(pending), TagEnd::Strong) = (current.as_mut(), tag) {
                    pending.strong_depth = pending.strong_depth.saturating_sub(1);
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(pending) = current.as_mut() {
                    pending.visible(&text);
                    pending.text.push_str(&text);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(pending) = current.as_mut() {
                    pending.text.push(' ');
                }
            }
            // Markup that shows something but has no plain text: it makes a paragraph not
            // wholly bold when outside the strong text.
            Event::InlineHtml(html) | Event::Html(html) => {
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
    Scan { blocks, rules }
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

/// `range` without surrounding blank lines (see [`trim_blank_lines`]) and without the thematic
/// breaks that end it: FAQ pages often draw a `---` between entries, which is page layout, not
/// part of the answer above it (it stays in the bytes between entries, so export keeps it).
fn trim_surroundings(source: &str, range: Range<usize>, rules: &[Range<usize>]) -> Range<usize> {
    let mut trimmed = trim_blank_lines(source, range.clone());
    while let Some(rule) = rules
        .iter()
        .find(|rule| rule.end == trimmed.end && rule.start >= trimmed.start && !rule.is_empty())
    {
        trimmed = trim_blank_lines(source, range.start..rule.start);
    }
    trimmed
}

/// Markdown's whitespace: what blank lines and trailing space are made of.
fn is_blank(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// The end of `range` once trailing whitespace and line endings are dropped.
fn trim_end_blank(source: &str, range: Range<usize>) -> usize {
    let bytes = source.as_bytes().get(range.clone()).unwrap_or_default();
    // Whitespace is ASCII, so the byte after the last non-blank one starts a character.
    range.start
        + bytes
            .iter()
            .rposition(|&b| !is_blank(b))
            .map_or(0, |i| i + 1)
}

/// `range` without its leading blank lines (the first kept line keeps its indentation) and
/// without trailing whitespace; an empty range at `range.start` when it is all blank.
fn trim_blank_lines(source: &str, range: Range<usize>) -> Range<usize> {
    let end = trim_end_blank(source, range.clone());
    let bytes = source.as_bytes().get(range.start..end).unwrap_or_default();
    let mut line_start = range.start;
    for (i, &byte) in bytes.iter().enumerate() {
        if byte == b'\n' {
            line_start = range.start + i + 1;
        } else if !is_blank(byte) {
            return line_start..end;
        }
    }
    range.start..range.start
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../seed/faq.md");

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
        assert_eq!(fm.format, super::super::FrontMatterFormat::Yaml);
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
        let source =
            "# FAQ?\n\n## Topic\n\n### One?\n\nA.\n\n### Two?\n\nB.\n\n#### Deeper?\n\nC.\n";
        let page = parse(source);
        assert_eq!(page.style, QuestionStyle::Heading(3));
        assert_eq!(questions(&page), ["One?", "Two?"]);
        assert_eq!(page.entries[0].section.as_deref(), Some("Topic"));
        assert_eq!(page.entries[1].answer, "B.\n\n#### Deeper?\n\nC.");
        assert_eq!(page.sections.len(), 2);
    }

    #[test]
    fn fullwidth_and_quoted_question_marks_count() {
        let page =
            parse("## 配送には何日かかりますか？\n\n三日です。\n\n## Is it \"free?\"\n\nYes.\n");
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
        assert!(
            message.contains("**") && message.contains("## ") && message.contains("--questions")
        );
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
}
