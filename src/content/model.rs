//! What the importer makes of a page file: its parts as exact byte spans of the source.

use std::ops::Range;

use crate::content::dates::PageDates;
use crate::content::forms::FormCount;
use crate::content::forms::data::YamlScalar;
use crate::content::forms::html::HtmlSlot;
use crate::content::forms::shortcode::QuestionPlace;
use crate::content::front_matter::FrontMatter;
use crate::content::style::QuestionStyle;

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
    /// The front matter's publication and expiry dates, as Hugo reads them.
    pub dates: PageDates,
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

impl ParsedPage {
    /// The question style kept with the page (`pages.question_style`, `questions` in the
    /// import report): the form itself for the forms read with another style's rules
    /// (`details` and `accordion` with the shortcodes, `list` with the definition lists), else
    /// the style. Both name the same reading ([`QuestionStyle`]'s `FromStr`).
    pub fn stored_style(&self) -> String {
        match self.form.as_str() {
            form @ ("details" | "accordion" | "list") => form.to_owned(),
            _ => self.style.to_string(),
        }
    }
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
    Html(HtmlSlot),
    /// A list item that starts with its question (in bold or as a line ending in `?`); the
    /// answer is the rest of the item, its continuation lines indented by `indent`. Indentation
    /// 0: the item holds only its question, and the answer is the blocks after its list (a
    /// one-item list per question, answers unindented).
    ListItem { indent: usize, bold: bool },
    /// A YAML mapping: question and answer are scalars written in these forms.
    Yaml {
        question: YamlScalar,
        answer: YamlScalar,
    },
}
