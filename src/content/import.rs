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
//! Raw HTML `<details>` blocks and accordions count with the shortcode pairs (style
//! [`QuestionStyle::Shortcode`]), list FAQs with the definition terms
//! ([`QuestionStyle::Definition`]); the finer form is [`ParsedPage::form`], and every form's
//! count is in [`ParsedPage::forms`] (see `docs/hugo-forms.md` and [`super::forms`]).
//!
//! A front-matter list (YAML, TOML or JSON) is read first. On an article (the page's `layout`
//! or `type` does not name a FAQ) it is the whole FAQ and the body is the intro; on a FAQ page
//! the body's questions follow it. A forced style always reads the body with the list.
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

use super::forms::{self, FormCount, html, list};
use super::front_matter::FrontMatter;
use super::markdown_options;
use super::shortcode::{self, QuestionPlace};
use super::yaml::{self, YamlScalar};

/// How a file marks its questions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum QuestionStyle {
    /// A top-level paragraph wholly in bold; any heading above is a section.
    Bold,
    /// A top-level heading of this level (1–6); shallower headings are sections, deeper ones
    /// belong to the answers.
    Heading(u8),
    /// Top-level block quotes of one line (`> How do I …?`); headings are sections.
    Quote,
    /// Definition list terms (`How do I …?` then `: answer`) and list FAQs (items that start
    /// with their question); headings are sections.
    Definition,
    /// Shortcode pairs (`{{< faq "Question?" >}}…{{< /faq >}}`, `{{% details title=… %}}`)
    /// and their raw HTML counterparts (`<details><summary>…`, accordions); headings outside
    /// them are sections.
    Shortcode,
    /// Only the front matter's list (`faq: [{question, answer}]`); the body is the intro.
    FrontMatter,
    /// A Hugo data file (`data/faq.yml`): YAML items, optionally grouped in sections.
    Data,
}

impl fmt::Display for QuestionStyle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bold => f.write_str("bold"),
            Self::Heading(level) => write!(f, "h{level}"),
            Self::Quote => f.write_str("quote"),
            Self::Definition => f.write_str("definition"),
            Self::Shortcode => f.write_str("shortcode"),
            Self::FrontMatter => f.write_str("front-matter"),
            Self::Data => f.write_str("data"),
        }
    }
}

/// The error of [`QuestionStyle::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown question style `{0}`: expected `bold`, a heading level `h1` to `h6`, `quote`, \
     `definition` (or `list`), `shortcode` (or `details`, `accordion`), `front-matter` or `data`"
)]
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
            "quote" | "blockquote" => Ok(Self::Quote),
            "definition" | "deflist" | "dl" | "list" => Ok(Self::Definition),
            "shortcode" | "shortcodes" | "details" | "accordion" | "html" => Ok(Self::Shortcode),
            "front-matter" | "frontmatter" | "front_matter" => Ok(Self::FrontMatter),
            "data" => Ok(Self::Data),
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
    /// The form the questions were read in, finer than `style`: `details`, `accordion`,
    /// `list`, `shortcode`, `h2`, `front-matter`…
    pub form: String,
    /// Every form the file asks questions in, with its count (the chosen one included), in
    /// the order of the contract's list; forms with no question are left out.
    pub forms: Vec<FormCount>,
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
    /// The whole item: question and answer, and for a shortcode both tags, for a YAML item
    /// its sequence dash and every key.
    pub item_span: Range<usize>,
    /// How the question and answer are written, which is how edits are written back.
    pub syntax: EntrySyntax,
    /// The label written before the question (`Q:` in `#### Q: How …?`), not part of it.
    pub label: Option<String>,
}

/// How one entry is written in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntrySyntax {
    /// A wholly bold paragraph, then Markdown.
    Bold,
    /// A heading of this level, then Markdown.
    Heading(u8),
    /// A paragraph opening with a bold label (`**Q:** How …?`), then Markdown.
    Labelled,
    /// A one-line block quote, then Markdown.
    Quote,
    /// A definition list term; the answer is its definition (`: …`), written without the
    /// marker and the indentation.
    Definition,
    /// A shortcode pair; the answer is the Markdown between its tags.
    Shortcode(QuestionPlace),
    /// Raw HTML (`<details>`, an accordion): the question is the text of its element, the
    /// answer the content of its panel, read as Markdown or HTML as the slot says.
    Html(html::HtmlSlot),
    /// A list item that starts with its question (in bold or as a line ending in `?`); the
    /// answer is the rest of the item, its continuation lines indented by `indent`.
    ListItem { indent: usize, bold: bool },
    /// A YAML mapping: question and answer are scalars written in these forms.
    Yaml {
        question: YamlScalar,
        answer: YamlScalar,
    },
}

/// Why a file cannot be imported. The messages are shown to users as they are.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The front matter is unterminated, is not valid YAML/TOML, or is not a mapping.
    #[error("invalid front matter: {0}")]
    FrontMatter(String),
    /// The file has neither bold questions nor question headings.
    #[error(
        "no question found. Looked for: paragraphs wholly in bold \
         (`**What is a technical coach?**`); headings ending in a question mark or starting \
         with `Q:` (`## What is a technical coach?`), outside lists and quotes; FAQ shortcodes \
         (`{{{{< faq \"Question?\" >}}}}…{{{{< /faq >}}}}`, `{{{{% details title=\"Question?\" %}}}}…`); \
         raw HTML `<details><summary>Question?</summary>…</details>` and accordions (a question \
         `<button>` or heading with an `accordion-body`/`…answer` panel); lists whose items start \
         with their question (bold, or a first line ending in `?`); \
         and a front matter list of `question`/`answer` items (`faq: [{{question, answer}}]`, YAML, \
         TOML or JSON). \
         This file has none of them. If it marks its questions differently, choose the style \
         with `--questions bold|h2|h3|…|list|shortcode|details|front-matter` (`questions=` on the \
         HTTP import)"
    )]
    NoQuestions,
    /// A data file whose YAML holds no question/answer mapping.
    #[error(
        "no question found in the data file: looked for mappings with a question key \
         (`question`, `q`) and an answer key (`answer`, `a`, `content`, `text`), at any depth \
         (a list of them, or sections holding such lists)"
    )]
    NoQuestionsInData,
    /// A data file that is not valid YAML.
    #[error("invalid data file: {0}")]
    Data(String),
    /// Raw HTML that cannot be read safely: nested too deep, a tag too long, an item's element
    /// never closed.
    #[error("the file's raw HTML cannot be read: {0}")]
    Html(String),
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
        QuestionStyle::Quote => {
            "the file has no top-level block quote of one line (`> …`)".to_owned()
        }
        QuestionStyle::Definition => {
            "the file has no definition list (a term line, then `: answer`)".to_owned()
        }
        QuestionStyle::Shortcode => "the file has no FAQ shortcode pair with a question \
                                     (`{{< faq \"Question?\" >}}…{{< /faq >}}`, \
                                     `{{% details title=\"Question?\" %}}…{{% /details %}}`)"
            .to_owned(),
        QuestionStyle::FrontMatter => "the front matter has no list of question/answer items \
                                       (`faq: [{question, answer}]`)"
            .to_owned(),
        QuestionStyle::Data => "the data file has no question/answer mapping".to_owned(),
    }
}

/// Splits a page file into front matter, intro, sections and entries.
///
/// `forced` imposes a question style; without it the style is chosen as described in the
/// [module documentation](self). A leading byte order mark is dropped. Never panics.
pub fn parse_page(source: &str, forced: Option<QuestionStyle>) -> Result<ParsedPage, ImportError> {
    if forced == Some(QuestionStyle::Data) {
        return parse_data(source, false);
    }
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let (front_matter, body_start) = super::front_matter::split(source)?;
    // A front matter list of questions (`faq: [{question, answer}]`, YAML, TOML or JSON).
    let listed = front_matter
        .as_ref()
        .map(|fm| forms::front_matter_items(source, fm))
        .unwrap_or_default();
    let Scan {
        blocks,
        rules,
        code,
    } = scan(source, body_start);
    let shortcodes = shortcode::items(source, body_start..source.len(), &code, |range| {
        heading_at(source, range)
    });
    let body = list::scan(source, body_start);
    let html_found = html::scan(source, &body.html);
    let html_items: Vec<&html::Item> = match &html_found {
        Ok(found) => found.details.iter().chain(&found.accordion).collect(),
        Err(_) => Vec::new(),
    };
    let list_items: Vec<&list::ListItem> = body.lists.iter().flatten().collect();
    let counts = form_counts(&blocks, &shortcodes, &html_found, &list_items, listed.len());
    let body_style = choose_style(&blocks, &shortcodes, &html_items, &list_items);
    // The rule for articles: a front matter list is the page's FAQ, and the body its intro,
    // unless the page says it is a FAQ page (`layout`/`type`), whose body's questions are
    // read too.
    let article = !listed.is_empty() && !front_matter.as_ref().is_some_and(forms::says_faq);
    let style = match forced {
        Some(style) => style,
        None if article => QuestionStyle::FrontMatter,
        None => match body_style {
            Some(style) => style,
            None if !listed.is_empty() => QuestionStyle::FrontMatter,
            None => {
                return Err(match html_found {
                    Err(e) => ImportError::Html(e),
                    Ok(_) => ImportError::NoQuestions,
                });
            }
        },
    };
    if let (QuestionStyle::Shortcode, Err(e)) = (style, &html_found) {
        return Err(ImportError::Html(e.clone()));
    }

    // The body's questions and sections, in source order.
    enum Marker<'a> {
        Section(&'a Block, u8),
        Block(&'a Block, EntrySyntax),
        Shortcode(&'a shortcode::Item),
        Html(&'a html::Item),
        List(&'a list::ListItem),
    }
    let start_of = |m: &Marker| match m {
        Marker::Section(b, _) | Marker::Block(b, _) => b.span.start,
        Marker::Shortcode(item) => item.item_span.start,
        Marker::Html(item) => item.item_span.start,
        Marker::List(item) => item.item_span.start,
    };
    let mut markers: Vec<Marker> = Vec::new();
    match style {
        QuestionStyle::Shortcode => {
            // Shortcode pairs and raw HTML items; one inside another belongs to its answer.
            let mut items: Vec<(std::ops::Range<usize>, Marker)> = shortcodes
                .iter()
                .map(|item| (item.item_span.clone(), Marker::Shortcode(item)))
                .chain(
                    html_items
                        .iter()
                        .map(|item| (item.item_span.clone(), Marker::Html(item))),
                )
                .collect();
            items.sort_by_key(|(span, _)| (span.start, std::cmp::Reverse(span.end)));
            let mut spans: Vec<std::ops::Range<usize>> = Vec::new();
            for (span, marker) in items {
                if spans.last().is_some_and(|last| span.start < last.end) {
                    continue;
                }
                spans.push(span);
                markers.push(marker);
            }
            let inside = |block: &Block| {
                spans
                    .binary_search_by(|span| {
                        if span.end <= block.span.start {
                            std::cmp::Ordering::Less
                        } else if span.start > block.span.start {
                            std::cmp::Ordering::Greater
                        } else {
                            std::cmp::Ordering::Equal
                        }
                    })
                    .is_ok()
            };
            for block in blocks.iter().filter(|b| !inside(b)) {
                if let BlockKind::Heading(level) = block.kind
                    && !block.text.is_empty()
                {
                    markers.push(Marker::Section(block, level));
                }
            }
            markers.sort_by_key(|m| start_of(m));
        }
        QuestionStyle::FrontMatter | QuestionStyle::Data => {}
        QuestionStyle::Bold
        | QuestionStyle::Heading(_)
        | QuestionStyle::Quote
        | QuestionStyle::Definition => {
            let cx = Context {
                style,
                labelled_headings: labelled_headings(&blocks, style),
                forced: forced.is_some(),
            };
            for block in &blocks {
                match block.role(cx) {
                    Role::Question(syntax) => markers.push(Marker::Block(block, syntax)),
                    Role::Section(level) => markers.push(Marker::Section(block, level)),
                    Role::Content => {}
                }
            }
            if style == QuestionStyle::Definition && !list_items.is_empty() {
                markers.extend(list_items.iter().map(|item| Marker::List(item)));
                markers.sort_by_key(|m| start_of(m));
            }
            // A shallower heading that asks but has no answer of its own heads a section.
            if let QuestionStyle::Heading(q) = style {
                let starts: Vec<usize> = markers.iter().map(start_of).skip(1).collect();
                for (i, marker) in markers.iter_mut().enumerate() {
                    if let Marker::Block(block, EntrySyntax::Heading(level)) = *marker
                        && level < q
                    {
                        let next = starts.get(i).copied().unwrap_or(source.len());
                        if trim_surroundings(source, block.span.end..next, &rules).is_empty() {
                            *marker = Marker::Section(block, level);
                        }
                    }
                }
            }
        }
    }

    let next_start = |i: usize| markers.get(i + 1).map_or(source.len(), start_of);
    let intro_end = markers.first().map_or(source.len(), start_of);
    let intro_span = trim_surroundings(source, body_start..intro_end, &rules);

    let mut sections = Vec::new();
    let mut entries: Vec<ParsedEntry> = listed
        .iter()
        .map(|item| ParsedEntry {
            section: item.section.clone(),
            question: item.question.clone(),
            answer: item.answer.clone(),
            question_span: item.question_span.clone(),
            answer_span: item.answer_span.clone(),
            item_span: item.item_span.clone(),
            syntax: EntrySyntax::Yaml {
                question: item.question_scalar,
                answer: item.answer_scalar,
            },
            label: None,
        })
        .collect();
    let mut section: Option<String> = None;
    for (i, marker) in markers.iter().enumerate() {
        match marker {
            Marker::Section(block, level) => {
                let after = trim_surroundings(source, block.span.end..next_start(i), &rules);
                section = Some(block.text.clone()).filter(|text| !text.is_empty());
                sections.push(ParsedSection {
                    title: block.text.clone(),
                    level: *level,
                    span: block.span.clone(),
                    intro: source[after.clone()].to_owned(),
                    intro_span: after,
                });
            }
            Marker::Block(block, syntax) => {
                let after = trim_surroundings(source, block.span.end..next_start(i), &rules);
                let answer = match syntax {
                    EntrySyntax::Definition => undefine(&source[after.clone()]),
                    _ => source[after.clone()].to_owned(),
                };
                entries.push(ParsedEntry {
                    section: section.clone(),
                    question: block.text.clone(),
                    answer,
                    label: block.label.clone(),
                    question_span: block.span.clone(),
                    item_span: block.span.start..after.end.max(block.span.end),
                    answer_span: after,
                    syntax: *syntax,
                });
            }
            Marker::Shortcode(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: source[item.answer_span.clone()].to_owned(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::Shortcode(item.question_place),
                label: None,
            }),
            Marker::Html(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: source[item.answer_span.clone()].to_owned(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::Html(item.slot),
                label: None,
            }),
            Marker::List(item) => entries.push(ParsedEntry {
                section: section.clone(),
                question: item.question.clone(),
                answer: item.answer.clone(),
                question_span: item.question_span.clone(),
                answer_span: item.answer_span.clone(),
                item_span: item.item_span.clone(),
                syntax: EntrySyntax::ListItem {
                    indent: item.indent,
                    bold: item.bold,
                },
                label: None,
            }),
        }
    }
    if entries.is_empty() {
        return Err(match forced {
            Some(style) => ImportError::NoQuestionsInStyle(style),
            None => ImportError::NoQuestions,
        });
    }

    // The chosen form counts the entries the body gave (a heading style takes every heading
    // of its level, asking or not).
    let form = chosen_form(style, &counts);
    let mut counts = counts;
    let body_entries = entries.len() - listed.len();
    if form != "front-matter" && form != "data" {
        match counts.iter_mut().find(|c| c.form == form) {
            Some(count) => count.count = body_entries,
            None if body_entries > 0 => counts.push(FormCount {
                form: form.clone(),
                count: body_entries,
            }),
            None => {}
        }
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
            .is_some_and(hugo_truthy),
        lang: string("language").or_else(|| string("lang")),
        intro: source[intro_span.clone()].to_owned(),
        intro_span,
        form,
        forms: counts,
        style,
        sections,
        entries,
        front_matter,
        source: source.to_owned(),
    })
}

/// The questions each form of the body asks, and the front matter list's.
fn form_counts(
    blocks: &[Block],
    shortcodes: &[shortcode::Item],
    html_found: &Result<html::Found, String>,
    list_items: &[&list::ListItem],
    listed: usize,
) -> Vec<FormCount> {
    let mut headings = [0usize; 6];
    let (mut bold, mut quotes, mut terms) = (0, 0, 0);
    for block in blocks {
        match block.kind {
            BlockKind::Heading(level) if block.asks() => {
                if let Some(count) = headings.get_mut(usize::from(level) - 1) {
                    *count += 1;
                }
            }
            BlockKind::BoldParagraph if !block.is_label() => bold += 1,
            BlockKind::LabelledParagraph => bold += 1,
            BlockKind::Quote => quotes += 1,
            BlockKind::Term if !block.text.is_empty() => terms += 1,
            _ => {}
        }
    }
    let (details, accordion) = match html_found {
        Ok(found) => (found.details.len(), found.accordion.len()),
        Err(_) => (0, 0),
    };
    let mut counts = vec![
        ("shortcode".to_owned(), shortcodes.len()),
        ("details".to_owned(), details),
        ("accordion".to_owned(), accordion),
    ];
    counts.extend((1..=6).map(|level| (format!("h{level}"), headings[level - 1])));
    counts.extend([
        ("bold".to_owned(), bold),
        ("quote".to_owned(), if quotes >= 2 { quotes } else { 0 }),
        ("definition".to_owned(), terms),
        ("list".to_owned(), list_items.len()),
        ("front-matter".to_owned(), listed),
    ]);
    counts
        .into_iter()
        .filter(|(_, count)| *count > 0)
        .map(|(form, count)| FormCount { form, count })
        .collect()
}

/// The form a style read, among those it covers: the one with the most questions.
fn chosen_form(style: QuestionStyle, counts: &[FormCount]) -> String {
    let family: &[&str] = match style {
        QuestionStyle::Shortcode => &["shortcode", "details", "accordion"],
        QuestionStyle::Definition => &["definition", "list"],
        _ => return style.to_string(),
    };
    counts
        .iter()
        .filter(|c| family.contains(&c.form.as_str()))
        .max_by_key(|c| c.count)
        .map_or_else(|| style.to_string(), |c| c.form.clone())
}

/// A Hugo data file (`data/faq.yml`): every question/answer mapping of the YAML document, with
/// the enclosing section's title. No front matter, no intro.
/// A TOML data file (`toml`) is read the same way: its strings are written back as TOML basic
/// strings, whose escapes are JSON's.
pub fn parse_data(source: &str, toml: bool) -> Result<ParsedPage, ImportError> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let json_like = source.trim_start().starts_with(['{', '[']);
    let items = if toml {
        yaml::items_toml(source)
    } else if json_like {
        // JSON is read with its own reader (tabs, deep nesting); a flow YAML document that is
        // not JSON falls back to the YAML reader.
        forms::json::items(source)
            .or_else(|json_error| yaml::items(source, 0..source.len()).map_err(|_| json_error))
    } else {
        yaml::items(source, 0..source.len())
    }
    .map_err(ImportError::Data)?;
    if items.is_empty() {
        return Err(ImportError::NoQuestionsInData);
    }
    let entries: Vec<ParsedEntry> = items
        .into_iter()
        .map(|item| ParsedEntry {
            section: item.section,
            question: item.question,
            answer: item.answer,
            question_span: item.question_span,
            answer_span: item.answer_span,
            item_span: item.item_span,
            syntax: EntrySyntax::Yaml {
                question: item.question_scalar,
                answer: item.answer_scalar,
            },
            label: None,
        })
        .collect();
    Ok(ParsedPage {
        source: source.to_owned(),
        front_matter: None,
        title: None,
        description: None,
        draft: false,
        lang: None,
        intro: String::new(),
        intro_span: 0..0,
        style: QuestionStyle::Data,
        sections: Vec::new(),
        form: "data".to_owned(),
        forms: vec![FormCount {
            form: "data".to_owned(),
            count: entries.len(),
        }],
        entries,
    })
}

/// Hugo's reading of a boolean front matter value: `true`, `"true"`, `1`, `"yes"`, `"on"`…;
/// anything that is not clearly false counts as true (a page in doubt is a draft).
fn hugo_truthy(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Bool(b) => *b,
        Value::Null => false,
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        Value::String(s) => !matches!(
            s.trim().to_ascii_lowercase().as_str(),
            "" | "false" | "0" | "no" | "off" | "n" | "f"
        ),
        Value::Array(_) | Value::Object(_) => true,
    }
}

/// The heading at the start of `source[range]`: its plain text, its block span and its level.
fn heading_at(source: &str, range: Range<usize>) -> Option<(String, Range<usize>, u8)> {
    let Scan { blocks, .. } = scan_range(source, range.clone());
    let first = blocks.into_iter().next()?;
    match first.kind {
        BlockKind::Heading(level) if first.span.start == range.start => {
            Some((first.text, first.span, level))
        }
        _ => None,
    }
}

/// Applies the rule of the module documentation; `None` when the body has no question.
fn choose_style(
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
fn labelled_headings(blocks: &[Block], style: QuestionStyle) -> bool {
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
fn undefine(text: &str) -> String {
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

/// What a top-level block is to the importer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlockKind {
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
struct Block {
    kind: BlockKind,
    /// The `Q:` label the question was written with, taken off `text`.
    label: Option<String>,
    /// Plain text, inline markup stripped, trimmed.
    text: String,
    /// The block's bytes in the source, without trailing whitespace or line ending.
    span: Range<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Question(EntrySyntax),
    Section(u8),
    Content,
}

/// What decides a block's role besides its own kind: the style, whether the questions of the
/// heading level all carry a `Q:` label (then unlabelled headings of that level are sections),
/// and whether the caller forced the style.
#[derive(Clone, Copy)]
struct Context {
    style: QuestionStyle,
    labelled_headings: bool,
    forced: bool,
}

impl Block {
    fn role(&self, cx: Context) -> Role {
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

    /// Ends in a question mark, or starts with a `Q:` label (`#### Q: How …`).
    fn asks(&self) -> bool {
        ends_in_question_mark(&self.text) || self.label.is_some()
    }

    /// A bold line that labels what follows (`**For women under 35:**`) rather than asks.
    fn is_label(&self) -> bool {
        self.text.trim_end().ends_with([':', '：']) && self.label.is_none()
    }
}

/// `Is it "free?"` or `(really?)` still asks; so does a question in Chinese (`？`), Arabic
/// (`؟`), Greek (`;` is not counted: it is also a semicolon) or Armenian (`՞`).
pub(crate) fn ends_in_question_mark(text: &str) -> bool {
    let text = text.trim_end_matches(['"', '\'', '”', '’', '»', '」', ')', ']', ' ', '\u{200b}']);
    text.ends_with(['?', '？', '؟', '՞', '⸮', '﹖'])
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
        let kind = match self.kind {
            PendingKind::Heading(level) => BlockKind::Heading(level),
            PendingKind::Paragraph if self.strong_text && !self.plain_content => {
                BlockKind::BoldParagraph
            }
            // `**Q:** How do I …?`: a question behind a bold label.
            PendingKind::Paragraph
                if self
                    .leading_strong
                    .as_deref()
                    .is_some_and(is_question_label) =>
            {
                BlockKind::LabelledParagraph
            }
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
        let end = trim_end_blank(source, start..offset + self.range.end);
        let text = self
            .text
            .trim_matches(|c: char| c.is_whitespace() || ZERO_WIDTH.contains(&c));
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
            (BlockKind::LabelledParagraph, Some(label)) => {
                let label = label.trim();
                let rest = text.strip_prefix(label).unwrap_or(text).trim_start();
                (Some(label.to_owned()), rest)
            }
            (BlockKind::Heading(_) | BlockKind::BoldParagraph, _) => {
                match split_question_label(text) {
                    Some((label, rest)) => (Some(label.to_owned()), rest),
                    None => (None, text),
                }
            }
            _ => (None, text),
        };
        Some(Block {
            kind,
            label,
            text: text.to_owned(),
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
    /// Code blocks at any depth: shortcodes inside them are examples, not items.
    code: Vec<Range<usize>>,
}

/// Reads the top-level blocks of the body (`source[body_start..]`).
fn scan(source: &str, body_start: usize) -> Scan {
    scan_range(source, body_start..source.len())
}

/// Reads the top-level blocks of `source[range]`, with spans in the whole source.
fn scan_range(source: &str, range: Range<usize>) -> Scan {
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
                    match tag {
                        Tag::Strong => {
                            if pending.strong_depth == 0
                                && !pending.plain_content
                                && !pending.strong_text
                            {
                                pending.leading_strong = Some(String::new());
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
                    if let Some(block) = current.take().and_then(|p| p.finish(source, body_start)) {
                        blocks.push(block);
                    }
                } else if let (Some(pending), TagEnd::Strong) = (current.as_mut(), tag) {
                    pending.strong_depth = pending.strong_depth.saturating_sub(1);
                    if pending.strong_depth == 0 {
                        // The opening strong span, if any, is complete.
                        pending.label_closed = true;
                    }
                }
            }
            Event::Text(text) | Event::Code(text) => {
                if let Some(pending) = current.as_mut() {
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
            Event::InlineHtml(_) => {}
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
    Scan {
        blocks,
        rules,
        code,
    }
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
pub(crate) fn trim_blank_lines(source: &str, range: Range<usize>) -> Range<usize> {
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

    #[test]
    fn real_world_forms_the_corpus_lacks() {
        // A shortcode whose question is its first heading, with an odd closing.
        let page = parse(
            "{{< faq >}}\n### Is it free?\n\nYes.\n{{< /faq  >}}\n\n{{< faq >}}\n### And later?\nStill.\n{{</ faq >}}\n",
        );
        assert_eq!(page.style, QuestionStyle::Shortcode);
        assert_eq!(questions(&page), ["Is it free?", "And later?"]);
        assert_eq!(page.entries[1].answer, "Still.");

        // An anchor inside a bold question, a zero-width space after one, and a label.
        let page = parse(
            "**<a name=\"q1\"></a>How do I start?**\n\nRun it.\n\n**Why?**\u{200b}\n\nBecause.\n\n**For women under 35:**\n\nAn offer.\n",
        );
        assert_eq!(page.style, QuestionStyle::Bold);
        assert_eq!(questions(&page), ["How do I start?", "Why?"]);
        assert!(page.entries[1].answer.contains("**For women under 35:**"));

        // `#### Q:` headings without a question mark, answered by `**A**:`.
        let page =
            parse("#### Q: Supported boards\n**A**: All of them.\n\n#### Q: Price\n**A**: Free.\n");
        assert_eq!(page.style, QuestionStyle::Heading(4));
        assert_eq!(questions(&page), ["Supported boards", "Price"]);
        assert_eq!(page.entries[0].label.as_deref(), Some("Q:"));
        assert_eq!(page.entries[1].answer, "**A**: Free.");

        // A front matter list with an empty body.
        let page = parse(
            "---\nlayout: faq\nfaq:\n  - question: One?\n    answer: Yes.\n  - question: Two?\n    answer: |\n      No.\n---\n",
        );
        assert_eq!(page.style, QuestionStyle::FrontMatter);
        assert_eq!(questions(&page), ["One?", "Two?"]);
        assert_eq!(page.entries[1].answer, "No.");

        // Definition lists and quoted questions.
        let page = parse("Why?\n: Because.\n\n  More.\n\nHow?\n: Like this.\n");
        assert_eq!(page.style, QuestionStyle::Definition);
        assert_eq!(page.entries[0].answer, "Because.\n\nMore.");
        let page = parse("> Why?\n\nBecause.\n\n> How?\n\nLike this.\n");
        assert_eq!(page.style, QuestionStyle::Quote);
        assert_eq!(questions(&page), ["Why?", "How?"]);
    }

    #[test]
    fn hugo_reads_draft_loosely() {
        for (value, draft) in [
            ("true", true),
            ("\"true\"", true),
            ("1", true),
            ("yes", true),
            ("false", false),
            ("0", false),
            ("\"\"", false),
        ] {
            let page = parse(&format!("---\ndraft: {value}\n---\n**Q?**\n\nA.\n"));
            assert_eq!(page.draft, draft, "draft: {value}");
        }
    }
}
