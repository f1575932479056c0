//! Markdown content: front matter, the question/answer split of page files, rendering and
//! sanitising of answers, and slugs.
//!
//! Everything here is pure (no I/O, no database): the importer, the exporter, the CLI and the
//! HTTP handlers call it.

pub mod export;
pub mod forms;
pub mod front_matter;
pub mod import;
pub mod limits;
pub mod present;
pub mod render;
pub mod shortcode;
pub mod slug;
pub mod yaml;

pub use self::slug::slugify;
pub use front_matter::{FrontMatter, FrontMatterFormat};
pub use import::{
    EntrySyntax, ImportError, ParsedEntry, ParsedPage, ParsedSection, QuestionStyle, parse_data,
    parse_page,
};
pub use render::render_answer;

use pulldown_cmark::Options;

/// The Markdown dialect of page files: CommonMark with the extensions Hugo enables by default
/// that pulldown-cmark has. Import and rendering share it so that both see the same blocks.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_DEFINITION_LIST
}

/// Parses a page file, choosing by its name: a YAML or JSON data file (`data/faq.yml`) is read
/// as data, anything else as a Markdown page. `forced` as for [`parse_page`].
pub fn parse_file(
    path: &std::path::Path,
    text: &str,
    forced: Option<QuestionStyle>,
) -> Result<ParsedPage, ImportError> {
    if is_data_file(path) || forced == Some(QuestionStyle::Data) {
        let toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        parse_data(text, toml)
    } else {
        parse_page(text, forced)
    }
}

/// A Hugo data file by its extension: `.yml`, `.yaml`, `.json` or `.toml`.
pub fn is_data_file(path: &std::path::Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["yml", "yaml", "json", "toml"].contains(&e.to_ascii_lowercase().as_str()))
}
