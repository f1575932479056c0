//! Why a file cannot be imported: the content layer's own error type.

use crate::content::style::QuestionStyle;

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
