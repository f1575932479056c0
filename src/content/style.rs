//! The question styles a file can ask in, as the caller names them (`bold`, `h2`, `list`…).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
